// Figure 3: replacing the policy while a trigger loop runs throughout.
// Four ways, alternating between `default` and `scale` (which differ in
// all three answers, so a trigger mixing them could not hide):
//   atomic      BPF_LINK_UPDATE alone, maps loaded in this process
//   naive       BPF_LINK_DETACH, then a new link (the maps loaded too):
//               what udev-hid-bpf --replace and scx_loader do, at best
//   e2e_atomic  `structops-load --policy X`, a process each time
//   e2e_naive   `structops-load --detach`, then `structops-load --policy X`
#include <algorithm>
#include <iostream>

#include "child.hpp"
#include "module_io.hpp"
#include "policies.hpp"
#include "results.hpp"

namespace structops::bench {
namespace {

const char* const kPair[] = {"default", "scale"};

// What happened around each swap, for analyse().
struct SwapLog {
  std::vector<int64_t> start, end;
  std::vector<std::string> from, to;
  void add(int64_t s, int64_t e, const std::string& f, const std::string& t) {
    start.push_back(s);
    end.push_back(e);
    from.push_back(f);
    to.push_back(t);
  }
};

// Per swap, from the trigger records: the handover (last answer of the
// old policy to the first of the new) and the built-in answers between.
void analyse(SwapMethod& m, const std::vector<TriggerSample>& samples, const SwapLog& log) {
  auto is = [](const TriggerSample& s, const std::string& policy) {
    return s.answer == Answer::policy && s.test_1 == policy_test_1(policy);
  };
  // Per judged swap: its handover, its index, and the samples k and j.
  struct Judged {
    double handover_us;
    size_t swap, k, j;
  };
  std::vector<Judged> judged;
  for (size_t i = 0; i < log.start.size(); i++) {
    auto first = std::lower_bound(samples.begin(), samples.end(), log.start[i],
                                  [](const TriggerSample& s, int64_t t) { return s.t_ns < t; });
    auto j = std::find_if(first, samples.end(),
                          [&](const TriggerSample& s) { return is(s, log.to[i]); });
    if (j == samples.end())
      continue;  // no trigger after the last swap: nothing to judge
    auto k = j;
    while (k != samples.begin() && !is(*k, log.from[i]))
      --k;
    if (!is(*k, log.from[i]))
      continue;  // no trigger before the first swap
    m.handover_us.push_back(static_cast<double>(j->t_ns - k->t_ns) / 1000);
    m.builtin_per_swap.push_back(static_cast<double>(
        std::count_if(k, j, [](const TriggerSample& s) { return s.answer == Answer::builtin; })));
    judged.push_back({m.handover_us.back(), i, static_cast<size_t>(k - samples.begin()),
                      static_cast<size_t>(j - samples.begin())});
  }
  m.handover = summarize(m.handover_us);
  m.builtin_per_swap_summary = summarize(m.builtin_per_swap);
  m.swaps_with_builtin = static_cast<int>(std::count_if(
      m.builtin_per_swap.begin(), m.builtin_per_swap.end(), [](double n) { return n > 0; }));
  if (judged.empty())
    return;
  auto mid = judged.begin() + judged.size() / 2;
  std::nth_element(judged.begin(), mid, judged.end(),
                   [](const Judged& a, const Judged& b) { return a.handover_us < b.handover_us; });

  // The plot's window: the typical swap, with as much time around it as
  // it took on either side, and at least 10 triggers before its last old
  // answer and after its first new one (the emulator runs the trigger loop
  // in bursts, so a window in time alone can come out empty; in-process
  // swaps come every 20 or more triggers, so 10 keep the neighbours out).
  const int64_t s0 = log.start[mid->swap], s1 = log.end[mid->swap];
  const int64_t margin = (s1 - s0) / 4;
  size_t first = mid->k >= 10 ? mid->k - 10 : 0;
  size_t last = std::min(samples.size() - 1, mid->j + 10);
  while (first > 0 && samples[first - 1].t_ns >= s0 - margin)
    first--;
  while (last + 1 < samples.size() && samples[last + 1].t_ns <= s1 + margin)
    last++;
  for (size_t i = first; i <= last; i++)
    m.window.push_back({samples[i].t_ns - s0, samples[i].test_1, samples[i].answer});
  m.window_swap_ns = s1 - s0;
}

// Runs `swap` n times under a trigger loop, attached to kPair[0] before
// and via attach/cleanup callbacks; fills the counts.
template <typename Attach, typename DoSwap, typename Detach>
SwapMethod under_trigger_loop(const std::string& id, const std::string& description, int n,
                              int triggers_per_swap, Attach attach, DoSwap do_swap, Detach detach) {
  SwapMethod m;
  m.id = id;
  m.description = description;
  StatusFile status;
  attach(kPair[0]);
  const int64_t no_policy_before = status.number("no_policy_triggers");
  SwapLog log;
  {
    TriggerLoop loop(/*keep_samples=*/true);
    std::string current = kPair[0];
    for (int i = 0; i < n; i++) {
      // Paced by the trigger count, so every swap has triggers on both
      // sides; 0 means back to back.
      loop.wait_for(static_cast<uint64_t>(i + 1) * triggers_per_swap);
      const std::string next = kPair[(i + 1) % 2];
      int64_t start = now_ns();
      double us = do_swap(next);
      log.add(start, now_ns(), current, next);
      m.latency_us.push_back(us);
      current = next;
      if (n >= 10 && (i + 1) % (n / 10) == 0)
        std::cerr << "bench: " << id << " " << i + 1 << "/" << n << " swaps\n";
    }
    // Triggers after the last swap too, so it is judged like the others.
    loop.wait_for(loop.count() + std::max(triggers_per_swap, 20));
    loop.stop();
    m.triggers = loop.count();
    m.builtin_records = loop.builtin();
    m.mixed = loop.mixed();
    m.builtin_status =
        static_cast<uint64_t>(status.number("no_policy_triggers") - no_policy_before);
    analyse(m, loop.samples(), log);
  }
  detach();
  m.swaps = n;
  m.latency = summarize(m.latency_us);
  return m;
}

void loader_ok(const Options& opt, const std::vector<std::string>& args, ChildRun* out = nullptr) {
  std::vector<std::string> argv = {opt.loader};
  argv.insert(argv.end(), args.begin(), args.end());
  ChildRun r = run_child(argv);
  if (r.exit_code != 0)
    throw BenchError("structops-load " + args[0] + " " + (args.size() > 1 ? args[1] : "") +
                     " exited " + std::to_string(r.exit_code) + ": " + r.output);
  if (out)
    *out = std::move(r);
}

}  // namespace

Swap measure_swaps(const Sizes& sizes, const Options& opt, Policies& policies) {
  Swap result;
  test::QuietKernelLog quiet;
  policies.detach();

  result.methods.push_back(under_trigger_loop(
      "atomic", "BPF_LINK_UPDATE (link update alone)", sizes.atomic_swaps,
      sizes.atomic_triggers_per_swap, [&](const std::string& p) { policies.attach(p); },
      [&](const std::string& p) { return policies.swap(p) / 1000; }, [&] { policies.detach(); }));

  result.methods.push_back(under_trigger_loop(
      "naive", "BPF_LINK_DETACH + BPF_LINK_CREATE (policies preloaded)", sizes.naive_swaps,
      sizes.naive_triggers_per_swap, [&](const std::string& p) { policies.attach(p); },
      [&](const std::string& p) { return policies.detach_attach(p) / 1000; },
      [&] { policies.detach(); }));

  result.methods.push_back(under_trigger_loop(
      "e2e_atomic", "structops-load --policy X (swap, end to end)", sizes.e2e_swaps, 0,
      [&](const std::string& p) {
        loader_ok(opt, {"--policy", p});
      },
      [&](const std::string& p) {
        ChildRun r;
        loader_ok(opt, {"--policy", p}, &r);
        return r.ms * 1000;
      },
      [&] { loader_ok(opt, {"--detach"}); }));

  result.methods.push_back(under_trigger_loop(
      "e2e_naive", "structops-load --detach, then --policy X (end to end)", sizes.e2e_naive_swaps,
      0,
      [&](const std::string& p) {
        loader_ok(opt, {"--policy", p});
      },
      [&](const std::string& p) {
        ChildRun detach, attach;
        loader_ok(opt, {"--detach"}, &detach);
        loader_ok(opt, {"--policy", p}, &attach);
        return (detach.ms + attach.ms) * 1000;
      },
      [&] { loader_ok(opt, {"--detach"}); }));
  return result;
}

}  // namespace structops::bench
