// A thread that fires the probe trigger back to back and checks every
// record: the load under which swaps must stay gapless, and the witness
// that tells whether they did.
#pragma once

#include <atomic>
#include <cstdint>
#include <exception>
#include <thread>
#include <vector>

#include "answers.hpp"

namespace structops::bench {

struct TriggerSample {
  int64_t t_ns;  // CLOCK_MONOTONIC as the trigger's write returned
  int32_t test_1;
  Answer answer;
};

class TriggerLoop {
 public:
  // Starts firing at once.  keep_samples: record every trigger (for the
  // gap figures); otherwise only the counts.
  explicit TriggerLoop(bool keep_samples);
  ~TriggerLoop();
  TriggerLoop(const TriggerLoop&) = delete;
  TriggerLoop& operator=(const TriggerLoop&) = delete;

  uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  // Sleeps until at least n triggers have been fired in all.
  void wait_for(uint64_t n) const;
  // Stops and joins; rethrows what the thread failed with.
  void stop();

  uint64_t builtin() const { return builtin_; }
  uint64_t mixed() const { return mixed_; }
  // Valid after stop().
  const std::vector<TriggerSample>& samples() const { return samples_; }

 private:
  void run();

  bool keep_samples_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> count_{0};
  uint64_t builtin_ = 0, mixed_ = 0;
  std::vector<TriggerSample> samples_;
  std::exception_ptr failure_;
  std::atomic<bool> failed_{false};  // failure_ is set (readable without the join)
  std::thread thread_;
};

int64_t now_ns();

}  // namespace structops::bench
