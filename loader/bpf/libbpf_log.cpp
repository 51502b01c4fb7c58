#include "bpf/libbpf_log.hpp"

#include <bpf/libbpf.h>

#include <cstdarg>
#include <cstdio>
#include <cstring>

namespace structops {
namespace {

// libbpf's print hook has no user-data argument, so the level lives here.
bool g_verbose = false;

// libbpf's warnings that a program or object failed to load: the loader
// says the same in its one line, naming the program and why (-v shows them).
bool restates_load_failure(const char* format) {
  return std::strstr(format, "BPF program load failed") ||
         std::strstr(format, "failed to load object") ||
         std::strstr(format, "': failed to load: ");
}

int print_libbpf(enum libbpf_print_level level, const char* format, va_list args) {
  if (!g_verbose && (level != LIBBPF_WARN || restates_load_failure(format)))
    return 0;
  return std::vfprintf(stderr, format, args);
}

}  // namespace

void install_libbpf_logger(bool verbose) {
  g_verbose = verbose;
  libbpf_set_print(print_libbpf);
}

}  // namespace structops
