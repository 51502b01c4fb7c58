// structops_bench: the benchmark driver that runs inside the booted kernel
// (tests/bench/run boots it).  Measures dispatch cost, the trigger path,
// swaps against detach-and-reattach, and load against bpftool, then prints
// the result files between marker lines on stdout, where tests/bench/run
// picks them up (the guest cannot write to the host's file system).
// Progress goes to stderr.
#include <sys/utsname.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

#include "bpf/libbpf_log.hpp"
#include "child.hpp"
#include "command_line.hpp"
#include "module_io.hpp"
#include "policies.hpp"
#include "report.hpp"
#include "results.hpp"

namespace structops::bench {

Sizes sizes_for(bool quick) {
  // Each line: the full run's size, then the quick run's.
  auto pick = [quick](auto full, auto small) { return quick ? small : full; };
  Sizes s;
  s.dispatch_rounds = pick(7, 2);
  s.dispatch_calls = pick(1000000u, 100000u);
  s.trigger_rounds = pick(5, 2);
  s.trigger_seconds = pick(1.0, 0.2);
  s.atomic_swaps = pick(1000, 50);
  s.atomic_triggers_per_swap = pick(100, 20);
  s.naive_swaps = pick(1000, 50);
  s.naive_triggers_per_swap = pick(20, 5);
  // A loader process opens and verifies the policy every time (most of a
  // second under TCG with the trigger loop running): the 1,000
  // swaps take a quarter of an hour, the naive comparison fewer.
  s.e2e_swaps = pick(1000, 3);
  s.e2e_naive_swaps = pick(100, 2);
  s.load_rounds = pick(15, 2);
  return s;
}

namespace {

const char kUsage[] =
    "usage: structops_bench [--quick] [--dispatch-only] --loader PATH --policy-dir DIR\n"
    "                       --module KO [--bpftool PATH]\n"
    "--dispatch-only measures figure 1 alone (tests/bench/run's icount boot, where the\n"
    "guest clock counts instructions) and prints dispatch.json and dispatch.md.\n"
    "Runs as root in a kernel booted for it (tests/bench/run does that).\n";

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

std::string first_line_with(const char* path, const std::string& prefix) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line))
    if (line.compare(0, prefix.size(), prefix) == 0) {
      auto colon = line.find(':');
      std::string v = colon == std::string::npos ? line : line.substr(colon + 1);
      v.erase(0, v.find_first_not_of(" \t"));
      return v;
    }
  return {};
}

std::map<std::string, std::string> machine() {
  std::map<std::string, std::string> m;
  m["host_cpu"] = env("STRUCTOPS_BENCH_HOST_CPU");
  m["host_cores"] = env("STRUCTOPS_BENCH_HOST_CORES");
  m["host_os"] = env("STRUCTOPS_BENCH_HOST_OS");
  m["qemu"] = env("STRUCTOPS_BENCH_QEMU");
  m["accel"] = env("STRUCTOPS_BENCH_ACCEL");
  m["guest_cpu"] = first_line_with("/proc/cpuinfo", "model name");
  m["guest_cpus"] = std::to_string(sysconf(_SC_NPROCESSORS_ONLN));
  m["guest_mem"] = first_line_with("/proc/meminfo", "MemTotal");
  // Indirect calls and returns are what a policy call adds; the emulated
  // CPU makes the kernel pick the costlier mitigations for them.
  for (const char* v : {"spectre_v2", "retbleed"}) {
    std::ifstream in(std::string("/sys/devices/system/cpu/vulnerabilities/") + v);
    std::string line;
    if (std::getline(in, line))
      m[std::string("guest_") + v] = line;
  }
  for (auto it = m.begin(); it != m.end();)
    it = it->second.empty() ? m.erase(it) : std::next(it);
  return m;
}

// STRUCTOPS_BENCH_BUILD: "KVER=S,S,S KVER=S,..." seconds per round, as
// tests/bench/run measured them on the host before booting.
std::vector<BuildTime> build_times() {
  std::vector<BuildTime> out;
  std::istringstream in(env("STRUCTOPS_BENCH_BUILD"));
  std::string item;
  while (in >> item) {
    auto eq = item.find('=');
    if (eq == std::string::npos)
      continue;
    BuildTime b;
    b.kernel = item.substr(0, eq);
    std::vector<double> secs;
    std::istringstream values(item.substr(eq + 1));
    std::string v;
    while (std::getline(values, v, ','))
      secs.push_back(std::atof(v.c_str()));
    b.seconds = summarize(secs);
    out.push_back(b);
  }
  return out;
}

void emit(const std::string& name, const std::string& content) {
  std::cout << "@@STRUCTOPS-BENCH-FILE " << name << "@@\n"
            << content << (content.empty() || content.back() == '\n' ? "" : "\n")
            << "@@STRUCTOPS-BENCH-END@@\n";
}

std::vector<std::string> notes(const Results& r, const Sizes& s) {
  std::vector<std::string> n;
  n.push_back(
      "Dispatch: 'direct call' is the module calling builtin_test_N() directly; 'C ops "
      "table' is call_test_N() calling the same function through a const C ops table (an "
      "indirect call, as a compiled-in subsystem dispatches: the native peer of a struct_ops "
      "call); 'no policy' is call_test_N() finding no ops (NULL check, a per-CPU fallback "
      "counter, then the direct call); 'empty policy' is a test-only policy returning 0 (the "
      "trampoline's floor); a policy's figure is call_test_N() calling through the "
      "struct_ops trampoline into the BPF program.");
  for (const auto& [op, targets] : r.dispatch.ns_per_call) {
    auto b = targets.find("builtin");
    if (b != targets.end() && b->second.median < 0.2)
      n.push_back("Dispatch " + op + ": the built-in figure (" + std::to_string(b->second.median) +
                  " ns per call) is too small for a call: the module's benchmark loop was "
                  "compiled away (builtin_test_N() looks pure to the compiler); the ratio is "
                  "meaningless.");
  }
  n.push_back(
      "vm-run gives the guest 2 vCPUs on one host thread (-accel tcg,thread=single): 2 "
      "writer threads share one host CPU and cannot scale.");
  n.push_back(
      "Swaps: 'built-in answers' is the module's no_policy_triggers delta over the "
      "phase; every record the trigger loop read was also checked against the "
      "policies' known answers (mixed answers = a record no single policy gives).");
  n.push_back(
      "End-to-end swaps are processes that open and verify the policy each time, so "
      "they run " +
      std::to_string(s.e2e_swaps) + " (swap) and " + std::to_string(s.e2e_naive_swaps) +
      " (detach + attach) times, against " + std::to_string(s.atomic_swaps) + " link updates.");
  for (const SwapMethod& m : r.swap.methods)
    if (m.id == "naive")
      n.push_back("Detach-and-reattach with the policies preloaded leaves no policy for only " +
                  std::to_string(static_cast<int>(m.latency.median)) +
                  " us (p50), and the guest's vCPUs take turns on one host thread, so the "
                  "trigger loop runs inside that window only when the emulator happens to "
                  "switch vCPUs there: " +
                  std::to_string(m.swaps_with_builtin) + " of " + std::to_string(m.swaps) +
                  " such swaps leaked triggers here (" + std::to_string(m.builtin_status) +
                  " in all). On parallel hardware each would leak about window x trigger rate.");
  for (const LoadTool& t : r.load.tools)
    if (t.exit_how.find("SIG") != std::string::npos)
      n.push_back("Load: `" + t.command + "` ended " + t.exit_how +
                  "; bpftool 7.5 pins the link and then crashes while naming the struct_ops "
                  "type, which it looks up in vmlinux BTF only (the type is the module's). "
                  "Its time is to its exit; a run counts as attached when the module reports "
                  "the policy.");
  return n;
}

int run(int argc, char** argv) {
  Options opt;
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    auto value = [&] { return option_value(argc, argv, &i); };
    if (a == "--quick")
      opt.quick = true;
    else if (a == "--dispatch-only")
      opt.dispatch_only = true;
    else if (a == "--loader")
      opt.loader = value();
    else if (a == "--policy-dir")
      opt.policy_dir = value();
    else if (a == "--bpftool")
      opt.bpftool = value();
    else if (a == "--module")
      opt.module = value();
    else if (a == "-h" || a == "--help") {
      std::cout << kUsage;
      return 0;
    } else {
      std::cerr << kUsage;
      return 64;
    }
  }
  if (opt.loader.empty() || opt.policy_dir.empty() || opt.module.empty()) {
    std::cerr << kUsage;
    return 64;
  }
  const Sizes sizes = sizes_for(opt.quick);
  // The end-to-end swaps run `structops-load --policy NAME`: the loader
  // finds the policies of --policy-dir by name through this variable.
  ::setenv("STRUCTOPS_POLICY_PATH", opt.policy_dir.c_str(), 1);
  install_libbpf_logger(false);
  ensure_module(opt.module);
  if (StatusFile().read()["policy"] != "none")
    throw BenchError("a policy is attached already; the benchmark needs the module to itself");

  Results r;
  r.mode = opt.quick ? "quick" : "full";
  struct utsname u = {};
  uname(&u);
  r.kernel = u.release;
  r.machine = machine();
  std::cerr << "bench: preparing default, stats, scale and the empty policy\n";
  Policies policies(opt.policy_dir, {"default", "stats", "scale", kEmptyPolicy});
  r.dispatch = measure_dispatch(sizes, policies);
  if (opt.dispatch_only) {
    r.dispatch.unit = "instructions per call";
    std::cout.flush();
    emit("dispatch.json", dispatch_to_json(r.dispatch));
    emit("dispatch.md", dispatch_markdown(r.dispatch, "1b. Dispatch cost, instructions (icount)"));
    std::cout.flush();
    return 0;
  }
  r.triggers = measure_triggers(sizes, policies);
  r.swap = measure_swaps(sizes, opt, policies);
  r.load = measure_load(sizes, opt);
  r.build = build_times();
  r.build_method = env("STRUCTOPS_BENCH_BUILD_METHOD");
  r.targets = evaluate_targets(r);
  r.notes = notes(r, sizes);

  std::cout.flush();
  emit("results.json", to_json(r));
  emit("results.md", to_markdown(r));
  emit("latency.dat", latency_plot_data(r));
  emit("gap.dat", gap_plot_data(r));
  std::cout.flush();
  return 0;
}

}  // namespace
}  // namespace structops::bench

int main(int argc, char** argv) {
  try {
    if (argc > 1 && argv[1] == std::string(structops::bench::kSpawnFlag))
      return structops::bench::spawn_main(std::vector<std::string>(argv + 2, argv + argc));
    return structops::bench::run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "structops_bench: " << e.what() << "\n";
    return 1;
  }
}
