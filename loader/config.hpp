// /etc/structops/structops.conf: the policy boot restores and its knobs.
//   policy = saturate
//   set = multiplier=3
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "error.hpp"

namespace structops {

struct Config {
  std::optional<std::string> policy;
  std::vector<std::string> sets;  // KEY=VALUE, in file order
};

// Parsed with Boost.Program_options' config-file syntax ('#' comments).
// A missing file is an error with code ENOENT (callers decide whether
// that matters); unknown keys are usage errors.
Result<Config> parse_config(const std::string& text, const std::string& origin);
Result<Config> read_config(const std::string& path);

std::string format_config(const Config& config);

// Writes the file atomically: a temporary file in the same directory,
// fsync, rename over the old one.  Creates the directory if needed.
Result<void> save_config(const std::string& path, const Config& config);

}  // namespace structops
