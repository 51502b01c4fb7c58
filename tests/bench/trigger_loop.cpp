#include "trigger_loop.hpp"

#include <time.h>

#include "module_io.hpp"

namespace structops::bench {

int64_t now_ns() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

TriggerLoop::TriggerLoop(bool keep_samples) : keep_samples_(keep_samples) {
  if (keep_samples_)
    samples_.reserve(1 << 18);
  thread_ = std::thread([this] { run(); });
}

TriggerLoop::~TriggerLoop() {
  stop_ = true;
  if (thread_.joinable())
    thread_.join();
}

void TriggerLoop::run() {
  try {
    test::TriggerFile trigger;
    StatusFile status;
    while (!stop_.load(std::memory_order_relaxed)) {
      trigger.fire(kProbePayload);
      // Timed as the write returns: the module picked the policy during it.
      const int64_t t = now_ns();
      // The only trigger writer while this runs: the record is this
      // trigger's, written by the module in one seqlock section.
      Record r = parse_record(status.read_text());
      Answer a = classify(r);
      if (a == Answer::builtin)
        builtin_++;
      else if (a == Answer::mixed)
        mixed_++;
      if (keep_samples_)
        samples_.push_back({t, r.test_1, a});
      count_.fetch_add(1, std::memory_order_relaxed);
    }
  } catch (...) {
    failure_ = std::current_exception();
    failed_ = true;
  }
}

void TriggerLoop::wait_for(uint64_t n) const {
  const struct timespec pause = {0, 200000};  // 0.2 ms: yield the (shared) CPU
  while (count() < n) {
    if (failed_)
      return;  // stop() reports it
    nanosleep(&pause, nullptr);
  }
}

void TriggerLoop::stop() {
  stop_ = true;
  if (thread_.joinable())
    thread_.join();
  if (failure_)
    std::rethrow_exception(failure_);
}

}  // namespace structops::bench
