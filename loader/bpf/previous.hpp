// The previous policy: after a swap, the replaced policy's struct_ops map
// stays loaded and READY, pinned next to the link, so that a rollback is
// one BPF_LINK_UPDATE.  A struct_ops map keeps its programs (the kernel
// holds them through the map's value), so the pinned map is all it takes.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "bpf/link_manager.hpp"
#include "common/error.hpp"
#include "common/unique_fd.hpp"

namespace structops {

// <dir of the link pin>/previous; bpffs refuses names with dots.
std::string previous_pin_path(const std::string& link_pin_path);
// Where a new previous is pinned before it is renamed over the old one.
std::string previous_next_pin_path(const std::string& link_pin_path);

enum class PreviousState {
  absent,  // nothing pinned: a first attach keeps none
  ready,   // a READY bpf_testmod_ops map of the running module instance
  stale,   // something else: discard it, never hand it to the kernel
};

struct PreviousPolicy {
  PreviousState state = PreviousState::absent;
  std::string stale_reason;
  UniqueFd map_fd;  // ready only
  uint32_t map_id = 0;
};

// Opens and classifies the pin at path.  want is the running module's
// struct_ops type (the attached map's, or from its BTF); zeros skip that
// check.
Result<PreviousPolicy> open_previous(const std::string& path, const StructOpsType& want);

// The previous policy as the last committed swap left it.  A swap pins
// the map it replaces at previous_next before its link update and renames
// it over previous after: a loader killed in between leaves previous_next
// holding the real previous (it differs from the attached map) or, killed
// before the update, a stale intent (it is the attached map).  So:
// previous_next when it is ready and not attached_map_id, else previous.
// Read-only; settle_previous() tidies the pins up.
Result<PreviousPolicy> open_effective_previous(const std::string& link_pin_path,
                                               const StructOpsType& want,
                                               uint32_t attached_map_id);

// Under the pin lock: promotes a previous_next left by a killed loader, or
// removes it if it is the attached map; removes a previous that is the
// attached map (rolling back to itself is no rollback).  Nothing attached
// through the pin: nothing to do.
Result<void> settle_previous(const std::string& link_pin_path);

// Makes map_fd the previous policy: pinned under the temporary name, then
// renamed over the old previous, so a loader killed at any point leaves
// the old previous, the new one, or (only if bpffs cannot rename) none.
Result<void> pin_previous(int map_fd, const std::string& link_pin_path);

// Removes the previous policy's pins (both names); absent is fine.
Result<void> remove_previous(const std::string& link_pin_path);

// The commit of a swap or rollback, under the pin lock: the pins settled,
// old_map_fd pinned at previous_next (the intent), the compare-and-swap
// link update from old_map_fd to new_map_fd (a lost race is a `busy`
// error and changes nothing but removing the intent), then previous_next
// renamed over previous.  Failing to keep the previous does not undo the
// swap: it is reported in note.
struct Committed {
  std::chrono::nanoseconds elapsed{0};  // the link update alone
  std::string note;
};
Result<Committed> swap_keeping_previous(int link_fd, int new_map_fd, int old_map_fd,
                                        const std::string& link_pin_path);

}  // namespace structops
