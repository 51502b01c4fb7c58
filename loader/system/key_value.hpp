// "key: value" lines, in file order: the format of the module's status
// file and of the probation record.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace structops {

using KeyValues = std::vector<std::pair<std::string, std::string>>;

// Keys and values trimmed; a line without a colon, or with nothing before
// it, is skipped.
KeyValues parse_key_values(const std::string& text);

// The first value of key, if any.
std::optional<std::string> find_value(const KeyValues& fields, const std::string& key);

// A decimal number of at most 32 bits, nothing else: nullopt otherwise.
std::optional<uint32_t> parse_u32(const std::string& text);

}  // namespace structops
