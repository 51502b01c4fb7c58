// Early privilege check, so that an unprivileged attempt fails with one
// clear sentence (exit 77) instead of a libbpf EPERM halfway through.
#pragma once

#include <string>

#include "common/error.hpp"

namespace structops {

struct Privileges {
  bool bpf = false;        // CAP_BPF effective
  bool sys_admin = false;  // CAP_SYS_ADMIN effective (struct_ops programs need it)
};

Privileges current_privileges();

// `doing` completes "... needs root", e.g. "attaching a policy".
Result<void> require_bpf_privileges(const std::string& doing);

}  // namespace structops
