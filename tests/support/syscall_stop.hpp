// Stop a child at an exact system call, to kill it there: fault tests that
// must land between two steps a few microseconds apart (the intent pin and
// the link update of a rollback) cannot rely on timing, least of all under
// an emulator whose scheduler decides where a sleep ends.  ptrace(2) makes
// the point exact and leaves the program under test unmodified.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace structops::test {

struct SyscallPoint {
  long nr;                       // the system call (__NR_*)
  std::optional<uint64_t> arg0;  // its first argument (e.g. the bpf(2) command), if it matters
  bool at_exit;                  // false: stopped before the kernel runs it; true: after
};

struct StoppedChild {
  int pid = -1;
  bool reached = false;  // true: stopped at the point, still to be killed or waited for
  int exit_code = -1;    // if not reached: how it ended (exit code or 128 + signal)
};

// Start argv (stdout+stderr to out_file) traced, and run it until the
// first call of point.  A child that never gets there is reaped.  A stopped
// child dies with its tracer (PTRACE_O_EXITKILL); kill(2) it and then
// wait_child() it.
StoppedChild spawn_stopped_at(const std::vector<std::string>& argv, const std::string& out_file,
                              const SyscallPoint& point);

// Let a child stopped at its point run on, untraced; wait_child() it after.
void resume_stopped(int pid);

}  // namespace structops::test
