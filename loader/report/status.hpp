// What --status reports: gathered from the module, the pin, the previous
// policy, the probation record and the config (gather_status), and its
// text and JSON forms (pure, unit-tested).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bpf/policy_stats.hpp"
#include "common/context.hpp"
#include "system/module.hpp"
#include "system/probation_record.hpp"

namespace structops {

struct StatusReport {
  bool module_loaded = false;
  std::optional<StatusFields> counters;  // the module's status file
  std::string policy;                    // attached policy's name, "" if none/unknown

  // The machine's trust state: "enabled"/"disabled" and
  // "none"/"integrity"/"confidentiality", "" when unknown; who signed the
  // module file modprobe loads ("" unsigned, nullopt no module file).
  std::string secure_boot;
  std::string lockdown;
  std::optional<std::string> module_signer;

  std::string pin_path;
  // "absent", "stale", "active", or "unknown" when it could not be read.
  std::string pin_state = "unknown";
  std::string stale_reason;
  uint32_t link_id = 0;
  uint32_t map_id = 0;
  bool pinned = false;  // the attached link is the pinned one
  std::vector<uint32_t> prog_ids;

  // The previous policy kept for --rollback: "absent", "ready", "stale",
  // or "unknown" when it could not be read (no privileges).
  std::string previous_state = "unknown";
  std::string previous_name;  // ready only
  uint32_t previous_map_id = 0;
  std::string previous_reason;  // stale only

  // A probation's record, and whether its loader still runs (if not, it
  // was killed: the policy on probation stays attached).
  std::optional<ProbationRecord> probation;
  bool probation_running = false;

  // Signed policies: whether the module requires them (nullopt: module not
  // loaded) and the one signer it accepts ("" any key the kernel trusts);
  // for the attached and the previous policy, the signer whose signature
  // covers all its programs ("" none does; nullopt unknown: needs root, or
  // its object file was not found).
  std::optional<bool> signatures_required;
  std::string policy_signer_pin;
  std::optional<std::string> policy_signed_by;
  std::optional<std::string> previous_signed_by;

  std::vector<StatVar> statistics;
  std::vector<StatVar> knobs;

  std::string config_path;
  std::optional<std::string> configured_policy;

  // What could not be read, and why (e.g. missing privileges).
  std::vector<std::string> notes;
};

// Never fails: what cannot be read (e.g. without privileges) is a note.
StatusReport gather_status(const Context& ctx);

std::string format_status_text(const StatusReport& report);
std::string format_status_json(const StatusReport& report);

}  // namespace structops
