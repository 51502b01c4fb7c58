// The signed content of a policy signature: which (member, digest) pairs
// the signer approves.  ASCII, one record a line, LF after every line,
// nothing else (docs/design/signed-policies.md, "Manifest"):
//
//   structops-signed-policy 1
//   type bpf_testmod_ops
//   policy NAME
//   prog MEMBER DIGEST        (1 to BPF_TESTMOD_TRUST_MAX_PROGS lines)
//
// The kernel module parses the same grammar after the signature verified;
// user space parses it for --verify and --status, as strictly.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"
#include "signing/policy_digest.hpp"

namespace structops {

struct ManifestEntry {
  std::string member;  // a C identifier, a bpf_testmod_ops member
  std::string digest;  // 64 lowercase hex digits
};

struct Manifest {
  std::string policy;  // informational: the object's file name without .bpf.o
  std::vector<ManifestEntry> programs;
};

// The manifest for the policy `policy` (1 to BPF_TESTMOD_TRUST_POLICY_LEN - 1
// bytes of [A-Za-z0-9_.-]) and its digests in member order.  A name or a
// digest list the grammar cannot carry is an invalid_policy error.
Result<std::string> make_manifest(const std::string& policy,
                                  const std::vector<ProgramDigest>& digests);

// Strict and bounded: at most BPF_TESTMOD_TRUST_MAX bytes, exact spacing,
// no CR, no blank or unknown line, no member twice, nothing after the last
// LF.  Errors are invalid_policy and name the line.
Result<Manifest> parse_manifest(std::string_view text);

// The first member whose digest differs between what a signature approves
// and what the object computes (or that only one of them has); "" when
// they name the same programs with the same digests.
std::string first_difference(const Manifest& signed_manifest, const Manifest& computed);

}  // namespace structops
