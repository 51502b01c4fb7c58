// Errors as values: everything below main() returns Result<T>; only the CLI
// prints an Error and turns its kind into an exit code.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace structops {

// What went wrong, in the terms the exit codes distinguish.  The library
// classifies because only it knows what an errno meant where it happened:
// -EPERM from BPF_LINK_UPDATE with BPF_F_REPLACE is a lost race, -EPERM from
// BPF_PROG_LOAD is missing privilege.  The CLI only maps kind -> number.
enum class ErrorKind {
  usage,           // bad command line, unknown knob, bad config file
  invalid_policy,  // not a usable policy object, or the verifier said no
  unavailable,     // module or kernel support missing
  module_refused,  // Secure Boot or lockdown refused the module's signature
  busy,            // lost a concurrent swap, or someone else holds the module
  not_permitted,   // missing root / CAP_BPF / CAP_SYS_ADMIN
  other,
};

struct Error {
  ErrorKind kind = ErrorKind::other;
  int code = 0;         // positive errno when one caused it, else 0
  std::string message;  // one line, no trailing newline
  std::string log;      // long diagnostic (a verifier log); the CLI picks how much to show
};

Error make_error(ErrorKind kind, std::string message);
// The same, recording the errno that caused it without quoting it: for
// messages that already say what the errno means.
Error make_error(ErrorKind kind, int code, std::string message);

// "<what>: <strerror(code)>".  code may be negative (libbpf style).  Without
// an explicit kind, EPERM/EACCES mean not_permitted and anything else other.
Error errno_error(int code, const std::string& what);
Error errno_error(ErrorKind kind, int code, const std::string& what);

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}      // NOLINT: implicit
  Result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}  // NOLINT: implicit

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(state_); }
  const T& value() const& { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }

  const Error& error() const& { return std::get<1>(state_); }
  Error&& error() && { return std::get<1>(std::move(state_)); }

 private:
  std::variant<T, Error> state_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)) {}  // NOLINT: implicit

  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }

  const Error& error() const& { return *error_; }
  Error&& error() && { return std::move(*error_); }

 private:
  std::optional<Error> error_;
};

}  // namespace structops
