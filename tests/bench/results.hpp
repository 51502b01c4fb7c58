// Everything one benchmark run measured, as plain data: the figures fill
// it, report.cpp turns it into JSON, Markdown and plot data.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "summary.hpp"
#include "trigger_loop.hpp"

namespace structops::bench {

class Policies;

// How big each figure is: --quick keeps every figure to seconds so CI can
// check that the benchmark still works; it never judges speed.
struct Sizes {
  int dispatch_rounds;
  uint32_t dispatch_calls;
  int trigger_rounds;
  double trigger_seconds;
  int atomic_swaps;
  int atomic_triggers_per_swap;
  int naive_swaps;
  int naive_triggers_per_swap;
  int e2e_swaps;
  int e2e_naive_swaps;
  int load_rounds;
};
// The full run, or the quick CI run (--quick).
Sizes sizes_for(bool quick);

struct Options {
  bool quick = false;
  std::string loader;      // structops-load
  std::string policy_dir;  // built policies (*.bpf.o)
  std::string bpftool = "bpftool";
  std::string module;          // bpf_testmod.ko, loaded unless already
  bool dispatch_only = false;  // the icount boot: figure 1 alone
};

// 1. ns per callback call inside the kernel; per op ("test_1", "test_2"),
// per target ("builtin", "no_policy", then policy names).
struct Dispatch {
  std::string unit = "ns per call";  // or "instructions per call" (icount)
  uint32_t calls = 0;
  int rounds = 0;
  std::map<std::string, std::map<std::string, Summary>> ns_per_call;
};

// 2. triggers per second; per writer thread count, per policy ("none"...).
struct TriggerRate {
  double seconds = 0;
  int rounds = 0;
  std::map<int, std::map<std::string, Summary>> per_second;
};

// One way of replacing the policy, done `swaps` times under the trigger loop.
struct SwapMethod {
  std::string id;           // "atomic", "naive", "e2e_atomic", "e2e_naive"
  std::string description;  // one line for the tables
  int swaps = 0;
  std::vector<double> latency_us;  // per swap: what the swap took
  Summary latency;                 // of latency_us
  uint64_t triggers = 0;
  uint64_t builtin_status = 0;   // no_policy_triggers delta (the module's count)
  uint64_t builtin_records = 0;  // records answered by the built-in code
  uint64_t mixed = 0;            // records no single policy gives
  // Per swap, from the trigger records: last answer of the old policy to
  // the first of the new one, in us (for an atomic swap: the trigger
  // spacing; for a naive one: the gap plus that spacing).
  std::vector<double> handover_us;
  Summary handover;
  std::vector<double> builtin_per_swap;
  Summary builtin_per_swap_summary;
  int swaps_with_builtin = 0;  // swaps during which any trigger fell to the built-in code
  // The trigger records around one typical swap, for the gap plot
  // (t relative to that swap's start).
  std::vector<TriggerSample> window;
  int64_t window_swap_ns = 0;  // that swap's duration
};

struct Swap {
  std::vector<SwapMethod> methods;
};

// 4. open + verify + attach, per tool ("structops-load", "bpftool").
struct LoadTool {
  std::string command;
  Summary ms;
  Summary maxrss_kb;
  int failures = 0;      // runs that did not leave the policy attached
  std::string exit_how;  // e.g. "exit 0" or "SIGSEGV after pinning"
};
struct Load {
  int rounds = 0;
  std::vector<LoadTool> tools;
};

// 5. Module build, measured on the host by tests/bench/run.
struct BuildTime {
  std::string kernel;
  Summary seconds;
};

struct Target {
  std::string goal;
  std::string measured;
  bool met = false;
};

struct Results {
  std::string mode;  // "full" or "quick"
  std::string kernel;
  std::map<std::string, std::string> machine;
  std::string build_method;
  Dispatch dispatch;
  TriggerRate triggers;
  Swap swap;
  Load load;
  std::vector<BuildTime> build;
  std::vector<Target> targets;
  std::vector<std::string> notes;
};

// The test-only empty policy (tests/bench/empty.bpf.c), by path.
inline const std::string kEmptyPolicy = STRUCTOPS_BENCH_EMPTY_POLICY;

// The figures, in the order they run.  Each leaves no policy attached.
Dispatch measure_dispatch(const Sizes& sizes, Policies& policies);
TriggerRate measure_triggers(const Sizes& sizes, Policies& policies);
Swap measure_swaps(const Sizes& sizes, const Options& opt, Policies& policies);
Load measure_load(const Sizes& sizes, const Options& opt);

std::vector<Target> evaluate_targets(const Results& r);

}  // namespace structops::bench
