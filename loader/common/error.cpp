#include "common/error.hpp"

#include <bpf/libbpf.h>
#include <errno.h>
#include <string.h>

#include <cstdlib>

namespace structops {
namespace {

// libbpf reports some failures with its own codes (>= 4000, e.g. "BPF
// object format invalid" for a file that is not an ELF object), which
// strerror() only calls "Unknown error 4001".
std::string describe_errno(int code) {
  if (code >= __LIBBPF_ERRNO__START) {
    char buf[128];
    if (libbpf_strerror(code, buf, sizeof(buf)) == 0)
      return buf;
  }
  return strerror(code);
}

}  // namespace

Error make_error(ErrorKind kind, std::string message) {
  Error e;
  e.kind = kind;
  e.message = std::move(message);
  return e;
}

Error make_error(ErrorKind kind, int code, std::string message) {
  Error e = make_error(kind, std::move(message));
  e.code = std::abs(code);
  return e;
}

Error errno_error(ErrorKind kind, int code, const std::string& what) {
  Error e;
  e.kind = kind;
  e.code = std::abs(code);
  e.message = what + ": " + describe_errno(e.code);
  return e;
}

Error errno_error(int code, const std::string& what) {
  int err = std::abs(code);
  ErrorKind kind = (err == EPERM || err == EACCES) ? ErrorKind::not_permitted : ErrorKind::other;
  return errno_error(kind, err, what);
}

}  // namespace structops
