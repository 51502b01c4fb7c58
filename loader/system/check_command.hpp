// One run of a probation's check command: `/bin/sh -c CMD` in its own
// process group, its stdout and stderr copied to one fd (bounded, so a
// command printing megabytes cannot flood the terminal or the journal),
// killed when it outlives its timeout or when a watched fd wakes (a
// signal arrived, the link was detached).
#pragma once

#include <poll.h>
#include <signal.h>

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "common/error.hpp"

namespace structops {

struct CheckRun {
  enum class End {
    exited,       // code is its exit status (127: sh found no such command)
    signaled,     // code is the signal that ended it
    timed_out,    // killed at the timeout
    interrupted,  // killed because watch[watch_index] woke
  };
  End end = End::exited;
  int code = 0;
  size_t watch_index = 0;
  size_t output_bytes = 0;    // what it printed, all of it
  size_t output_dropped = 0;  // of that, not copied (over max_output)
  std::chrono::nanoseconds took{0};

  bool passed() const { return end == End::exited && code == 0; }
};

struct CheckSpec {
  std::string command;
  std::chrono::nanoseconds timeout{std::chrono::seconds(1)};
  sigset_t child_mask;  // the signal mask the command runs with
  int out_fd = 2;
  size_t max_output = 64 * 1024;
};

// Errors only when the command could not be started at all (no fork, no
// pipe); a missing command is exit 127 from sh, as in a shell.
Result<CheckRun> run_check(const CheckSpec& spec, const std::vector<pollfd>& watch);

// "'CMD' exited 1", "'CMD' was killed by signal 9", "'CMD' did not finish
// within 1.0 s (killed)": the reason a failed run gives.
std::string describe_check_failure(const std::string& command, const CheckRun& run);

}  // namespace structops
