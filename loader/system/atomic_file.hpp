// Replacing a file so that a reader (or a crash) sees the old content or
// the new, never a mix: a temporary file in the same directory, fsync,
// rename over the target, fsync of the directory.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "common/error.hpp"

namespace structops {

// `path`'s directory is created (0755) if it is missing.  On failure the
// temporary file is removed and the old file, if any, is untouched.
Result<void> write_file_atomically(const std::string& path, std::string_view content, mode_t mode);

}  // namespace structops
