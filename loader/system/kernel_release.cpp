#include "system/kernel_release.hpp"

#include <sys/utsname.h>

#include <cstdio>

namespace structops {

std::string kernel_release() {
  utsname u{};
  return uname(&u) == 0 ? u.release : "";
}

bool kernel_at_least(const std::string& release, int major, int minor) {
  int ma = 0, mi = 0;
  if (std::sscanf(release.c_str(), "%d.%d", &ma, &mi) != 2)
    return true;
  return ma > major || (ma == major && mi >= minor);
}

}  // namespace structops
