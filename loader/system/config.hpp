// /etc/structops/structops.conf: the policy boot restores and its knobs.
//   policy = saturate
//   set = multiplier=3
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/error.hpp"

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

// A new file's text: a short header comment, then the settings.
std::string format_config(const Config& config);

// An existing file's text with config's settings in place of its own, and
// everything else kept: comments, blank lines and their order.  The
// policy line is replaced where it stands; the new set lines go where the
// first old one stood, or at the end.  Keeping the file as close to the
// packaged conffile as possible keeps dpkg's upgrade prompt small.
std::string update_config_text(const std::string& text, const Config& config);

// Writes the file atomically: a temporary file in the same directory,
// fsync, rename over the old one.  Creates the directory if needed.  An
// existing file keeps its comments (update_config_text).
Result<void> save_config(const std::string& path, const Config& config);

}  // namespace structops
