// An exclusive flock() on the pin directory, held around the commit of a
// swap or rollback (the compare-and-swap link update and re-pinning the
// previous policy), so that two loaders never interleave their re-pinning.
// The kernel drops it when the holder dies, even by SIGKILL.
#pragma once

#include <string>

#include "common/error.hpp"
#include "common/unique_fd.hpp"

namespace structops {

class PinLock {
 public:
  // Blocks until the lock is ours.  pin_dir must exist.
  static Result<PinLock> acquire(const std::string& pin_dir);

 private:
  explicit PinLock(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;  // closing it releases the lock
};

}  // namespace structops
