#include "error.hpp"

#include <errno.h>
#include <string.h>

#include <cstdlib>

namespace structops {

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
  e.message = what + ": " + strerror(e.code);
  return e;
}

Error errno_error(int code, const std::string& what) {
  int err = std::abs(code);
  ErrorKind kind = (err == EPERM || err == EACCES) ? ErrorKind::not_permitted : ErrorKind::other;
  return errno_error(kind, err, what);
}

}  // namespace structops
