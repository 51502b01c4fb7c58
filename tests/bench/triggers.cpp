// Figure 2: the whole trigger path (write(), parse, one RCU snapshot, three
// callbacks, the record) from 1 and 2 writer threads, each with its own
// open descriptor, kernel logging off.
#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "answers.hpp"
#include "module_io.hpp"
#include "policies.hpp"
#include "results.hpp"

namespace structops::bench {
namespace {

// Triggers per second from `threads` writers over `seconds`; checked
// against the module's own count, so a write that did nothing cannot
// pass for a fast one.
double rate(int threads, double seconds) {
  StatusFile status;
  const int64_t before = status.number("triggers");
  std::atomic<bool> go{false}, stop{false};
  std::vector<uint64_t> counts(threads, 0);
  std::vector<std::thread> writers;
  for (int i = 0; i < threads; i++)
    writers.emplace_back([&, i] {
      test::TriggerFile trigger;
      while (!go.load())
        std::this_thread::yield();
      uint64_t n = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        trigger.fire(kProbePayload);
        n++;
      }
      counts[i] = n;
    });
  auto start = std::chrono::steady_clock::now();
  go = true;
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (std::thread& t : writers)
    t.join();
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  uint64_t total = 0;
  for (uint64_t c : counts)
    total += c;
  const int64_t counted = status.number("triggers") - before;
  if (counted != static_cast<int64_t>(total))
    throw BenchError("wrote " + std::to_string(total) + " triggers, the module counted " +
                     std::to_string(counted));
  return static_cast<double>(total) / elapsed;
}

}  // namespace

TriggerRate measure_triggers(const Sizes& sizes, Policies& policies) {
  const std::vector<std::string> configs = {"none", "default", "stats"};
  const int thread_counts[] = {1, 2};
  std::map<int, std::map<std::string, std::vector<double>>> samples;
  test::QuietKernelLog quiet;
  run_rounds(policies, sizes.trigger_rounds, "trigger", [&](int) {
    for (const std::string& config : configs) {
      policies.use(config);
      for (int threads : thread_counts)
        samples[threads][config].push_back(rate(threads, sizes.trigger_seconds));
    }
  });
  return TriggerRate{sizes.trigger_seconds, sizes.trigger_rounds, summarize_table(samples)};
}

}  // namespace structops::bench
