// Figure 1: what a callback costs, timed inside the kernel by the module's
// "bench" verb so that no system call is in the figure.  Booted with
// STRUCTOPS_VM_ICOUNT=1 (tests/bench/run --dispatch-only boot), the same
// figure is an instruction count.
//
// Targets: "builtin" (the C function called directly), "ctable" (the same
// function through a C ops table and call_test_N(): the native peer of a
// struct_ops call), "no_policy" (call_test_N() with no ops), "empty" (a
// policy whose callbacks return 0: the trampoline's floor), then the
// shipped policies.
#include "module_io.hpp"
#include "policies.hpp"
#include "results.hpp"

namespace structops::bench {
namespace {

// ns per call of one "bench" request; checks the module timed what we
// asked for (expected_target is what bench_target must say).
// mode: "" (the active policy, or none), "builtin" or "ctable".
double bench_once(const test::TriggerFile& trigger, const StatusFile& status, const std::string& op,
                  const std::string& mode, uint32_t calls, const std::string& expected_target) {
  trigger.fire("bench " + (mode.empty() ? "" : mode + " ") + op + " " + std::to_string(calls));
  auto fields = status.read();
  if (fields["bench_op"] != op || fields["bench_target"] != expected_target ||
      fields["bench_calls"] != std::to_string(calls))
    throw BenchError("bench " + op + ": the module reports op '" + fields["bench_op"] +
                     "', target '" + fields["bench_target"] + "', calls '" + fields["bench_calls"] +
                     "'; expected " + expected_target);
  return std::stod(fields["bench_ns"]) / calls;
}

}  // namespace

Dispatch measure_dispatch(const Sizes& sizes, Policies& policies) {
  const char* ops[] = {"test_1", "test_2"};
  // Prepared name -> the target it is reported as (the module's name for it).
  const std::pair<std::string, std::string> policy_names[] = {
      {kEmptyPolicy, "empty"}, {"default", "default"}, {"stats", "stats"}};
  test::TriggerFile trigger;
  StatusFile status;
  std::map<std::string, std::map<std::string, std::vector<double>>> samples;

  run_rounds(policies, sizes.dispatch_rounds, "dispatch", [&](int) {
    for (const char* op : ops) {
      samples[op]["builtin"].push_back(
          bench_once(trigger, status, op, "builtin", sizes.dispatch_calls, "builtin"));
      samples[op]["ctable"].push_back(
          bench_once(trigger, status, op, "ctable", sizes.dispatch_calls, "ctable"));
      samples[op]["no_policy"].push_back(
          bench_once(trigger, status, op, "", sizes.dispatch_calls, "none"));
    }
    for (const auto& [name, target] : policy_names) {
      policies.use(name);
      for (const char* op : ops)
        samples[op][target].push_back(
            bench_once(trigger, status, op, "", sizes.dispatch_calls, target));
    }
  });

  Dispatch d;
  d.calls = sizes.dispatch_calls;
  d.rounds = sizes.dispatch_rounds;
  d.ns_per_call = summarize_table(samples);
  return d;
}

}  // namespace structops::bench
