// Runs a program (no shell) and collects what it printed, for the small
// system tools the loader asks: modprobe, modinfo, mokutil.
#pragma once

#include <string>
#include <vector>

namespace structops {

// argv[0] is looked up in PATH.  Stdout and stderr go together into
// *output (at most max_output bytes kept; trailing whitespace trimmed).
// Runs with LC_ALL=C, so that the messages parsed are the untranslated
// ones.  Returns the exit status; -1 when it could not be started (then
// *output says why) or did not exit normally; 127 when it is not in PATH.
int run_command(const std::vector<std::string>& argv, std::string* output,
                size_t max_output = 64 * 1024);

}  // namespace structops
