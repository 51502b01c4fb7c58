// SHA-256 (FIPS 180-4) of a byte string, for the policy digests.
//
// Not OpenSSL's: libcrypto costs about 4,200 symbol relocations (Debian
// links it with BIND_NOW) in every process that maps it, which is most of
// what --status would cost, and --status digests the attached policy.  The
// digests computed here decide nothing: the module computes its own in
// check_member and the kernel checks the signature (policy_signature.hpp);
// user space only words errors, writes manifests and shows status.  The
// unit tests check this against FIPS 180-4's examples and against
// OpenSSL's EVP_sha256 on many lengths.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace structops {

using Sha256Digest = std::array<uint8_t, 32>;

Sha256Digest sha256(const uint8_t* data, size_t size);

}  // namespace structops
