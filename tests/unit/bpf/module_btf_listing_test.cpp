// The listing of kernel BTF objects libbpf sees while a policy loads: only
// the module's, and only with a libbpf that re-validates vmlinux per module.
#include "bpf/module_btf_listing.hpp"

#include <cerrno>

#include <gtest/gtest.h>

namespace structops {
namespace {

TEST(ModuleBtfListing, OnlyLibbpfBefore15RevalidatesVmlinuxPerModule) {
  EXPECT_TRUE(libbpf_revalidates_base_btf(0, 8));
  EXPECT_TRUE(libbpf_revalidates_base_btf(1, 1));   // bookworm
  EXPECT_TRUE(libbpf_revalidates_base_btf(1, 4));   // bookworm-backports
  EXPECT_FALSE(libbpf_revalidates_base_btf(1, 5));  // trixie
  EXPECT_FALSE(libbpf_revalidates_base_btf(1, 7));  // sid
  EXPECT_FALSE(libbpf_revalidates_base_btf(2, 0));
}

TEST(ModuleBtfListing, ListsTheModuleThenEnds) {
  uint32_t next = 0;
  ASSERT_EQ(next_listed_btf_id(57, 0, &next), 0);
  EXPECT_EQ(next, 57u);
  ASSERT_EQ(next_listed_btf_id(57, 3, &next), 0);  // vmlinux is 1, earlier modules lower
  EXPECT_EQ(next, 57u);
  errno = 0;
  EXPECT_EQ(next_listed_btf_id(57, 57, &next), -ENOENT);
  EXPECT_EQ(errno, ENOENT);  // libbpf tests errno, as after the syscall
  EXPECT_EQ(next_listed_btf_id(57, 90, &next), -ENOENT);
}

TEST(ModuleBtfListing, AMissingModuleChangesNothing) {
  EXPECT_FALSE(ModuleBtfListing::only("structops_no_such_module").active());
}

}  // namespace
}  // namespace structops
