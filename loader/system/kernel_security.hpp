// What the running kernel's security state allows: UEFI Secure Boot, the
// lockdown LSM's mode and the module's signer.  Read from the files the
// kernel and firmware publish; every reader answers "" (unknown) rather
// than guessing when its file is absent (securityfs or efivarfs not
// mounted, a kernel without the lockdown LSM, a BIOS machine).
#pragma once

#include <string>

namespace structops {

// "none", "integrity" or "confidentiality": the bracketed word of
// /sys/kernel/security/lockdown; "" when unknown.
std::string lockdown_mode();
std::string parse_lockdown(const std::string& text);

// "enabled" or "disabled" from the firmware's SecureBoot variable
// (efivarfs), "" when unknown (not an EFI boot, efivarfs not mounted).
std::string secure_boot_state();

}  // namespace structops
