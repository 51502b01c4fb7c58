// Figure 4: open + verify + attach of the same object by structops-load
// and by bpftool, a fresh process each time, as a user would run them,
// with nothing attached before; and the peak memory of each.
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <thread>

#include "child.hpp"
#include "module_io.hpp"
#include "results.hpp"

namespace structops::bench {
namespace {

namespace fs = std::filesystem;

constexpr const char* kBpftoolPinDir = "/sys/fs/bpf/structops-bench";

std::string attached_policy() {
  return StatusFile().read()["policy"];
}

// Waits (up to 5 s) until no policy is attached: releasing a pinned link
// by unlinking it completes asynchronously (after an RCU grace period).
void wait_detached() {
  for (int i = 0; i < 500; i++) {
    if (attached_policy() == "none")
      return;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  throw BenchError("the policy stayed attached after its pin was removed");
}

std::string describe(const ChildRun& r) {
  if (r.signal)
    return std::string("killed by SIG") + sigabbrev_np(r.signal);
  return "exit " + std::to_string(r.exit_code);
}

struct Samples {
  std::vector<double> ms, kb;
  int failures = 0;
  std::string exit_how;
};

void record(Samples& s, const ChildRun& r) {
  // A run counts if the policy ended up attached; how the tool exited is
  // reported beside it (bpftool 7.5 crashes after pinning a module's
  // struct_ops link: it looks the type up in vmlinux BTF only).
  if (attached_policy() != "default") {
    s.failures++;
    std::cerr << "bench: load run left no policy attached (" << describe(r) << "): " << r.output
              << "\n";
  }
  s.ms.push_back(r.ms);
  s.kb.push_back(static_cast<double>(r.maxrss_kb));
  const std::string how = describe(r);
  if (s.exit_how.find(how) == std::string::npos)
    s.exit_how += (s.exit_how.empty() ? "" : ", ") + how;
}

}  // namespace

Load measure_load(const Sizes& sizes, const Options& opt) {
  const std::string object = opt.policy_dir + "/default.bpf.o";
  const std::vector<std::string> loader_cmd = {opt.loader, "--policy", object};
  const std::vector<std::string> bpftool_cmd = {opt.bpftool, "struct_ops", "register", object,
                                                kBpftoolPinDir};
  Samples loader, bpftool;
  if (attached_policy() != "none")
    throw BenchError("load: a policy is attached already");
  for (int round = 0; round < sizes.load_rounds; round++) {
    // Alternate who goes first, so neither always finds the caches warm.
    for (int turn = 0; turn < 2; turn++) {
      if ((round + turn) % 2 == 0) {
        record(loader, run_child_small(loader_cmd));
        ChildRun d = run_child({opt.loader, "--detach"});
        if (d.exit_code != 0)
          throw BenchError("structops-load --detach failed: " + d.output);
      } else {
        fs::create_directories(kBpftoolPinDir);
        record(bpftool, run_child_small(bpftool_cmd));
        fs::remove_all(kBpftoolPinDir);  // the last reference: detaches
      }
      wait_detached();
    }
    std::cerr << "bench: load round " << round + 1 << "/" << sizes.load_rounds << "\n";
  }
  Load l;
  l.rounds = sizes.load_rounds;
  auto tool = [](const std::string& cmd, Samples& s) {
    LoadTool t;
    t.command = cmd;
    t.ms = summarize(s.ms);
    t.maxrss_kb = summarize(s.kb);
    t.failures = s.failures;
    t.exit_how = s.exit_how;
    return t;
  };
  l.tools.push_back(tool("structops-load --policy default.bpf.o", loader));
  l.tools.push_back(
      tool("bpftool struct_ops register default.bpf.o /sys/fs/bpf/structops-bench", bpftool));
  return l;
}

}  // namespace structops::bench
