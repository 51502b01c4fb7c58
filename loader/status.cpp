#include "status.hpp"

#include <ctime>

#include "json.hpp"

namespace structops {
namespace {

std::string join_ids(const std::vector<uint32_t>& ids) {
  std::string out;
  for (uint32_t id : ids)
    out += (out.empty() ? "" : " ") + std::to_string(id);
  return out;
}

std::string var_text(const StatVar& v) {
  switch (v.shape) {
    case StatVar::Shape::scalar:
      return v.values.empty() ? "" : v.values[0];
    case StatVar::Shape::text:
      return json_quote(v.values.empty() ? "" : v.values[0]);
    case StatVar::Shape::array: {
      std::string out = "[";
      for (size_t i = 0; i < v.values.size(); i++)
        out += (i ? ", " : "") + v.values[i];
      return out + "]";
    }
  }
  return {};
}

void write_var(JsonWriter& w, const StatVar& v) {
  auto value = [&w](const std::string& s) {
    if (s == "true" || s == "false")
      w.boolean(s == "true");
    else if (is_json_integer(s))
      w.raw_number(s);
    else
      w.string(s);
  };
  w.key(v.name);
  switch (v.shape) {
    case StatVar::Shape::scalar:
      value(v.values.empty() ? "" : v.values[0]);
      break;
    case StatVar::Shape::text:
      w.string(v.values.empty() ? "" : v.values[0]);
      break;
    case StatVar::Shape::array:
      w.begin_array();
      for (const std::string& s : v.values)
        value(s);
      w.end_array();
      break;
  }
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
  JsonWriter w;
  w.begin_object();
  w.key("module").begin_object();
  w.key("name").string("bpf_testmod");
  w.key("loaded").boolean(r.module_loaded);
  w.key("counters");
  if (r.counters) {
    w.begin_object();
    for (const auto& [k, v] : *r.counters) {
      w.key(k);
      if (is_json_integer(v))
        w.raw_number(v);
      else
        w.string(v);
    }
    w.end_object();
  } else {
    w.null();
  }
  w.end_object();

  w.key("policy");
  if (r.policy.empty())
    w.null();
  else
    w.string(r.policy);

  w.key("link");
  if (r.link_id) {
    w.begin_object();
    w.key("id").number(r.link_id);
    w.key("map_id").number(r.map_id);
    w.key("prog_ids").begin_array();
    for (uint32_t id : r.prog_ids)
      w.number(id);
    w.end_array();
    w.key("pinned").boolean(r.pinned);
    w.end_object();
  } else {
    w.null();
  }

  w.key("pin").begin_object();
  w.key("path").string(r.pin_path);
  w.key("state").string(r.pin_state);
  if (r.pin_state == "stale")
    w.key("reason").string(r.stale_reason);
  w.end_object();

  w.key("previous");
  if (r.previous_state == "ready" || r.previous_state == "stale") {
    w.begin_object();
    w.key("state").string(r.previous_state);
    if (r.previous_state == "ready") {
      w.key("name").string(r.previous_name);
      w.key("map_id").number(r.previous_map_id);
    } else {
      w.key("reason").string(r.previous_reason);
    }
    w.end_object();
  } else {
    w.null();
  }

  w.key("probation");
  if (r.probation) {
    w.begin_object();
    w.key("pid").number(static_cast<uint64_t>(r.probation->pid));
    w.key("policy").string(r.probation->policy);
    w.key("deadline").number(static_cast<uint64_t>(r.probation->deadline));
    w.key("check").string(r.probation->check);
    w.key("running").boolean(r.probation_running);
    w.end_object();
  } else {
    w.null();
  }

  w.key("statistics").begin_object();
  for (const StatVar& v : r.statistics)
    write_var(w, v);
  w.end_object();
  w.key("knobs").begin_object();
  for (const StatVar& v : r.knobs)
    write_var(w, v);
  w.end_object();

  w.key("config").begin_object();
  w.key("path").string(r.config_path);
  w.key("policy");
  if (r.configured_policy)
    w.string(*r.configured_policy);
  else
    w.null();
  w.end_object();

  w.key("notes").begin_array();
  for (const std::string& n : r.notes)
    w.string(n);
  w.end_array();
  w.end_object();
  return w.str() + "\n";
}

}  // namespace structops
