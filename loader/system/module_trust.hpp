// Why a kernel refused to load bpf_testmod for its signature, and what the
// administrator does about it: who signed the module, which certificate
// DKMS signs with (its own configuration says), and whether the firmware's
// MOK list has it, has it pending, or not (mokutil).  Gathering runs
// modinfo and mokutil; the parsing and the message are pure, unit-tested.
#pragma once

#include <string>
#include <vector>

namespace structops {

// Where DKMS keeps the certificate it signs modules with: the last
// `mok_certificate=` of /etc/dkms/framework.conf and then
// /etc/dkms/framework.conf.d/*.conf (dkms reads them in that order), else
// dkms's default.  `texts` are those files' contents in that order.
inline constexpr const char* kDkmsDefaultCertificate = "/var/lib/dkms/mok.pub";
std::string dkms_certificate_path(const std::vector<std::string>& texts);
std::string dkms_certificate_path();
// Its private key, the same way from `mok_signing_key=` (what --sign
// uses by default: the key that signs the module signs its policies).
inline constexpr const char* kDkmsDefaultSigningKey = "/var/lib/dkms/mok.key";
std::string dkms_signing_key_path(const std::vector<std::string>& texts);
std::string dkms_signing_key_path();

// What `mokutil --test-key CERT` says of CERT.
enum class Enrolment {
  enrolled,  // in MokListRT: trusted after the reboot that enrolled it
  pending,   // in MokNew: imported, waiting for the reboot and MokManager
  not_enrolled,
  no_mokutil,  // mokutil is not installed
  unknown,     // mokutil could not tell (no EFI variables, unreadable file)
};
Enrolment parse_test_key(int exit_status, const std::string& output);

// How the kernel said no, from modprobe's output (run with LC_ALL=C).
enum class Refusal {
  none,           // not a signature or lockdown refusal
  key_rejected,   // EKEYREJECTED: signature enforced, signer not trusted or unsigned
  not_permitted,  // EPERM: lockdown refuses an unsigned or untrusted module
};
Refusal classify_modprobe_output(const std::string& output);

struct ModuleTrust {
  Refusal refusal = Refusal::none;
  std::string secure_boot;   // "enabled", "disabled", "" unknown
  std::string lockdown;      // "none", "integrity", "confidentiality", "" unknown
  std::string signer;        // modinfo -F signer; "" when unsigned
  bool module_found = true;  // modinfo found the module file
  std::string certificate;   // DKMS's certificate path
  bool certificate_exists = false;
  Enrolment enrolment = Enrolment::unknown;
};

// The refusal explained in one line (no trailing newline): who refused,
// who signed the module, whether DKMS's certificate is enrolled, and the
// commands that fix it.
std::string explain_refusal(const ModuleTrust& trust);

// modinfo -F signer of the module modprobe would load ("" unsigned).
std::string module_signer(bool* found);
Enrolment test_key(const std::string& certificate);

// Everything above, for a refusal modprobe just reported.
ModuleTrust gather_module_trust(Refusal refusal);

}  // namespace structops
