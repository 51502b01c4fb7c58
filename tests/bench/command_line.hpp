// What the two benchmark programs (structops_bench, structops_rollback_bench)
// share in reading their command lines.
#pragma once

#include <string>

#include "module_io.hpp"

namespace structops::bench {

// The value of the option at argv[*i] (argv[*i + 1], *i moved past it);
// throws BenchError when the command line ends first.
inline std::string option_value(int argc, char** argv, int* i) {
  if (*i + 1 >= argc)
    throw BenchError(std::string(argv[*i]) + " needs a value");
  return argv[++*i];
}

}  // namespace structops::bench
