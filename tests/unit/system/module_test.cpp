#include "system/module.hpp"

#include <gtest/gtest.h>

namespace structops {
namespace {

TEST(StatusFile, ParsesKeyValueLinesInOrder) {
  auto f = parse_status(
      "policy: default\n"
      "triggers: 3\n"
      "last_policy: (unnamed)\n"
      "garbage line\n"
      "last_test_3:   21  \n");
  ASSERT_EQ(f.size(), 4u);
  EXPECT_EQ(f[0], (std::pair<std::string, std::string>{"policy", "default"}));
  EXPECT_EQ(*status_value(f, "triggers"), "3");
  EXPECT_EQ(*status_value(f, "last_policy"), "(unnamed)");
  EXPECT_EQ(*status_value(f, "last_test_3"), "21");
  EXPECT_FALSE(status_value(f, "swaps"));
}

TEST(KernelRelease, ComparesMajorAndMinor) {
  EXPECT_TRUE(kernel_at_least("6.12.95+deb12-amd64", 6, 9));
  EXPECT_TRUE(kernel_at_least("6.9.0", 6, 9));
  EXPECT_TRUE(kernel_at_least("7.0", 6, 9));
  EXPECT_FALSE(kernel_at_least("6.1.0-28-amd64", 6, 9));
  EXPECT_FALSE(kernel_at_least("5.15.0", 6, 9));
  EXPECT_TRUE(kernel_at_least("weird", 6, 9));
}

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
