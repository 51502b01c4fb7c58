#include "bpf/pin_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>

#include <cerrno>

namespace structops {

Result<PinLock> PinLock::acquire(const std::string& pin_dir) {
  UniqueFd fd(open(pin_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd)
    return errno_error(errno, "cannot open " + pin_dir);
  while (flock(fd.get(), LOCK_EX) != 0)
    if (errno != EINTR)
      return errno_error(errno, "cannot lock " + pin_dir);
  return PinLock(std::move(fd));
}

}  // namespace structops
