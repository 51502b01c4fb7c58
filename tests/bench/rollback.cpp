// structops_rollback_bench (issue 13): `structops-load --rollback` end to
// end and the link update alone, against `structops-load --policy X`, a
// swap that opens and verifies, all under one trigger loop in the same
// boot.  Alternates `default` and `scale` (different in all three
// answers), so a trigger mixing them could not hide.  Prints the results
// as JSON, then a Markdown table; exits 1 if any trigger was answered by
// the built-in code or by a mix of two policies, or a command failed.
// tests/bench/rollback-run boots the kernel for it; --quick is the CI run.
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <regex>
#include <string>
#include <vector>

#include "child.hpp"
#include "command_line.hpp"
#include "json_out.hpp"
#include "module_io.hpp"
#include "summary.hpp"
#include "trigger_loop.hpp"

namespace structops::bench {
namespace {

const char kUsage[] =
    "usage: structops_rollback_bench [--quick] --loader PATH --policy-dir DIR --module KO\n";

struct Sizes {
  int swaps;
  int rollbacks;
};

ChildRun loader(const std::string& path, const std::vector<std::string>& args) {
  std::vector<std::string> argv{path};
  argv.insert(argv.end(), args.begin(), args.end());
  ChildRun r = run_child(argv);
  if (r.exit_code != 0)
    throw BenchError("structops-load " + args[0] + " exited " + std::to_string(r.exit_code) + ": " +
                     r.output);
  return r;
}

// The "in N us" the loader prints: the link update alone.
double reported_us(const ChildRun& r) {
  std::smatch m;
  if (!std::regex_search(r.output, m, std::regex(" in ([0-9]+) us")))
    throw BenchError("no time in: " + r.output);
  return std::stod(m[1]);
}

void summary_json(Json& j, const std::string& key, const Summary& s) {
  j.open_object(key);
  j.integer("n", static_cast<int64_t>(s.n));
  j.num("p50", s.median).num("p99", s.p99).num("min", s.min).num("max", s.max);
  j.close_object();
}

std::string fmt(double v, int decimals = 1) {
  char b[64];
  std::snprintf(b, sizeof(b), "%.*f", decimals, v);
  return b;
}

int run(int argc, char** argv) {
  bool quick = false;
  std::string loader_path, policy_dir, module;
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    auto value = [&] { return option_value(argc, argv, &i); };
    if (a == "--quick")
      quick = true;
    else if (a == "--loader")
      loader_path = value();
    else if (a == "--policy-dir")
      policy_dir = value();
    else if (a == "--module")
      module = value();
    else {
      std::cerr << kUsage;
      return 64;
    }
  }
  if (loader_path.empty() || policy_dir.empty() || module.empty()) {
    std::cerr << kUsage;
    return 64;
  }
  const Sizes sizes = quick ? Sizes{3, 50} : Sizes{30, 1000};
  ensure_module(module);
  ::setenv("STRUCTOPS_POLICY_PATH", policy_dir.c_str(), 1);
  test::QuietKernelLog quiet;
  StatusFile status;
  if (status.read()["policy"] != "none")
    throw BenchError("a policy is attached already; the benchmark needs the module to itself");

  loader(loader_path, {"--policy", "default"});
  loader(loader_path, {"--policy", "scale"});  // default is the previous now
  const int64_t no_policy_before = status.number("no_policy_triggers");
  std::vector<double> swap_ms, swap_update_us, rollback_ms, rollback_update_us, true_ms, version_ms;
  uint64_t triggers = 0, builtin = 0, mixed = 0;
  {
    TriggerLoop loop(/*keep_samples=*/false);
    const char* pair[] = {"default", "scale"};
    for (int i = 0; i < sizes.swaps; i++) {
      ChildRun r = loader(loader_path, {"--policy", pair[i % 2]});
      swap_ms.push_back(r.ms);
      swap_update_us.push_back(reported_us(r));
      std::cerr << "rollback bench: swap " << i + 1 << "/" << sizes.swaps << " " << fmt(r.ms)
                << " ms\n";
    }
    for (int i = 0; i < sizes.rollbacks; i++) {
      ChildRun r = loader(loader_path, {"--rollback"});
      rollback_ms.push_back(r.ms);
      rollback_update_us.push_back(reported_us(r));
      if ((i + 1) % std::max(1, sizes.rollbacks / 10) == 0)
        std::cerr << "rollback bench: " << i + 1 << "/" << sizes.rollbacks << " rollbacks\n";
    }
    // The floor any process pays under this emulator: exec of /bin/true,
    // and of the loader doing nothing (its shared libraries linked).
    for (int i = 0; i < std::max(20, sizes.rollbacks / 10); i++) {
      true_ms.push_back(run_child({"/bin/true"}).ms);
      version_ms.push_back(loader(loader_path, {"--version"}).ms);
    }
    loop.wait_for(loop.count() + 20);
    loop.stop();
    triggers = loop.count();
    builtin = loop.builtin();
    mixed = loop.mixed();
  }
  const uint64_t builtin_status =
      static_cast<uint64_t>(status.number("no_policy_triggers") - no_policy_before);
  loader(loader_path, {"--detach"});

  const Summary swap = summarize(swap_ms), swap_u = summarize(swap_update_us);
  const Summary rb = summarize(rollback_ms), rb_u = summarize(rollback_update_us);
  const Summary floor_true = summarize(true_ms), floor_version = summarize(version_ms);
  const double speedup = rb.median > 0 ? swap.median / rb.median : 0;
  char kernel[256] = {};
  {
    std::string k = ChildRun(run_child({"/bin/uname", "-r"})).output;
    k.erase(k.find_last_not_of("\n") + 1);
    std::snprintf(kernel, sizeof(kernel), "%s", k.c_str());
  }

  Json j;
  j.open_object();
  j.str("mode", quick ? "quick" : "full").str("kernel", kernel);
  summary_json(j, "swap_end_to_end_ms", swap);
  summary_json(j, "swap_link_update_us", swap_u);
  summary_json(j, "rollback_end_to_end_ms", rb);
  summary_json(j, "rollback_link_update_us", rb_u);
  summary_json(j, "exec_true_ms", floor_true);
  summary_json(j, "exec_loader_version_ms", floor_version);
  j.num("speedup_end_to_end_p50", speedup);
  j.boolean("target_100x_met", speedup >= 100);
  j.integer("triggers", static_cast<int64_t>(triggers));
  j.integer("builtin_answers", static_cast<int64_t>(builtin + builtin_status));
  j.integer("mixed_answers", static_cast<int64_t>(mixed));
  j.close_object();
  std::cout << j.text();

  std::cout << "\n| " << kernel << " (" << (quick ? "quick" : "full")
            << ") | p50 | p99 | n |\n|---|---|---|---|\n"
            << "| `--policy X` swap, end to end | " << fmt(swap.median) << " ms | " << fmt(swap.p99)
            << " ms | " << swap.n << " |\n"
            << "| `--rollback`, end to end | " << fmt(rb.median, 2) << " ms | " << fmt(rb.p99, 2)
            << " ms | " << rb.n << " |\n"
            << "| `--rollback`, link update alone | " << fmt(rb_u.median, 0) << " us | "
            << fmt(rb_u.p99, 0) << " us | " << rb_u.n << " |\n"
            << "| `--policy X`, link update alone | " << fmt(swap_u.median, 0) << " us | "
            << fmt(swap_u.p99, 0) << " us | " << swap_u.n << " |\n"
            << "| floor: `/bin/true` | " << fmt(floor_true.median, 2) << " ms | "
            << fmt(floor_true.p99, 2) << " ms | " << floor_true.n << " |\n"
            << "| floor: `structops-load --version` | " << fmt(floor_version.median, 2) << " ms | "
            << fmt(floor_version.p99, 2) << " ms | " << floor_version.n << " |\n\n"
            << "Rollback end to end is " << fmt(speedup) << "x faster than the swap (p50; target "
            << "100x: " << (speedup >= 100 ? "met" : "not met")
            << "). Triggers during all of it: " << triggers
            << "; answered by the built-in code: " << builtin + builtin_status
            << "; by a mix of two policies: " << mixed << ".\n";
  return builtin + builtin_status + mixed == 0 ? 0 : 1;
}

}  // namespace
}  // namespace structops::bench

int main(int argc, char** argv) {
  try {
    return structops::bench::run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "structops_rollback_bench: " << e.what() << "\n";
    return 1;
  }
}
