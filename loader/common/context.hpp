// Where a command looks and writes: the policy search path and the files
// the loader keeps (pin, config, probation record), as the command line
// and the defaults set them.  Every command takes one.
#pragma once

#include <string>
#include <vector>

namespace structops {

struct Context {
  std::vector<std::string> search_dirs;  // policy lookup, in order
  std::string pin_path;
  std::string config_path;
  std::string probation_path;      // the running probation's record (probation_record.hpp)
  std::string ops_layout_path;     // the module's value layout, for --status (ops_layout_cache.hpp)
  std::string module_signer_path;  // the module's signer, for --status (module_signer_cache.hpp)
  bool verbose = false;
};

}  // namespace structops
