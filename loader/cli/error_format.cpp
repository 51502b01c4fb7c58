#include "cli/error_format.hpp"

#include <cstdint>

namespace structops {

std::string last_lines(const std::string& text, size_t n) {
  size_t end = text.size();
  while (end > 0 && text[end - 1] == '\n')
    end--;
  size_t start = end;
  size_t lines = 0;
  while (start > 0) {
    if (text[start - 1] == '\n' && ++lines == n)
      break;
    start--;
  }
  return text.substr(start, end - start);
}

std::string format_error(const Error& error, bool verbose) {
  std::string out = "structops-load: " + error.message + "\n";
  if (error.log.empty())
    return out;
  if (verbose) {
    out +=
        "-- verifier log --\n" + last_lines(error.log, SIZE_MAX) + "\n-- end of verifier log --\n";
  } else {
    out += "-- end of the verifier log --\n" + last_lines(error.log, kLogTailLines) + "\n" +
           "-- re-run with -v for the full verifier log --\n";
  }
  return out;
}

}  // namespace structops
