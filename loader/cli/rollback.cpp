#include "cli/rollback.hpp"

#include "bpf/link_manager.hpp"
#include "bpf/previous.hpp"
#include "system/module.hpp"
#include "system/privileges.hpp"

namespace structops {

Result<Outcome> rollback_policy(const Context& ctx) {
  if (auto r = require_bpf_privileges("rolling back a policy"); !r)
    return std::move(r).error();
  // The snapshot, outside the lock: of two rollbacks started together both
  // see the same pair, one commits and the other's compare fails (75).
  auto pin = open_pinned_link(ctx.pin_path, 0, 0);
  if (!pin)
    return std::move(pin).error();
  if (pin->state != PinState::active)
    return make_error(ErrorKind::unavailable,
                      "no policy is attached through " + ctx.pin_path +
                          (pin->state == PinState::stale ? " (" + pin->stale_reason + ")" : "") +
                          "; nothing to roll back");
  // The attached map is of the running module instance (a map holds the
  // module): the previous one must be of the same.
  const StructOpsType want{pin->map_btf_id, pin->map_value_type_id};
  const std::string prev_path = previous_pin_path(ctx.pin_path);
  auto prev = open_effective_previous(ctx.pin_path, want, pin->map_id);
  if (!prev)
    return std::move(prev).error();
  if (prev->state == PreviousState::absent)
    return make_error(ErrorKind::unavailable, "no previous policy to roll back to (" + prev_path +
                                                  " is absent: a first attach keeps none); "
                                                  "nothing changed");
  if (prev->state == PreviousState::stale) {
    (void)remove_previous(ctx.pin_path);
    return make_error(ErrorKind::unavailable, "discarded the previous policy at " + prev_path +
                                                  ": " + prev->stale_reason + "; nothing changed");
  }
  if (prev->map_id == pin->map_id) {
    // Another loader committed between our two reads, or one was killed
    // before this version kept its intent at previous_next: settled under
    // the lock, so that the retry finds a consistent pair.
    (void)settle_previous(ctx.pin_path);
    return make_error(ErrorKind::busy, "another loader is rolling back at the same time; retry");
  }

  const std::string from = status_policy_name();
  auto committed = swap_keeping_previous(pin->link_fd.get(), prev->map_fd.get(),
                                         pin->map_fd.get(), ctx.pin_path);
  if (!committed)
    return std::move(committed).error();
  const std::string to = status_policy_name();
  Outcome out;
  if (!committed->note.empty())
    out.notes.push_back(committed->note);
  out.message = "rolled back '" + (from.empty() ? "(unknown)" : from) + "' -> '" +
                (to.empty() ? "(unknown)" : to) + "' in " +
                std::to_string((committed->elapsed.count() + 500) / 1000) + " us";
  return out;
}

}  // namespace structops
