// The actions behind the command line, as functions returning values: what
// to print on success (Outcome) or why they failed (Error).  The CLI prints.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "bpf/link_manager.hpp"
#include "bpf/module_btf.hpp"
#include "bpf/policy_object.hpp"
#include "common/context.hpp"
#include "common/error.hpp"
#include "common/unique_fd.hpp"

namespace structops {

// The commands that take a policy take it as name_or_path (a name looked
// up in Context::search_dirs, or a path to a .bpf.o) and knob_settings
// (--set KEY=VALUE strings, applied in order).

struct Outcome {
  std::vector<std::string> notes;  // side remarks, for stderr
  std::string message;             // the result line(s), for stdout
};

// A policy opened, knobs set, the module loaded, the policy verified, and
// its map made READY (the module's init_member/validate accepted the
// value).  Everything attaching or swapping needs.
struct PreparedPolicy {
  PolicyObject policy;
  ModuleBtf kernel;
  // With snapshot_pin: the pinned link as it was before the policy was
  // loaded, the "compare" half of the compare-and-swap (else left absent).
  PinnedLink pin;
};
Result<PreparedPolicy> prepare_policy(const Context& ctx, const std::string& name_or_path,
                                      const std::vector<std::string>& knob_settings,
                                      bool snapshot_pin = false);

// What an attach or swap left, for a caller that holds the policy on
// probation: the link and both maps.
struct Attached {
  Outcome outcome;
  std::string name;      // the new policy's
  std::string old_name;  // swapped only: the replaced policy's
  bool swapped = false;  // false: a first attach
  uint32_t link_id = 0;
  UniqueFd link_fd;
  UniqueFd map_fd;      // the new policy's map
  UniqueFd old_map_fd;  // swapped only: the replaced map, now the previous policy
};
Result<Attached> attach_or_swap(const Context& ctx, const std::string& name_or_path,
                                const std::vector<std::string>& knob_settings);

Result<Outcome> attach_policy(const Context& ctx, const std::string& name_or_path,
                              const std::vector<std::string>& knob_settings);
Result<Outcome> verify_policy(const Context& ctx, const std::string& name_or_path,
                              const std::vector<std::string>& knob_settings);
Result<Outcome> detach_policy(const Context& ctx);
Result<Outcome> restore_policy(const Context& ctx);
// Records the policy (made absolute when it is a path) and its knob
// settings in the config.
Result<Outcome> save_policy(const Context& ctx, const std::string& name_or_path,
                            const std::vector<std::string>& knob_settings);
Result<Outcome> list_policies(const Context& ctx);
// modprobe bpf_testmod; what the postinst runs, so that a refusal by
// Secure Boot or lockdown is explained where the administrator looks.
Result<Outcome> load_module();

// --sign: write the policy's .sig with key_path and cert_path (empty: the
// pair DKMS signs modules with, as its framework.conf names it).
Result<Outcome> sign_policy_file(const Context& ctx, const std::string& name_or_path,
                                 const std::string& key_path, const std::string& cert_path);

}  // namespace structops
