// --foreground: the tutorial's mode.  Attach without pinning, trigger the
// module periodically and print what the policy answered, swap in-process
// on SIGHUP (config re-read), detach on SIGINT/SIGTERM.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "common/error.hpp"

namespace structops {

struct ForegroundOptions {
  std::string policy;  // empty: the config file's
  std::vector<std::string> sets;
  double interval_s = 2.0;
};

// Returns after SIGINT/SIGTERM (ok) or when the first attach fails.
// Progress goes to out; problems after the attach (a failed SIGHUP swap,
// a failed trigger write) go to err and do not stop the loop.
Result<void> run_foreground(const Context& ctx, const ForegroundOptions& opts, std::ostream& out,
                            std::ostream& err);

}  // namespace structops
