// --rollback: exchange the attached and the previous policy with one
// compare-and-swap BPF_LINK_UPDATE.  No object is opened, nothing is
// verified and no BTF is parsed: it costs a handful of syscalls.
#pragma once

#include "cli/commands.hpp"

namespace structops {

// No previous policy (or a stale one, which is discarded) is an
// `unavailable` error and changes nothing; losing a race against another
// swap or rollback is `busy`.
Result<Outcome> rollback_policy(const Context& ctx);

}  // namespace structops
