#include "system/module_diagnosis.hpp"

#include <gtest/gtest.h>

namespace structops {
namespace {

ModuleFacts facts() {
  ModuleFacts f;
  f.kernel_release = "6.12.95+deb12-amd64";
  f.module_support = true;
  f.module_file = true;
  f.modprobe_output = "modprobe: ERROR: could not insert 'bpf_testmod': Invalid argument";
  return f;
}

TEST(ModuleDiagnosis, OldKernelComesFirst) {
  ModuleFacts f = facts();
  f.kernel_release = "6.1.0-28-amd64";
  f.module_file = false;
  Error e = diagnose_module(f);
  EXPECT_EQ(e.kind, ErrorKind::unavailable);
  EXPECT_NE(e.message.find("kernel 6.1.0-28-amd64 is older than 6.9"), std::string::npos);
}

TEST(ModuleDiagnosis, NoModuleSupport) {
  ModuleFacts f = facts();
  f.module_support = false;
  EXPECT_NE(diagnose_module(f).message.find("no loadable module support"), std::string::npos);
}

TEST(ModuleDiagnosis, NoModuleForThisKernelSuggestsDkmsStatus) {
  ModuleFacts f = facts();
  f.module_file = false;
  Error e = diagnose_module(f);
  EXPECT_NE(e.message.find("no bpf_testmod module for kernel 6.12.95+deb12-amd64"),
            std::string::npos);
  EXPECT_NE(e.message.find("dkms status"), std::string::npos);
}

TEST(ModuleDiagnosis, LoadedWithoutBtf) {
  ModuleFacts f = facts();
  f.loaded = true;
  f.btf = false;
  EXPECT_NE(diagnose_module(f).message.find("/sys/kernel/btf/bpf_testmod is missing"),
            std::string::npos);
}

TEST(ModuleDiagnosis, OtherwiseModprobesOwnWords) {
  Error e = diagnose_module(facts());
  EXPECT_NE(e.message.find("modprobe bpf_testmod failed: modprobe: ERROR"), std::string::npos);
  EXPECT_NE(e.message.find("dmesg"), std::string::npos);
}

}  // namespace
}  // namespace structops
