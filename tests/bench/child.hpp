// A command run to completion the way a user runs it, timed from fork to
// reaping, with its peak memory from the kernel (wait4's rusage).
#pragma once

#include <string>
#include <vector>

namespace structops::bench {

struct ChildRun {
  int exit_code = -1;  // exit status, or 128 + signal
  int signal = 0;      // the signal that ended it, else 0
  double ms = 0;       // wall time, fork to wait4
  long maxrss_kb = 0;  // ru_maxrss of the child
  std::string output;  // stdout and stderr together, for diagnostics
};

// argv[0] is looked up in PATH.  Never throws on the child's failure: the
// caller decides what a failure means.  maxrss_kb is only as good as the
// forking process is small: a child's ru_maxrss starts at its parent's RSS
// (fork copies the counters and exec keeps the high-water mark).
ChildRun run_child(const std::vector<std::string>& argv);

// The same through a fresh, small copy of this program (spawn_main), so
// that maxrss_kb is the command's own and not this process's.
ChildRun run_child_small(const std::vector<std::string>& argv);

// argv[0] of the small copy: run argv, print the result for
// run_child_small.  Returns the exit status for main().
int spawn_main(const std::vector<std::string>& argv);
inline constexpr const char* kSpawnFlag = "--spawn";

}  // namespace structops::bench
