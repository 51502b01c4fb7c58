// Command-line parsing into a plain struct, with the option-combination
// rules; nothing here touches the system, so it is unit-testable.
#pragma once

#include <string>
#include <vector>

#include "common/error.hpp"

namespace structops {

enum class Action {
  help,
  version,
  attach,       // --policy
  verify,       // --verify
  detach,       // --detach
  list,         // --list
  status,       // --status
  restore,      // --restore
  rollback,     // --rollback
  load_module,  // --load-module
  sign,         // --sign [--key] [--cert]
  foreground,   // --foreground [--policy]
};

struct Options {
  Action action = Action::help;
  std::string policy;             // --policy, --verify or --sign value
  std::string key_path;           // --key; empty: DKMS's
  std::string cert_path;          // --cert; empty: DKMS's
  std::vector<std::string> sets;  // --set KEY=VALUE, in order
  std::string config_path;        // --config, or the default
  bool save = false;
  bool json = false;
  bool prometheus = false;  // --format=prometheus (with --status)
  bool verbose = false;
  double interval_s = 2.0;        // --foreground trigger period; the tutorial's 2 s
  double probation_s = 0;         // --probation window; 0: none
  std::string check;              // --check command
  double check_interval_s = 1.0;  // --check-interval
};

// argv as main() got it.  default_config is used when --config is absent.
Result<Options> parse_options(int argc, const char* const argv[],
                              const std::string& default_config);

// The --help text.
std::string usage_text(const std::string& default_config);

}  // namespace structops
