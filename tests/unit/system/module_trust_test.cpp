#include "system/module_trust.hpp"

#include <gtest/gtest.h>

#include "system/kernel_security.hpp"

namespace structops {
namespace {

TEST(DkmsCertificate, DefaultWhenNoFileSetsIt) {
  EXPECT_EQ(dkms_certificate_path({}), "/var/lib/dkms/mok.pub");
  EXPECT_EQ(dkms_certificate_path({"# mok_certificate=/x/commented.pub\nsign_file=/y\n"}),
            "/var/lib/dkms/mok.pub");
}

TEST(DkmsCertificate, LastSettingWinsAcrossFilesInDkmsOrder) {
  EXPECT_EQ(
      dkms_certificate_path({"mok_certificate=/etc/a.der\n", "  mok_certificate=\"/etc/b.der\"  \n",
                             "mok_signing_key=/etc/c.key\n"}),
      "/etc/b.der");
  EXPECT_EQ(dkms_certificate_path({"mok_certificate='/srv/k.pub'\n"}), "/srv/k.pub");
}

TEST(MokutilTestKey, EachAnswerMeansItsState) {
  EXPECT_EQ(parse_test_key(0, "/var/lib/dkms/mok.pub is already enrolled"), Enrolment::enrolled);
  EXPECT_EQ(parse_test_key(0, "/var/lib/dkms/mok.pub is already in the enrollment request"),
            Enrolment::pending);
  EXPECT_EQ(parse_test_key(1, "/var/lib/dkms/mok.pub is not enrolled"), Enrolment::not_enrolled);
  EXPECT_EQ(parse_test_key(127, "cannot run mokutil: No such file or directory"),
            Enrolment::no_mokutil);
  EXPECT_EQ(parse_test_key(255, "EFI variables are not supported on this system"),
            Enrolment::unknown);
}

TEST(ModprobeOutput, SignatureAndLockdownRefusalsAreTold) {
  EXPECT_EQ(classify_modprobe_output(
                "modprobe: ERROR: could not insert 'bpf_testmod': Key was rejected by service"),
            Refusal::key_rejected);
  EXPECT_EQ(classify_modprobe_output(
                "modprobe: ERROR: could not insert 'bpf_testmod': Required key not available"),
            Refusal::key_rejected);
  EXPECT_EQ(classify_modprobe_output(
                "modprobe: ERROR: could not insert 'bpf_testmod': Operation not permitted"),
            Refusal::not_permitted);
  EXPECT_EQ(classify_modprobe_output("modprobe: FATAL: Module bpf_testmod not found"),
            Refusal::none);
}

ModuleTrust refused() {
  ModuleTrust t;
  t.refusal = Refusal::key_rejected;
  t.secure_boot = "enabled";
  t.lockdown = "integrity";
  t.signer = "DKMS module signing key";
  t.certificate = "/var/lib/dkms/mok.pub";
  t.certificate_exists = true;
  t.enrolment = Enrolment::not_enrolled;
  return t;
}

TEST(Refusal, NotEnrolledNamesSecureBootSignerAndTheImportCommand) {
  EXPECT_EQ(explain_refusal(refused()),
            "UEFI Secure Boot refused bpf_testmod: it is signed by 'DKMS module signing key', "
            "whose certificate /var/lib/dkms/mok.pub is not enrolled: run mokutil --import "
            "/var/lib/dkms/mok.pub, reboot and choose \"Enroll MOK\"");
}

TEST(Refusal, EachStateHasItsOwnAdvice) {
  ModuleTrust t = refused();
  t.enrolment = Enrolment::pending;
  EXPECT_NE(explain_refusal(t).find("imported but not yet enrolled: reboot and choose \"Enroll "
                                    "MOK\""),
            std::string::npos);
  t.enrolment = Enrolment::no_mokutil;
  EXPECT_NE(explain_refusal(t).find("mokutil is not installed"), std::string::npos);
  EXPECT_NE(explain_refusal(t).find("apt install mokutil, then mokutil --import"),
            std::string::npos);
  t.enrolment = Enrolment::enrolled;
  EXPECT_NE(explain_refusal(t).find("is enrolled"), std::string::npos);
  t.signer.clear();
  EXPECT_NE(explain_refusal(t).find("the module is not signed"), std::string::npos);
  t.certificate_exists = false;
  EXPECT_NE(explain_refusal(t).find("install openssl"), std::string::npos);
}

TEST(Refusal, TheCertificatePathIsDkmsConfiguredOne) {
  ModuleTrust t = refused();
  t.certificate = "/etc/keys/org.der";
  EXPECT_NE(explain_refusal(t).find("mokutil --import /etc/keys/org.der,"), std::string::npos);
  EXPECT_EQ(explain_refusal(t).find("/var/lib/dkms"), std::string::npos);
}

TEST(Refusal, LockdownWithoutSecureBootIsNamedAsLockdown) {
  ModuleTrust t = refused();
  t.secure_boot = "disabled";
  t.refusal = Refusal::not_permitted;
  EXPECT_EQ(explain_refusal(t).rfind("the kernel's lockdown (integrity) refused bpf_testmod: ", 0),
            0u);
}

TEST(Refusal, IsOneLine) {
  ModuleTrust t = refused();
  for (Enrolment e : {Enrolment::enrolled, Enrolment::pending, Enrolment::not_enrolled,
                      Enrolment::no_mokutil, Enrolment::unknown}) {
    t.enrolment = e;
    EXPECT_EQ(explain_refusal(t).find('\n'), std::string::npos);
  }
}

TEST(Lockdown, TheBracketedModeIsTheActiveOne) {
  EXPECT_EQ(parse_lockdown("none [integrity] confidentiality\n"), "integrity");
  EXPECT_EQ(parse_lockdown("[none] integrity confidentiality\n"), "none");
  EXPECT_EQ(parse_lockdown("none integrity [confidentiality]\n"), "confidentiality");
  EXPECT_EQ(parse_lockdown(""), "");
}

}  // namespace
}  // namespace structops
