#include "system/module_trust.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include <structops/bpf_testmod.h>

#include "system/kernel_security.hpp"
#include "system/run_command.hpp"

namespace structops {
namespace fs = std::filesystem;
namespace {

constexpr const char* kFrameworkConf = "/etc/dkms/framework.conf";
constexpr const char* kFrameworkConfDir = "/etc/dkms/framework.conf.d";

std::string slurp(const fs::path& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string unquote(std::string v) {
  size_t end = v.find_last_not_of(" \t\r");
  v.resize(end == std::string::npos ? 0 : end + 1);
  if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front())
    v = v.substr(1, v.size() - 2);
  return v;
}

bool contains(const std::string& s, const char* what) {
  return s.find(what) != std::string::npos;
}

}  // namespace

namespace {

// The last `NAME=` of texts, unquoted, else fallback.
std::string last_setting(const std::vector<std::string>& texts, const std::string& name,
                         const char* fallback) {
  const std::string key = name + "=";
  std::string value;
  for (const std::string& text : texts) {
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
      size_t b = line.find_first_not_of(" \t");
      if (b == std::string::npos || line.compare(b, key.size(), key) != 0)
        continue;
      value = unquote(line.substr(b + key.size()));
    }
  }
  return value.empty() ? fallback : value;
}

// framework.conf, then its drop-ins in the order of dkms's glob.
std::vector<std::string> framework_texts() {
  std::vector<std::string> texts{slurp(kFrameworkConf)};
  std::error_code ec;
  std::vector<fs::path> drop_ins;
  for (const auto& e : fs::directory_iterator(kFrameworkConfDir, ec))
    if (e.path().extension() == ".conf")
      drop_ins.push_back(e.path());
  std::sort(drop_ins.begin(), drop_ins.end());
  for (const fs::path& p : drop_ins)
    texts.push_back(slurp(p));
  return texts;
}

}  // namespace

std::string dkms_certificate_path(const std::vector<std::string>& texts) {
  return last_setting(texts, "mok_certificate", kDkmsDefaultCertificate);
}

std::string dkms_certificate_path() {
  return dkms_certificate_path(framework_texts());
}

std::string dkms_signing_key_path(const std::vector<std::string>& texts) {
  return last_setting(texts, "mok_signing_key", kDkmsDefaultSigningKey);
}

std::string dkms_signing_key_path() {
  return dkms_signing_key_path(framework_texts());
}

Enrolment parse_test_key(int exit_status, const std::string& output) {
  if (exit_status == 127)
    return Enrolment::no_mokutil;
  // mokutil: "CERT is already enrolled", "CERT is already in the
  // enrollment request", "CERT is not enrolled".
  if (contains(output, "already in the enrollment request"))
    return Enrolment::pending;
  if (contains(output, "is already enrolled"))
    return Enrolment::enrolled;
  if (contains(output, "is not enrolled"))
    return Enrolment::not_enrolled;
  return Enrolment::unknown;
}

Refusal classify_modprobe_output(const std::string& output) {
  if (contains(output, "Key was rejected by service") ||
      contains(output, "Required key not available"))
    return Refusal::key_rejected;
  if (contains(output, "Operation not permitted"))
    return Refusal::not_permitted;
  return Refusal::none;
}

std::string explain_refusal(const ModuleTrust& t) {
  const std::string module = BPF_TESTMOD_MODULE_NAME;
  std::string who;
  if (t.secure_boot == "enabled")
    who = "UEFI Secure Boot";
  else if (!t.lockdown.empty() && t.lockdown != "none")
    who = "the kernel's lockdown (" + t.lockdown + ")";
  else
    who = "the kernel's module signature enforcement";
  const std::string& cert = t.certificate;
  const std::string enrol = "mokutil --import " + cert + ", reboot and choose \"Enroll MOK\"";

  std::string msg = who + " refused " + module + ": ";
  if (!t.module_found)
    return msg + "no " + module + " module file was found; check `dkms status bpf-testmod`";
  if (t.signer.empty()) {
    msg += "the module is not signed";
    if (!t.certificate_exists)
      return msg + " (DKMS signs only with openssl installed and had no key at " + cert +
             "): install openssl, rebuild with `dpkg-reconfigure bpf-testmod-dkms`, then " + enrol;
    return msg + "; rebuild it with `dpkg-reconfigure bpf-testmod-dkms` (DKMS signs it with " +
           cert + ") and, if that key is not enrolled yet, " + enrol;
  }
  msg += "it is signed by '" + t.signer + "'";
  if (!t.certificate_exists)
    return msg + ", but DKMS's certificate " + cert +
           " does not exist; rebuild with `dpkg-reconfigure bpf-testmod-dkms`, then " + enrol;
  switch (t.enrolment) {
    case Enrolment::enrolled:
      return msg + ", yet DKMS's certificate " + cert +
             " is enrolled: the module was signed by another key; rebuild it with "
             "`dpkg-reconfigure bpf-testmod-dkms` so DKMS signs it with " +
             cert;
    case Enrolment::pending:
      return msg + ", whose certificate " + cert +
             " is imported but not yet enrolled: reboot and choose \"Enroll MOK\" in MokManager";
    case Enrolment::not_enrolled:
      return msg + ", whose certificate " + cert + " is not enrolled: run " + enrol;
    case Enrolment::no_mokutil:
      return msg + " (DKMS's key " + cert +
             "; mokutil is not installed, so whether it is enrolled is unknown): "
             "apt install mokutil, then " +
             enrol;
    case Enrolment::unknown:
      break;
  }
  return msg + " (DKMS's key " + cert +
         "; mokutil cannot read the MOK list here): if that key is not enrolled, run " + enrol;
}

std::string module_signer(bool* found) {
  std::string out;
  int rc = run_command({"modinfo", "-F", "signer", BPF_TESTMOD_MODULE_NAME}, &out);
  *found = rc == 0;
  return rc == 0 ? out : std::string();
}

Enrolment test_key(const std::string& certificate) {
  std::string out;
  int rc = run_command({"mokutil", "--test-key", certificate}, &out);
  return parse_test_key(rc, out);
}

ModuleTrust gather_module_trust(Refusal refusal) {
  ModuleTrust t;
  t.refusal = refusal;
  t.secure_boot = secure_boot_state();
  t.lockdown = lockdown_mode();
  t.signer = module_signer(&t.module_found);
  t.certificate = dkms_certificate_path();
  std::error_code ec;
  t.certificate_exists = fs::exists(t.certificate, ec);
  if (t.certificate_exists)
    t.enrolment = test_key(t.certificate);
  return t;
}

}  // namespace structops
