#include "signing/policy_manifest.hpp"

#include <ctype.h>

#include <set>

#include <structops/bpf_testmod.h>

namespace structops {
namespace {

constexpr std::string_view kTypeLine = "type " BPF_TESTMOD_OPS_TYPE;
constexpr size_t kDigestLen = 64;  // SHA-256 in hex
// A member name's bound, ours: the ABI header has none, and a C member of
// bpf_testmod_ops is far shorter.  The grammar only needs one.
constexpr size_t kMemberMax = 63;

bool is_policy_name(std::string_view s) {
  if (s.empty() || s.size() >= BPF_TESTMOD_TRUST_POLICY_LEN)
    return false;
  for (char c : s)
    if (!(isascii(c) && (isalnum(c) || c == '_' || c == '.' || c == '-')))
      return false;
  return true;
}

bool is_member_name(std::string_view s) {
  if (s.empty() || s.size() > kMemberMax || isdigit(static_cast<unsigned char>(s[0])))
    return false;
  for (char c : s)
    if (!(isascii(c) && (isalnum(c) || c == '_')))
      return false;
  return true;
}

bool is_digest(std::string_view s) {
  if (s.size() != kDigestLen)
    return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
      return false;
  return true;
}

Error bad(size_t line, const std::string& why) {
  return make_error(ErrorKind::invalid_policy,
                    "signed manifest, line " + std::to_string(line) + ": " + why);
}

}  // namespace

Result<std::string> make_manifest(const std::string& policy,
                                  const std::vector<ProgramDigest>& digests) {
  if (!is_policy_name(policy))
    return make_error(ErrorKind::invalid_policy,
                      "policy name '" + policy +
                          "' cannot be signed: a signed policy's name is 1 to " +
                          std::to_string(BPF_TESTMOD_TRUST_POLICY_LEN - 1) +
                          " of A-Z a-z 0-9 _ . - (rename the object file)");
  if (digests.empty() || digests.size() > BPF_TESTMOD_TRUST_MAX_PROGS)
    return make_error(ErrorKind::invalid_policy,
                      "policy '" + policy + "': a signature names 1 to " +
                          std::to_string(BPF_TESTMOD_TRUST_MAX_PROGS) + " programs, not " +
                          std::to_string(digests.size()));
  std::string text = BPF_TESTMOD_MANIFEST_MAGIC "\n";
  text += std::string(kTypeLine) + "\n";
  text += "policy " + policy + "\n";
  for (const ProgramDigest& d : digests) {
    if (!is_member_name(d.member) || !is_digest(d.sha256))
      return make_error(ErrorKind::invalid_policy, "policy '" + policy + "': member '" + d.member +
                                                       "' or its digest '" + d.sha256 +
                                                       "' cannot be written into a manifest");
    text += "prog " + d.member + " " + d.sha256 + "\n";
  }
  return text;
}

Result<Manifest> parse_manifest(std::string_view text) {
  if (text.size() > BPF_TESTMOD_TRUST_MAX)
    return make_error(ErrorKind::invalid_policy,
                      "signed manifest is " + std::to_string(text.size()) + " bytes, more than " +
                          std::to_string(BPF_TESTMOD_TRUST_MAX));
  if (text.empty() || text.back() != '\n')
    return make_error(ErrorKind::invalid_policy, "signed manifest does not end with a newline");

  Manifest m;
  std::set<std::string, std::less<>> members;
  size_t line_no = 0;
  for (size_t pos = 0; pos < text.size();) {
    const size_t eol = text.find('\n', pos);  // found: text ends with '\n'
    const std::string_view line = text.substr(pos, eol - pos);
    pos = eol + 1;
    line_no++;
    if (line_no == 1) {
      if (line != BPF_TESTMOD_MANIFEST_MAGIC)
        return bad(line_no, "expected \"" BPF_TESTMOD_MANIFEST_MAGIC "\"");
    } else if (line_no == 2) {
      if (line != kTypeLine)
        return bad(line_no, "expected \"" + std::string(kTypeLine) + "\"");
    } else if (line_no == 3) {
      constexpr std::string_view kPolicy = "policy ";
      if (line.substr(0, kPolicy.size()) != kPolicy || !is_policy_name(line.substr(kPolicy.size())))
        return bad(line_no, "expected \"policy NAME\" (1 to " +
                                std::to_string(BPF_TESTMOD_TRUST_POLICY_LEN - 1) +
                                " of A-Z a-z 0-9 _ . -)");
      m.policy = line.substr(kPolicy.size());
    } else {
      constexpr std::string_view kProg = "prog ";
      const size_t space = line.find(' ', kProg.size());
      if (line.substr(0, kProg.size()) != kProg || space == std::string_view::npos)
        return bad(line_no, "expected \"prog MEMBER DIGEST\"");
      const std::string_view member = line.substr(kProg.size(), space - kProg.size());
      const std::string_view digest = line.substr(space + 1);
      if (!is_member_name(member))
        return bad(line_no, "member is not a C identifier of at most " +
                                std::to_string(kMemberMax) + " characters");
      if (!is_digest(digest))
        return bad(line_no, "digest is not 64 lowercase hex digits");
      if (m.programs.size() == BPF_TESTMOD_TRUST_MAX_PROGS)
        return bad(line_no,
                   "more than " + std::to_string(BPF_TESTMOD_TRUST_MAX_PROGS) + " programs");
      if (!members.emplace(member).second)
        return bad(line_no, "member " + std::string(member) + " is listed twice");
      m.programs.push_back({std::string(member), std::string(digest)});
    }
  }
  if (m.programs.empty())
    return make_error(ErrorKind::invalid_policy, "signed manifest names no program");
  return m;
}

std::string first_difference(const Manifest& signed_manifest, const Manifest& computed) {
  const auto& a = signed_manifest.programs;
  const auto& b = computed.programs;
  for (size_t i = 0; i < a.size() || i < b.size(); i++) {
    if (i >= a.size())
      return b[i].member;
    if (i >= b.size() || a[i].member != b[i].member || a[i].digest != b[i].digest)
      return a[i].member;
  }
  return {};
}

}  // namespace structops
