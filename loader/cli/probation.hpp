// --policy X --probation SECONDS [--check CMD] [--check-interval SECONDS]:
// swap to X as usual, then hold it on probation.  CMD runs every interval
// and once at the end; the link fd is watched (a detached struct_ops link
// wakes poll with EPOLLHUP) and so are SIGINT, SIGTERM and SIGHUP.  Any
// of them failing rolls back at once with one link update; a window that
// passes leaves X attached.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "cli/commands.hpp"

namespace structops {

struct ProbationOptions {
  double seconds = 0;
  std::string check;  // "" = only watch the link and signals
  double interval_s = 1.0;
};

struct ProbationResult {
  bool passed = false;
  std::string message;  // "probation passed: ..." or "probation failed: ..."
};

// Errors: the swap's own (nothing changed), or a failed probation whose
// rollback could not be done (`busy` when another loader changed the
// policy meanwhile).  Progress (the swap line) goes to out, notes and the
// check's output to err.
Result<ProbationResult> run_probation(const Context& ctx, const std::string& value,
                                      const std::vector<std::string>& sets,
                                      const ProbationOptions& opts, std::ostream& out,
                                      std::ostream& err);

// A check run gets the interval, but at least this long, to finish.
inline constexpr double kMinCheckTimeoutS = 1.0;

}  // namespace structops
