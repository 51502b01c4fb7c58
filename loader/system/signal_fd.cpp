#include "system/signal_fd.hpp"

#include <sys/signalfd.h>
#include <unistd.h>

namespace structops {

SignalFd::SignalFd() {
  sigemptyset(&set_);
  sigaddset(&set_, SIGINT);
  sigaddset(&set_, SIGTERM);
  sigaddset(&set_, SIGHUP);
  sigprocmask(SIG_BLOCK, &set_, &old_);
  fd_.reset(signalfd(-1, &set_, SFD_CLOEXEC | SFD_NONBLOCK));
}

SignalFd::~SignalFd() {
  timespec now = {0, 0};
  while (sigtimedwait(&set_, nullptr, &now) > 0) {
  }
  fd_.reset();
  sigprocmask(SIG_SETMASK, &old_, nullptr);
}

int SignalFd::take() const {
  signalfd_siginfo info = {};
  if (read(fd_.get(), &info, sizeof(info)) != sizeof(info))
    return 0;
  return static_cast<int>(info.ssi_signo);
}

}  // namespace structops
