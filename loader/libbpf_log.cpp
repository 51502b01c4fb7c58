#include "libbpf_log.hpp"

#include <bpf/libbpf.h>

#include <cstdarg>
#include <cstdio>

namespace structops {
namespace {

// libbpf's print hook has no user-data argument, so the level lives here.
bool g_verbose = false;

int print_libbpf(enum libbpf_print_level level, const char* format, va_list args) {
  if (level != LIBBPF_WARN && !g_verbose)
    return 0;
  return std::vfprintf(stderr, format, args);
}

}  // namespace

void install_libbpf_logger(bool verbose) {
  g_verbose = verbose;
  libbpf_set_print(print_libbpf);
}

}  // namespace structops
