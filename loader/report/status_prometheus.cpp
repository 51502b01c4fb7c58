#include "report/status_prometheus.hpp"

#include <algorithm>
#include <cctype>

namespace structops {
namespace {

// The module's status-file fields that only ever grow (kmod/bpf_testmod_main.c):
// counters in Prometheus' sense, named with _total.
bool is_counter_field(const std::string& key) {
  static const char* const counters[] = {"triggers", "no_policy_triggers", "fallback_calls",
                                         "attaches", "detaches",           "swaps",
                                         "refused_loads"};
  return std::any_of(std::begin(counters), std::end(counters),
                     [&key](const char* c) { return key == c; });
}

// A decimal integer as the module and the BTF decoder print them.
bool is_integer(const std::string& s) {
  size_t i = (!s.empty() && s[0] == '-') ? 1 : 0;
  return i < s.size() && std::all_of(s.begin() + i, s.end(),
                                     [](unsigned char c) { return std::isdigit(c); });
}

// Metric names allow [a-zA-Z0-9_:]; status keys are snake_case already,
// anything else becomes '_'.
std::string metric_name(const std::string& key) {
  std::string out = key;
  for (char& c : out)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_')
      c = '_';
  return out;
}

class Writer {
 public:
  void family(const std::string& name, const char* type, const std::string& help) {
    out_ += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
  }
  void sample(const std::string& name, const std::string& labels, const std::string& value) {
    out_ += name + (labels.empty() ? "" : "{" + labels + "}") + " " + value + "\n";
  }
  const std::string& str() const { return out_; }

 private:
  std::string out_;
};

std::string label(const std::string& name, const std::string& value) {
  return name + "=\"" + prometheus_label_value(value) + "\"";
}

std::string numeric(const std::string& v) {
  if (v == "true")
    return "1";
  if (v == "false")
    return "0";
  return is_integer(v) ? v : std::string();
}

void write_vars(Writer& w, const std::string& name, const std::string& help,
                const std::string& policy, const std::vector<StatVar>& vars) {
  bool any = false;
  for (const StatVar& v : vars) {
    if (v.shape == StatVar::Shape::text)
      continue;  // strings are not samples
    for (size_t i = 0; i < v.values.size(); i++) {
      const std::string value = numeric(v.values[i]);
      if (value.empty())
        continue;
      if (!any)
        w.family(name, "gauge", help);
      any = true;
      std::string labels = label("policy", policy) + "," + label("name", v.name);
      if (v.shape == StatVar::Shape::array)
        labels += "," + label("index", std::to_string(i));
      w.sample(name, labels, value);
    }
  }
}

}  // namespace

std::string prometheus_label_value(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string format_status_prometheus(const StatusReport& r) {
  Writer w;
  w.family("structops_module_loaded", "gauge", "1 if the bpf_testmod module is loaded.");
  w.sample("structops_module_loaded", "", r.module_loaded ? "1" : "0");
  w.family("structops_policy_attached", "gauge", "1 if a struct_ops policy is attached.");
  w.sample("structops_policy_attached", "", r.policy.empty() ? "0" : "1");
  if (!r.policy.empty()) {
    w.family("structops_policy_info", "gauge", "The attached policy, by name; always 1.");
    w.sample("structops_policy_info", label("policy", r.policy) + "," +
                                          label("pinned", r.pinned ? "true" : "false"),
             "1");
  }
  if (r.configured_policy) {
    w.family("structops_configured_policy_info", "gauge",
             "The policy structops-load --restore attaches; always 1.");
    w.sample("structops_configured_policy_info",
             label("policy", *r.configured_policy) + "," + label("config", r.config_path), "1");
  }
  if (r.counters) {
    for (const auto& [key, value] : *r.counters) {
      if (!is_integer(value))
        continue;  // policy, last_policy, bench_op: names, not numbers
      const bool counter = is_counter_field(key);
      const std::string name =
          "structops_module_" + metric_name(key) + (counter ? "_total" : "");
      w.family(name, counter ? "counter" : "gauge",
               "bpf_testmod's " + key + " (/proc/bpf_testmod_status).");
      w.sample(name, "", value);
    }
  }
  if (r.policy_signed_by) {
    w.family("structops_policy_signed", "gauge",
             "1 if a trusted signature covers every program of the attached policy.");
    w.sample("structops_policy_signed",
             label("policy", r.policy) + "," + label("signer", *r.policy_signed_by),
             r.policy_signed_by->empty() ? "0" : "1");
  }
  const std::string policy = r.policy.empty() ? "(unknown)" : r.policy;
  write_vars(w, "structops_policy_statistic", "A global of the attached policy's .bss/.data.",
             policy, r.statistics);
  write_vars(w, "structops_policy_knob", "A load-time knob (.rodata) of the attached policy.",
             policy, r.knobs);
  w.family("structops_status_notes", "gauge",
           "How many parts of the status could not be read (see structops-load --status).");
  w.sample("structops_status_notes", "", std::to_string(r.notes.size()));
  return w.str();
}

}  // namespace structops
