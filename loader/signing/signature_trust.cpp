#include "signing/signature_trust.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include <structops/bpf_testmod.h>

#include "common/unique_fd.hpp"
#include "signing/policy_digest.hpp"
#include "signing/policy_manifest.hpp"
#include "signing/policy_signature.hpp"

namespace structops {
namespace fs = std::filesystem;
namespace {

const std::string kParams = std::string("/sys/module/") + BPF_TESTMOD_MODULE_NAME + "/parameters/";

bool read_line(const std::string& path, std::string* out) {
  std::ifstream in(path);
  if (!in || !std::getline(in, *out))
    return false;
  return true;
}

std::string base_name(const std::string& path) {
  return fs::path(path).filename().string();
}

// The computed manifest of a policy, for comparison with a signed one.
Result<Manifest> computed_manifest(const std::string& object_path) {
  auto digests = compute_policy_digests(object_path);
  if (!digests)
    return std::move(digests).error();
  Manifest m;
  for (const ProgramDigest& d : *digests)
    m.programs.push_back({d.member, d.sha256});
  return m;
}

}  // namespace

Enforcement read_enforcement() {
  Enforcement e;
  std::string v;
  if (!read_line(kParams + "require_signed_policies", &v))
    return e;
  e.known = true;
  e.required = v == "Y" || v == "1";
  if (read_line(kParams + "policy_signer", &v))
    e.pinned_signer = v;
  return e;
}

std::vector<TrustedProgram> parse_trusted_programs(const std::string& text) {
  std::vector<TrustedProgram> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    TrustedProgram t;
    std::string signer, policy;
    if (!(words >> t.member >> t.digest >> signer >> policy) ||
        signer.rfind("signer=", 0) != 0 || policy.rfind("policy=", 0) != 0)
      continue;
    t.signer = signer.substr(7);
    t.policy = policy.substr(7);
    out.push_back(std::move(t));
  }
  return out;
}

Result<std::vector<TrustedProgram>> read_trusted_programs() {
  std::ifstream in(BPF_TESTMOD_TRUST_PATH);
  if (!in)
    return errno_error(errno, std::string("cannot read ") + BPF_TESTMOD_TRUST_PATH);
  std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  return parse_trusted_programs(text);
}

PolicyTrust policy_trust(const std::string& object_path,
                         const std::vector<TrustedProgram>& trusted,
                         const std::string& pinned_signer) {
  PolicyTrust r;
  auto digests = compute_policy_digests(object_path);
  if (!digests) {
    r.untrusted = digests.error().message;
    return r;
  }
  for (const ProgramDigest& d : *digests) {
    const TrustedProgram* found = nullptr;
    for (const TrustedProgram& t : trusted)
      if (t.member == d.member && t.digest == d.sha256 &&
          (pinned_signer.empty() || t.signer == pinned_signer)) {
        found = &t;
        break;
      }
    if (!found) {
      r.untrusted = d.member;
      r.signer.clear();
      return r;
    }
    if (r.signer.empty())
      r.signer = found->signer;
  }
  r.trusted = true;
  return r;
}

std::string trust_write_refusal(int err) {
  switch (err) {
    case ENOKEY:
      return "it is signed by a key the kernel does not trust (enrol the key with mokutil "
             "--import, or sign with an enrolled one)";
    case EKEYREJECTED:
      return "the signature does not match its content, or its key is not the pinned "
             "policy_signer";
    case EFBIG:
      return "it is larger than " + std::to_string(BPF_TESTMOD_TRUST_MAX) + " bytes";
    case ENOSPC:
      return "the module's trusted set is full (reload the module)";
    case ENOPKG:
      return "this kernel does not support its signature algorithm";
    case EBADMSG:
    case EINVAL:
      return "it is malformed, or its content is not a bpf_testmod_ops manifest";
    default:
      return std::strerror(err);
  }
}

Result<std::string> present_signature(const std::string& object_path,
                                      const Enforcement& enforcement) {
  const std::string sig_path = signature_path(object_path);
  const std::string policy = base_name(object_path);
  // Without enforcement a problem is a note; with it, the one-line error.
  auto problem = [&](const std::string& what) -> Result<std::string> {
    if (enforcement.required)
      return make_error(ErrorKind::invalid_policy, what);
    return "note: " + what + "; loading it anyway (require_signed_policies is off)";
  };
  std::error_code ec;
  // No signature: its programs may be trusted already (the same code
  // signed under another name); the kernel decides and the load explains.
  if (!fs::exists(sig_path, ec))
    return std::string();
  // A module from before signed policies (an upgrade not yet reloaded)
  // enforces nothing and takes no signature.
  if (!enforcement.known)
    return std::string();
  auto sig = read_signature(sig_path);
  if (!sig)
    return problem(sig.error().message);
  auto signed_manifest = parse_manifest(sig->manifest);
  if (!signed_manifest)
    return problem(sig_path + ": " + signed_manifest.error().message);
  auto computed = computed_manifest(object_path);
  if (!computed)
    return problem(computed.error().message);
  if (std::string member = first_difference(*signed_manifest, *computed); !member.empty())
    return problem(sig_path + " does not sign " + policy + ": its " + member +
                   " differs (signed for policy '" + signed_manifest->policy +
                   "'; was the policy changed after signing?); sign it again with "
                   "structops-load --sign");
  // One write carries the whole signature, as the module requires.
  std::ifstream in(sig_path, std::ios::binary);
  std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  UniqueFd fd(::open(BPF_TESTMOD_TRUST_PATH, O_WRONLY | O_CLOEXEC));
  if (!fd)
    return problem(std::string("cannot open ") + BPF_TESTMOD_TRUST_PATH + ": " +
                   std::strerror(errno));
  ssize_t n = ::write(fd.get(), bytes.data(), bytes.size());
  if (n != static_cast<ssize_t>(bytes.size()))
    return problem("bpf_testmod refused " + sig_path + ": " +
                   trust_write_refusal(n < 0 ? errno : EIO));
  return std::string();
}

}  // namespace structops
