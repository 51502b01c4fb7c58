// Signing a policy and reading a signature back.  The signature file
// POLICY.bpf.o.sig is a DER CMS SignedData carrying the manifest
// (policy_manifest.hpp) attached, SHA-256, one SignerInfo identified by the
// signer's subject key identifier, no certificates, no signed attributes:
// what the module hands to verify_pkcs7_signature() and then walks for the
// signer (docs/design/signed-policies.md, "Signature file").
//
// Nothing here decides trust: the kernel does, against its keyrings.
// Reading is for --verify and --status ("signed by <skid>, content
// matches").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/error.hpp"

namespace structops {

// The .sig next to a policy object.
std::string signature_path(const std::string& object_path);

// The DER CMS over `manifest`, signed with the PEM private key at key_path
// and the certificate (PEM or DER, like sign-file's read_x509: DKMS's
// mok.pub is DER) at cert_path.  An unreadable key or certificate is one
// line naming the file and what to do; a certificate without a subject key
// identifier is refused (the signature could not name its signer).
Result<std::vector<uint8_t>> sign_manifest(const std::string& manifest, const std::string& key_path,
                                           const std::string& cert_path);

// Computes the policy's digests, builds its manifest (name: the file name
// without .bpf.o), signs it and writes signature_path(object_path)
// atomically, mode 0644.
Result<void> sign_policy(const std::string& object_path, const std::string& key_path,
                         const std::string& cert_path);

struct SignatureInfo {
  std::string manifest;     // the attached content, as signed (not verified here)
  std::string signer_skid;  // the SignerInfo's subject key identifier, lowercase hex
};

// A signature as the module would parse it: at most BPF_TESTMOD_TRUST_MAX
// bytes (checked before reading it all), SignedData over pkcs7-data with
// the content attached, exactly one SignerInfo identified by key id, no
// certificates.  Anything else is invalid_policy.
Result<SignatureInfo> parse_signature(const std::vector<uint8_t>& der);
Result<SignatureInfo> read_signature(const std::string& sig_path);

// A certificate's (PEM or DER) subject key identifier in lowercase hex,
// as /proc/keys and mokutil show it: which enrolled key signed a policy.
Result<std::string> certificate_skid(const std::string& cert_path);

}  // namespace structops
