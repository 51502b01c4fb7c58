// The running kernel's release and what it is new enough for.
#pragma once

#include <string>

namespace structops {

// uname -r: "6.12.95+deb12-amd64"; "" if uname fails.
std::string kernel_release();

// "6.12.95+deb12-amd64" >= 6.9?  Unparsable releases count as new enough
// (the kernel will say no itself).
bool kernel_at_least(const std::string& release, int major, int minor);

}  // namespace structops
