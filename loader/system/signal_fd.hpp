// SIGINT, SIGTERM and SIGHUP blocked for a scope and delivered through a
// signalfd, so that a loop can poll() them together with a link fd (which
// wakes with EPOLLHUP when someone else detaches the link) and a child.
#pragma once

#include <signal.h>

#include "common/unique_fd.hpp"

namespace structops {

class SignalFd {
 public:
  SignalFd();
  // Signals still pending are consumed, not delivered on unblocking: the
  // caller is already on its way out with its own exit status.
  ~SignalFd();
  SignalFd(const SignalFd&) = delete;
  SignalFd& operator=(const SignalFd&) = delete;

  int fd() const { return fd_.get(); }
  // The signal waiting on fd(), or 0 if none.
  int take() const;
  // The mask before construction: what a child must run with.
  const sigset_t& old_mask() const { return old_; }

 private:
  sigset_t set_;
  sigset_t old_;
  UniqueFd fd_;
};

}  // namespace structops
