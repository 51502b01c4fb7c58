// The digest a signed policy is bound by: for each callback the policy's
// struct_ops map sets, the SHA-256 of the program's instructions normalised
// so that the kernel module, which sees them in check_member after libbpf
// and the verifier placed maps and kfuncs, computes the same bytes.  The
// rules are the table "The v1 rules, as built" in
// docs/design/signed-policies.md; kmod/ implements the same table.
//
// Offline: the object is opened, never loaded, so no kernel and no root
// are needed (the Debian postinst signs in a chroot).
#pragma once

#include <linux/bpf.h>

#include <cstdint>
#include <string>
#include <vector>

#include "common/error.hpp"

namespace structops {

// One callback of a policy, normalised, before hashing.
struct NormalisedProgram {
  std::string member;   // the bpf_testmod_ops member it implements ("test_1")
  std::string program;  // its BPF program name (informational, not hashed)
  std::vector<bpf_insn> insns;
};

struct ProgramDigest {
  std::string member;
  std::string program;
  std::string sha256;  // 64 lowercase hex digits
};

// In member order, one entry per function-pointer member the policy sets
// (1 to BPF_TESTMOD_TRUST_MAX_PROGS).  Anything the table refuses is an
// invalid_policy error naming the policy, the program, its member and why.
Result<std::vector<NormalisedProgram>> normalise_policy(const std::string& object_path);
Result<std::vector<ProgramDigest>> compute_policy_digests(const std::string& object_path);

// Each instruction as 8 bytes: code, dst_reg | src_reg << 4, off (LE16),
// imm (LE32), field by field so that no bitfield layout can differ from
// the kernel's.
std::vector<uint8_t> encode_insns(const std::vector<bpf_insn>& insns);

std::string sha256_hex(const std::vector<uint8_t>& bytes);
std::string lower_hex(const uint8_t* data, size_t size);

}  // namespace structops
