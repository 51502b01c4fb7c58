#include "report/status.hpp"

#include <bpf/bpf.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <ctime>
#include <sstream>
#include <string_view>

#include <nlohmann/json.hpp>
#include <structops/bpf_testmod.h>

#include "bpf/link_manager.hpp"
#include "bpf/module_btf.hpp"
#include "bpf/ops_layout_cache.hpp"
#include "bpf/policy_lookup.hpp"
#include "bpf/previous.hpp"
#include "signing/signature_trust.hpp"
#include "system/config.hpp"
#include "system/kernel_security.hpp"
#include "system/module_signer_cache.hpp"
#include "system/module_trust.hpp"
#include "system/privileges.hpp"

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

// A field of the module's status file as JSON: the last trigger's
// callbacks it did not call are null, the callbacks the built-in code
// answered a list of names; everything else as json_value() says.
nlohmann::ordered_json module_field_json(const std::string& key, const std::string& value) {
  if (key.rfind("last_test_", 0) == 0 && value == "not called")
    return nullptr;
  if (key == "last_builtin") {
    nlohmann::ordered_json names = nlohmann::ordered_json::array();
    std::istringstream words(value);
    for (std::string w; words >> w;)
      if (w != "none")
        names.push_back(w);
    return names;
  }
  return json_value(value);
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
  line("signer:", !r.module_signer           ? "unknown (no module file found)"
                  : r.module_signer->empty() ? "none (the module is not signed)"
                                             : "'" + *r.module_signer + "'");
  line("security:", "Secure Boot " + (r.secure_boot.empty() ? "unknown" : r.secure_boot) +
                        ", lockdown " + (r.lockdown.empty() ? "unknown" : r.lockdown));
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
  if (r.signatures_required)
    line("signatures:", !*r.signatures_required ? "not required"
                        : r.policy_signer_pin.empty()
                            ? "required (any key the kernel trusts for modules)"
                            : "required (only key " + r.policy_signer_pin + ")");
  auto signed_line = [&](const std::string& name, const std::optional<std::string>& by) {
    if (!by || name.empty())
      return;
    line("signed:", "'" + name + "' " +
                        (by->empty() ? std::string("no (no trusted signature covers it") +
                                           (r.signatures_required.value_or(false)
                                                ? "; loaded before enforcement)"
                                                : ")")
                                     : "by key " + *by));
  };
  signed_line(r.policy, r.policy_signed_by);
  if (r.previous_state == "ready")
    signed_line(r.previous_name, r.previous_signed_by);
  if (r.probation) {
    const ProbationRecord& p = *r.probation;
    if (r.probation_running)
      line("probation:", "'" + p.policy + "' until " + utc_time(p.deadline) + " (pid " +
                             std::to_string(p.pid) + ")");
    else
      line("probation:", "interrupted: pid " + std::to_string(p.pid) + " is gone (killed?); '" +
                             p.policy +
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
      counters[k] = module_field_json(k, v);
  }
  out["module"] = {{"name", BPF_TESTMOD_MODULE_NAME},
                   {"loaded", r.module_loaded},
                   {"signer", r.module_signer ? json(*r.module_signer) : json(nullptr)},
                   {"counters", counters}};
  out["secure_boot"] = r.secure_boot.empty() ? json(nullptr) : json(r.secure_boot);
  out["lockdown"] = r.lockdown.empty() ? json(nullptr) : json(r.lockdown);
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
  auto signer_json = [](const std::optional<std::string>& by) {
    if (!by)
      return json(nullptr);
    return json{{"signed", !by->empty()}, {"signer", by->empty() ? json(nullptr) : json(*by)}};
  };
  out["signatures"] = {
      {"required", r.signatures_required ? json(*r.signatures_required) : json(nullptr)},
      {"pinned_signer", r.policy_signer_pin.empty() ? json(nullptr) : json(r.policy_signer_pin)},
      {"policy", signer_json(r.policy_signed_by)},
      {"previous", signer_json(r.previous_signed_by)}};
  out["statistics"] = vars_json(r.statistics);
  out["knobs"] = vars_json(r.knobs);
  out["config"] = {{"path", r.config_path},
                   {"policy", r.configured_policy ? json(*r.configured_policy) : json(nullptr)}};
  out["notes"] = r.notes;
  return dump(out) + "\n";
}

namespace {

// What anyone may read: the module's status file, the config, the
// probation record.  module_btf_id: the loaded module's BTF object, when
// the caller may list BTF objects, which keys its kept signer.
void gather_unprivileged(const Context& ctx, std::optional<uint32_t> module_btf_id,
                         StatusReport& r) {
  r.module_loaded = module_loaded();
  r.secure_boot = secure_boot_state();
  r.lockdown = lockdown_mode();
  bool found = false;
  std::string signer;
  if (r.module_loaded && module_btf_id) {
    auto kept = module_signer_of_instance(ctx.module_signer_path, *module_btf_id);
    found = kept.has_value();
    signer = kept.value_or("");
  } else {
    signer = module_signer(&found);
  }
  if (found)
    r.module_signer = signer;
  // Not loaded under Secure Boot: say now what modprobe would refuse.
  if (!r.module_loaded && r.secure_boot == "enabled" && found) {
    ModuleTrust trust = gather_module_trust(Refusal::key_rejected);
    if (signer.empty() || trust.enrolment != Enrolment::enrolled)
      r.notes.push_back(explain_refusal(trust));
  }
  if (r.lockdown == "confidentiality")
    r.notes.push_back(
        "the bpf_testmod tracepoints are unavailable: lockdown=confidentiality restricts tracefs");
  if (r.module_loaded) {
    if (Enforcement e = read_enforcement(); e.known) {
      r.signatures_required = e.required;
      r.policy_signer_pin = e.pinned_signer;
    }
    auto fields = read_status();
    if (fields) {
      auto p = status_value(*fields, "policy");
      if (p && *p != "none")
        r.policy = *p;
      r.counters = std::move(fields).value();
    } else {
      r.notes.push_back(fields.error().message);
    }
  }
  auto config = read_config(ctx.config_path);
  if (config)
    r.configured_policy = config->policy;
  else if (config.error().code != ENOENT)
    r.notes.push_back(config.error().message);

  r.probation = read_probation_record(ctx.probation_path);
  r.probation_running = r.probation && process_alive(r.probation->pid);
}

// The pinned link; the map it holds when it is active.
UniqueFd gather_pin(const Context& ctx, const OpsLayout* kernel, StatusReport& r) {
  auto pin = open_pinned_link(ctx.pin_path, kernel ? kernel->btf_id : 0,
                              kernel ? kernel->value_type_id : 0);
  if (!pin) {
    r.notes.push_back(pin.error().message);
    return {};
  }
  r.pin_state = pin->state == PinState::active  ? "active"
                : pin->state == PinState::stale ? "stale"
                                                : "absent";
  r.stale_reason = pin->stale_reason;
  if (pin->state != PinState::active)
    return {};
  r.link_id = pin->link_id;
  r.map_id = pin->map_id;
  r.pinned = true;
  return std::move(pin->map_fd);
}

// The previous policy --rollback would go back to.
void gather_previous(const Context& ctx, const OpsLayout* kernel, StatusReport& r) {
  StructOpsType want;
  if (kernel)
    want = {kernel->btf_id, kernel->value_type_id};
  auto prev = open_effective_previous(ctx.pin_path, want, r.map_id);
  if (!prev) {
    r.notes.push_back(prev.error().message);
    return;
  }
  r.previous_state = prev->state == PreviousState::ready   ? "ready"
                     : prev->state == PreviousState::stale ? "stale"
                                                           : "absent";
  r.previous_reason = prev->stale_reason;
  r.previous_map_id = prev->map_id;
  if (prev->state == PreviousState::ready)
    r.previous_name = kernel ? policy_name_of_map(prev->map_fd.get(), *kernel) : "(unknown)";
}

// Whether trusted signatures cover the attached and the previous policy,
// found by name among the policy files (as --policy NAME finds them).
void gather_signatures(const Context& ctx, StatusReport& r) {
  auto trusted = read_trusted_programs();
  if (!trusted) {
    r.notes.push_back(trusted.error().message);
    return;
  }
  auto signed_by = [&](const std::string& name) -> std::optional<std::string> {
    if (name.empty())
      return std::nullopt;
    auto path = find_policy(name, ctx.search_dirs);
    if (!path)
      return std::nullopt;
    // Nothing trusted covers no policy: no need to digest it (opening
    // the object with libbpf and hashing its programs, 0.35 M
    // instructions a policy).
    if (trusted->empty())
      return std::string();
    PolicyTrust t = policy_trust(*path, *trusted, r.policy_signer_pin);
    return t.trusted ? t.signer : std::string();
  };
  r.policy_signed_by = signed_by(r.policy);
  if (r.previous_state == "ready")
    r.previous_signed_by = signed_by(r.previous_name);
}

// The attached policy's programs, and its statistics and knobs.
void gather_policy_vars(int map_fd, const OpsLayout& kernel, StatusReport& r) {
  auto value = struct_ops_value_of(map_fd);
  if (!value) {
    r.notes.push_back(value.error().message);
    return;
  }
  r.prog_ids = prog_ids_in_value(kernel, *value);
  auto vars = read_policy_vars(r.prog_ids);
  if (!vars) {
    r.notes.push_back("policy statistics: " + vars.error().message);
    return;
  }
  r.statistics = std::move(vars->statistics);
  r.knobs = std::move(vars->knobs);
}

}  // namespace

StatusReport gather_status(const Context& ctx) {
  StatusReport r;
  r.pin_path = ctx.pin_path;
  r.config_path = ctx.config_path;
  const Privileges priv = current_privileges();
  const bool privileged = priv.bpf && priv.sys_admin;
  // The loaded module instance's BTF object: it keys what is kept of it
  // under /run (its signer, its value layout).
  std::optional<Result<uint32_t>> module_btf_id;
  if (privileged && module_loaded())
    module_btf_id = find_module_btf_id();
  std::optional<uint32_t> instance;
  if (module_btf_id && *module_btf_id)
    instance = **module_btf_id;
  gather_unprivileged(ctx, instance, r);

  if (!privileged) {
    r.notes.push_back(
        "the link, its programs and the policy's statistics need root (CAP_BPF and "
        "CAP_SYS_ADMIN); shown: the module's status file only");
    return r;
  }

  // The module's value layout, without parsing BTF when it is kept for
  // this module instance (ops_layout_cache.hpp).
  std::optional<OpsLayout> kernel;
  if (r.module_loaded && module_btf_id) {
    const Result<uint32_t>& id = *module_btf_id;
    auto k = id ? load_ops_layout(ctx.ops_layout_path, *id) : Result<OpsLayout>(id.error());
    if (k)
      kernel = std::move(k).value();
    else
      r.notes.push_back(k.error().message);
  }
  const OpsLayout* type = kernel ? &*kernel : nullptr;
  UniqueFd map_fd = gather_pin(ctx, type, r);
  gather_previous(ctx, type, r);
  // Not pinned: a --foreground loader's link, or another tool's.
  if (!r.link_id && kernel) {
    auto found = find_attached_link(kernel->btf_id, kernel->value_type_id);
    if (!found) {
      r.notes.push_back(found.error().message);
    } else if (*found) {
      r.link_id = (*found)->link_id;
      r.map_id = (*found)->map_id;
      map_fd = std::move((*found)->map_fd);
    }
  }
  if (map_fd && kernel)
    gather_policy_vars(map_fd.get(), *kernel, r);
  if (r.module_loaded)
    gather_signatures(ctx, r);
  return r;
}

}  // namespace structops
