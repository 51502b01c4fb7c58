// How an Error reads on stderr: "structops-load: <message>", then for a
// verifier rejection the end of the log (all of it with -v).
#pragma once

#include <string>

#include "common/error.hpp"

namespace structops {

// Lines of a verifier log shown without -v: the reason is at the end.
inline constexpr size_t kLogTailLines = 15;

std::string format_error(const Error& error, bool verbose);

// The last n lines of text (all of it if shorter).
std::string last_lines(const std::string& text, size_t n);

}  // namespace structops
