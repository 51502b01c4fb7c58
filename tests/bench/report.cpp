#include "report.hpp"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "json_out.hpp"

namespace structops::bench {
namespace {

void summary(Json& j, const std::string& key, const Summary& s, bool distribution = false) {
  j.open_object(key).integer("n", static_cast<int64_t>(s.n));
  if (distribution)
    j.num("p50", s.median).num("p99", s.p99);
  else
    j.num("median", s.median);
  j.num("min", s.min).num("max", s.max).close_object();
}

std::string fmt(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f", decimals, v);
  return buf;
}

// Enough digits to compare, no more: 3 significant-ish.
std::string num(double v) {
  if (v >= 100)
    return fmt(v, 0);
  if (v >= 10)
    return fmt(v, 1);
  return fmt(v, 2);
}

std::string cell(const Summary& s) {
  if (!s.n)
    return "–";
  return num(s.median) + " [" + num(s.min) + "–" + num(s.max) + "]";
}

std::string ratio_cell(double a, double b) {
  double x = ratio(a, b);
  return x > 0 ? fmt(x, 2) + "x" : "–";
}

// The comparisons figure 3 makes: each naive way against its atomic twin.
std::vector<std::pair<const SwapMethod*, const SwapMethod*>> swap_pairs(const Results& r) {
  auto get = [&](const std::string& id) -> const SwapMethod* {
    for (const SwapMethod& m : r.swap.methods)
      if (m.id == id)
        return &m;
    return nullptr;
  };
  std::vector<std::pair<const SwapMethod*, const SwapMethod*>> pairs;
  for (auto [naive, atomic] : {std::pair{"naive", "atomic"}, std::pair{"e2e_naive", "e2e_atomic"}})
    if (get(naive) && get(atomic))
      pairs.emplace_back(get(naive), get(atomic));
  return pairs;
}

const Summary* find(const std::map<std::string, Summary>& m, const std::string& key) {
  auto it = m.find(key);
  return it == m.end() ? nullptr : &it->second;
}

// The ratios figure 1 reports: each target against the direct call, the
// policies against the C ops table (the native peer of a struct_ops call)
// and against the empty policy (the kernel's trampoline floor).
std::vector<std::pair<std::string, std::string>> dispatch_ratios(
    const std::map<std::string, Summary>& targets) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [target, s] : targets)
    if (target != "builtin")
      out.emplace_back(target, "builtin");
  for (const char* p : {"empty", "default", "stats"})
    out.emplace_back(p, "ctable");
  for (const char* p : {"default", "stats"})
    out.emplace_back(p, "empty");
  return out;
}

void dispatch_json(Json& j, const Dispatch& d) {
  j.str("unit", d.unit).integer("calls_per_round", d.calls);
  j.integer("rounds", d.rounds);
  for (const auto& [op, targets] : d.ns_per_call) {
    j.open_object(op);
    for (const auto& [target, s] : targets)
      summary(j, target, s);
    j.open_object("ratios");
    for (const auto& [a, b] : dispatch_ratios(targets))
      if (find(targets, a) && find(targets, b))
        j.num(a + "_vs_" + b, ratio(targets.at(a).median, targets.at(b).median));
    j.close_object().close_object();
  }
}

}  // namespace

std::string dispatch_to_json(const Dispatch& d) {
  Json j;
  j.open_object();
  dispatch_json(j, d);
  j.close_object();
  return j.text();
}

std::string dispatch_markdown(const Dispatch& d, const std::string& title) {
  std::ostringstream o;
  o << "## " << title << " (" << d.unit << ", timed in the kernel; " << d.calls << " calls x "
    << d.rounds << " rounds)\n\n";
  o << "| callback | built-in, direct call | C ops table | no policy | empty policy | default | "
       "stats | default / C ops table | default / empty | empty / C ops table | "
       "default / direct |\n";
  o << "|---|---|---|---|---|---|---|---|---|---|---|\n";
  for (const auto& [op, t] : d.ns_per_call) {
    const Summary *b = find(t, "builtin"), *c = find(t, "ctable"), *n = find(t, "no_policy"),
                  *e = find(t, "empty"), *def = find(t, "default"), *st = find(t, "stats");
    if (!b || !c || !n || !e || !def || !st)
      continue;
    o << "| " << op << " | " << cell(*b) << " | " << cell(*c) << " | " << cell(*n) << " | "
      << cell(*e) << " | " << cell(*def) << " | " << cell(*st) << " | "
      << ratio_cell(def->median, c->median) << " | " << ratio_cell(def->median, e->median)
      << " | " << ratio_cell(e->median, c->median) << " | "
      << ratio_cell(def->median, b->median) << " |\n";
  }
  return o.str();
}

std::string to_json(const Results& r) {
  Json j;
  j.open_object();
  j.str("schema", "structops-bench/1").str("mode", r.mode).str("kernel", r.kernel);
  j.open_object("machine");
  for (const auto& [k, v] : r.machine)
    j.str(k, v);
  j.close_object();

  j.open_object("dispatch");
  dispatch_json(j, r.dispatch);
  j.close_object();

  const TriggerRate& t = r.triggers;
  j.open_object("triggers").str("unit", "triggers per second").str("payload", "Hello");
  j.num("seconds_per_round", t.seconds).integer("rounds", t.rounds);
  for (const auto& [threads, configs] : t.per_second) {
    j.open_object("threads_" + std::to_string(threads));
    for (const auto& [config, s] : configs)
      summary(j, config, s);
    j.open_object("ratios");
    for (const auto& [config, s] : configs)
      if (config != "none")
        j.num(config + "_vs_none", ratio(s.median, configs.at("none").median));
    j.close_object().close_object();
  }
  j.close_object();

  j.open_object("swap").str("policies", "default <-> scale");
  j.open_array("methods");
  for (const SwapMethod& m : r.swap.methods) {
    j.open_object().str("id", m.id).str("description", m.description);
    j.integer("swaps", m.swaps);
    summary(j, "latency_us", m.latency, true);
    j.integer("triggers", static_cast<int64_t>(m.triggers));
    j.integer("builtin_answers", static_cast<int64_t>(m.builtin_status));
    j.integer("builtin_answers_seen", static_cast<int64_t>(m.builtin_records));
    j.integer("mixed_answers", static_cast<int64_t>(m.mixed));
    summary(j, "handover_us", m.handover, true);
    summary(j, "builtin_answers_per_swap", m.builtin_per_swap_summary, true);
    j.integer("swaps_with_builtin_answers", m.swaps_with_builtin);
    j.close_object();
  }
  j.close_array();
  j.open_object("ratios");
  for (const auto& [a, b] : swap_pairs(r))
    j.num(a->id + "_vs_" + b->id + "_swap_time", ratio(a->latency.median, b->latency.median))
        .num(a->id + "_vs_" + b->id + "_handover", ratio(a->handover.median, b->handover.median));
  j.close_object().close_object();

  j.open_object("load").integer("rounds", r.load.rounds).open_array("tools");
  for (const LoadTool& tool : r.load.tools) {
    j.open_object().str("command", tool.command);
    summary(j, "ms", tool.ms);
    summary(j, "maxrss_kb", tool.maxrss_kb);
    j.integer("failures", tool.failures).str("exit", tool.exit_how).close_object();
  }
  j.close_array();
  if (r.load.tools.size() == 2)
    j.num("loader_vs_bpftool", ratio(r.load.tools[0].ms.median, r.load.tools[1].ms.median));
  j.close_object();

  j.open_object("build").str("method", r.build_method).open_array("kernels");
  for (const BuildTime& b : r.build) {
    j.open_object().str("kernel", b.kernel);
    summary(j, "seconds", b.seconds);
    j.close_object();
  }
  j.close_array().close_object();

  j.open_array("targets");
  for (const Target& target : r.targets)
    j.open_object()
        .str("goal", target.goal)
        .str("measured", target.measured)
        .boolean("met", target.met)
        .close_object();
  j.close_array();
  j.open_array("notes");
  for (const std::string& n : r.notes)
    j.str(n);
  j.close_array();
  j.close_object();
  return j.text();
}

std::string to_markdown(const Results& r) {
  std::ostringstream o;
  o << "# structops benchmark: " << r.kernel << " (" << r.mode << " run)\n\n";
  o << "Machine:";
  for (const auto& [k, v] : r.machine)
    o << " " << k << " " << v << ";";
  o << "\n\nFigures are median [min–max] over repeated rounds; ratios compare medians "
       "measured in the same boot.  The guest CPU is emulated (QEMU TCG) unless the "
       "machine line says KVM: ratios matter more than absolute times.\n\n";

  o << dispatch_markdown(r.dispatch, "1. Dispatch cost, TCG time");
  o << "\nThe instruction counts of the same figure (an icount boot, tests/bench/run's second "
       "guest) follow the tables when the run made them.\n";

  const TriggerRate& t = r.triggers;
  o << "\n## 2. Trigger path (triggers per second, `Hello` payload, kernel log off; " << t.rounds
    << " rounds of " << num(t.seconds) << " s)\n\n";
  o << "| writer threads | no policy | default | stats | default / none | stats / none |\n";
  o << "|---|---|---|---|---|---|\n";
  for (const auto& [threads, configs] : t.per_second) {
    const Summary* none = find(configs, "none");
    const Summary* def = find(configs, "default");
    const Summary* st = find(configs, "stats");
    if (!none || !def || !st)
      continue;
    o << "| " << threads << " | " << cell(*none) << " | " << cell(*def) << " | " << cell(*st)
      << " | " << ratio_cell(def->median, none->median) << " | "
      << ratio_cell(st->median, none->median) << " |\n";
  }

  o << "\n## 3. Swap under a trigger loop (default <-> scale; every trigger's record "
       "checked)\n\n";
  o << "| method | swaps | swap time p50 | p99 | triggers | built-in answers | swaps with "
       "built-in answers | mixed answers | handover p50 (last old to first new answer) |\n";
  o << "|---|---|---|---|---|---|---|---|---|\n";
  auto time = [](double us) { return us >= 10000 ? num(us / 1000) + " ms" : num(us) + " us"; };
  for (const SwapMethod& m : r.swap.methods)
    o << "| " << m.description << " | " << m.swaps << " | " << time(m.latency.median) << " | "
      << time(m.latency.p99) << " | " << m.triggers << " | " << m.builtin_status << " | "
      << m.swaps_with_builtin << " | " << m.mixed << " | " << time(m.handover.median) << " |\n";

  for (const auto& [a, b] : swap_pairs(r))
    o << "\n"
      << a->description << " against " << b->description << ": swap time "
      << ratio_cell(a->latency.median, b->latency.median) << ", handover "
      << ratio_cell(a->handover.median, b->handover.median) << ".";
  o << "\n";

  o << "\n## 4. Load: open + verify + attach of default.bpf.o (" << r.load.rounds
    << " runs each, nothing attached before)\n\n";
  o << "| command | wall time (ms) | peak RSS (KiB) | runs that did not attach | exit |\n";
  o << "|---|---|---|---|---|\n";
  for (const LoadTool& tool : r.load.tools)
    o << "| `" << tool.command << "` | " << cell(tool.ms) << " | " << cell(tool.maxrss_kb) << " | "
      << tool.failures << " | " << tool.exit_how << " |\n";
  if (r.load.tools.size() == 2)
    o << "\nstructops-load / bpftool: "
      << ratio_cell(r.load.tools[0].ms.median, r.load.tools[1].ms.median) << "\n";

  o << "\n## 5. Module build (" << r.build_method << ")\n\n";
  o << "| kernel | seconds |\n|---|---|\n";
  for (const BuildTime& b : r.build)
    o << "| " << b.kernel << " | " << cell(b.seconds) << " |\n";

  o << "\n## Targets\n\n| target | measured | met |\n|---|---|---|\n";
  for (const Target& target : r.targets)
    o << "| " << target.goal << " | " << target.measured << " | " << (target.met ? "yes" : "**no**")
      << " |\n";
  if (!r.notes.empty()) {
    o << "\n## Notes\n\n";
    for (const std::string& n : r.notes)
      o << "- " << n << "\n";
  }
  return o.str();
}

std::string latency_plot_data(const Results& r) {
  std::ostringstream o;
  for (const SwapMethod& m : r.swap.methods) {
    std::vector<double> v = m.latency_us;
    std::sort(v.begin(), v.end());
    o << "# " << m.id << ": " << m.description << "\n";
    for (size_t i = 0; i < v.size(); i++)
      o << v[i] << " " << static_cast<double>(i + 1) / static_cast<double>(v.size()) << "\n";
    o << "\n\n";
  }
  return o.str();
}

std::string gap_plot_data(const Results& r) {
  std::ostringstream o;
  for (const SwapMethod& m : r.swap.methods) {
    o << "# " << m.id << ": swap took " << static_cast<double>(m.window_swap_ns) / 1e6 << " ms\n";
    for (const TriggerSample& s : m.window)
      o << static_cast<double>(s.t_ns) / 1e6 << " " << s.test_1 << " "
        << (s.answer == Answer::mixed ? 1 : 0) << "\n";
    if (m.window.empty())
      o << "0 0 0\n";  // gnuplot wants at least one point per block
    o << "\n\n";
  }
  return o.str();
}

}  // namespace structops::bench
