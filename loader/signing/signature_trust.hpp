// The module's side of signed policies, seen from user space: whether
// bpf_testmod requires signed policies (and from which signer), which
// programs it trusts, and handing it a policy's signature before the
// policy loads.  The kernel decides trust; this file only asks and
// explains (docs/design/signed-policies.md).
#pragma once

#include <string>
#include <vector>

#include "common/error.hpp"

namespace structops {

struct Enforcement {
  bool known = false;          // the module is loaded and has the parameters
  bool required = false;       // require_signed_policies
  std::string pinned_signer;   // policy_signer, "" when any trusted key may sign
};
Enforcement read_enforcement();

// One line of /proc/bpf_testmod_trust.
struct TrustedProgram {
  std::string member;
  std::string digest;
  std::string signer;
  std::string policy;
};
// "test_1 <hex> signer=<hex> policy=<name>" lines; malformed ones are skipped.
std::vector<TrustedProgram> parse_trusted_programs(const std::string& text);
Result<std::vector<TrustedProgram>> read_trusted_programs();

// Whether every callback of the policy at object_path is in the trusted set
// (with the pinned signer, if any), and by whom: "" and the signer when it
// is, else the first member that is not (or the reason no digest exists).
struct PolicyTrust {
  bool trusted = false;
  std::string signer;     // of the first program, when trusted
  std::string untrusted;  // "test_1", or why the policy cannot be digested
};
PolicyTrust policy_trust(const std::string& object_path,
                         const std::vector<TrustedProgram>& trusted,
                         const std::string& pinned_signer);

// Before loading object_path: if POLICY.bpf.o.sig exists and signs this
// policy's programs, write it to /proc/bpf_testmod_trust.  With the module
// requiring signatures, a signature that is missing, of another policy or
// refused by the kernel is an invalid_policy error in one line; without,
// such problems are returned as a note and the load goes on.
Result<std::string> present_signature(const std::string& object_path,
                                      const Enforcement& enforcement);

// What the kernel's errno from a write to the trust file means.
std::string trust_write_refusal(int err);

}  // namespace structops
