#include "status.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <ctime>
#include <string_view>

#include <nlohmann/json.hpp>
#include <structops/bpf_testmod.h>

namespace structops {
namespace {

std::string join_ids(const std::vector<uint32_t>& ids) {
  std::string out;
  for (uint32_t id : ids)
    out += (out.empty() ? "" : " ") + std::to_string(id);
  return out;
}

// A status-file or BPF-variable value as JSON: booleans and integers as
// themselves, anything else as a string.
nlohmann::ordered_json json_value(const std::string& s) {
  if (s == "true" || s == "false")
    return s == "true";
  const bool negative = !s.empty() && s[0] == '-';
  const std::string_view digits = std::string_view(s).substr(negative ? 1 : 0);
  const bool plain =
      !digits.empty() && (digits.size() == 1 || digits[0] != '0') &&
      std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (plain) {
    const char* end = s.data() + s.size();
    if (negative) {
      int64_t v = 0;
      auto [p, ec] = std::from_chars(s.data(), end, v);
      if (ec == std::errc() && p == end)
        return v;
    } else {
      uint64_t v = 0;
      auto [p, ec] = std::from_chars(s.data(), end, v);
      if (ec == std::errc() && p == end)
        return v;
    }
  }
  return s;
}

// Dumped with invalid UTF-8 replaced (U+FFFD): policy names and variables
// are bytes from the kernel, never a reason to fail.
std::string dump(const nlohmann::ordered_json& j) {
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

std::string var_text(const StatVar& v) {
  switch (v.shape) {
    case StatVar::Shape::scalar:
      return v.values.empty() ? "" : v.values[0];
    case StatVar::Shape::text:
      return dump(v.values.empty() ? "" : v.values[0]);
    case StatVar::Shape::array: {
      std::string out = "[";
      for (size_t i = 0; i < v.values.size(); i++)
        out += (i ? ", " : "") + v.values[i];
      return out + "]";
    }
  }
  return {};
}

nlohmann::ordered_json vars_json(const std::vector<StatVar>& vars) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  for (const StatVar& v : vars) {
    switch (v.shape) {
      case StatVar::Shape::scalar:
        out[v.name] = json_value(v.values.empty() ? "" : v.values[0]);
        break;
      case StatVar::Shape::text:
        out[v.name] = v.values.empty() ? "" : v.values[0];
        break;
      case StatVar::Shape::array: {
        nlohmann::ordered_json a = nlohmann::ordered_json::array();
        for (const std::string& s : v.values)
          a.push_back(json_value(s));
        out[v.name] = std::move(a);
        break;
      }
    }
  }
  return out;
}

std::string utc_time(int64_t unix_s) {
  time_t t = static_cast<time_t>(unix_s);
  tm parts = {};
  char buf[32];
  if (!gmtime_r(&t, &parts) || !strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S UTC", &parts))
    return std::to_string(unix_s);
  return buf;
}

}  // namespace

std::string format_status_text(const StatusReport& r) {
  std::string out;
  auto line = [&out](const std::string& label, const std::string& value) {
    out += label + std::string(label.size() < 12 ? 12 - label.size() : 1, ' ') + value + "\n";
  };
  line("module:", r.module_loaded ? "bpf_testmod loaded" : "bpf_testmod not loaded");
  line("policy:", r.policy.empty() ? "none" : r.policy);
  if (r.link_id) {
    std::string link = "link " + std::to_string(r.link_id) + ", map " + std::to_string(r.map_id);
    if (!r.prog_ids.empty())
      link += ", programs " + join_ids(r.prog_ids);
    link += r.pinned ? " (pinned)" : " (not pinned: held by a process)";
    line("attached:", link);
  }
  std::string pin = r.pin_path + ": " + r.pin_state;
  if (r.pin_state == "stale" && !r.stale_reason.empty())
    pin += " (" + r.stale_reason + ")";
  line("pin:", pin);
  if (r.previous_state == "ready")
    line("previous:", "'" + r.previous_name + "' (map " + std::to_string(r.previous_map_id) +
                          ", ready: structops-load --rollback returns to it)");
  else if (r.previous_state == "stale")
    line("previous:", "stale (" + r.previous_reason + "); --rollback discards it");
  else if (r.previous_state == "absent")
    line("previous:", "none");
  if (r.probation) {
    const ProbationRecord& p = *r.probation;
    if (r.probation_running)
      line("probation:", "'" + p.policy + "' until " + utc_time(p.deadline) + " (pid " +
                             std::to_string(p.pid) + ")");
    else
      line("probation:", "interrupted: pid " + std::to_string(p.pid) +
                             " is gone (killed?); '" + p.policy +
                             "' stays attached; structops-load --rollback returns to the "
                             "previous policy");
  }
  if (r.configured_policy)
    line("configured:", *r.configured_policy + " (" + r.config_path + ")");
  else
    line("configured:", "none (" + r.config_path + ")");
  if (r.counters) {
    out += "counters:\n";
    for (const auto& [k, v] : *r.counters)
      if (k != "policy")
        out += "  " + k + ": " + v + "\n";
  }
  const std::string who = r.policy.empty() ? "" : " of '" + r.policy + "'";
  if (!r.statistics.empty()) {
    out += "statistics" + who + ":\n";
    for (const StatVar& v : r.statistics)
      out += "  " + v.name + " = " + var_text(v) + "\n";
  }
  if (!r.knobs.empty()) {
    out += "knobs" + who + ":\n";
    for (const StatVar& v : r.knobs)
      out += "  " + v.name + " = " + var_text(v) + "\n";
  }
  for (const std::string& n : r.notes)
    out += "note: " + n + "\n";
  return out;
}

std::string format_status_json(const StatusReport& r) {
  using json = nlohmann::ordered_json;
  json out;
  json counters = nullptr;
  if (r.counters) {
    counters = json::object();
    for (const auto& [k, v] : *r.counters)
      counters[k] = json_value(v);
  }
  out["module"] = {{"name", BPF_TESTMOD_MODULE_NAME}, {"loaded", r.module_loaded}, {"counters", counters}};
  out["policy"] = r.policy.empty() ? json(nullptr) : json(r.policy);
  out["link"] = nullptr;
  if (r.link_id)
    out["link"] = {
        {"id", r.link_id}, {"map_id", r.map_id}, {"prog_ids", r.prog_ids}, {"pinned", r.pinned}};
  out["pin"] = {{"path", r.pin_path}, {"state", r.pin_state}};
  if (r.pin_state == "stale")
    out["pin"]["reason"] = r.stale_reason;
  out["previous"] = nullptr;
  if (r.previous_state == "ready")
    out["previous"] = {
        {"state", "ready"}, {"name", r.previous_name}, {"map_id", r.previous_map_id}};
  else if (r.previous_state == "stale")
    out["previous"] = {{"state", "stale"}, {"reason", r.previous_reason}};
  out["probation"] = nullptr;
  if (r.probation)
    out["probation"] = {{"pid", r.probation->pid},
                        {"policy", r.probation->policy},
                        {"deadline", r.probation->deadline},
                        {"check", r.probation->check},
                        {"running", r.probation_running}};
  out["statistics"] = vars_json(r.statistics);
  out["knobs"] = vars_json(r.knobs);
  out["config"] = {{"path", r.config_path},
                   {"policy", r.configured_policy ? json(*r.configured_policy) : json(nullptr)}};
  out["notes"] = r.notes;
  return dump(out) + "\n";
}

}  // namespace structops
