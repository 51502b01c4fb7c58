#include "system/key_value.hpp"

#include <sstream>

namespace structops {
namespace {

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos)
    return {};
  size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

}  // namespace

KeyValues parse_key_values(const std::string& text) {
  KeyValues fields;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    size_t colon = line.find(':');
    if (colon == std::string::npos || colon == 0)
      continue;
    fields.emplace_back(trim(line.substr(0, colon)), trim(line.substr(colon + 1)));
  }
  return fields;
}

std::optional<std::string> find_value(const KeyValues& fields, const std::string& key) {
  for (const auto& [k, v] : fields)
    if (k == key)
      return v;
  return std::nullopt;
}

std::optional<uint32_t> parse_u32(const std::string& text) {
  if (text.empty() || text.size() > 10 || text.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  const unsigned long long v = std::stoull(text);
  if (v > UINT32_MAX)
    return std::nullopt;
  return static_cast<uint32_t>(v);
}

}  // namespace structops
