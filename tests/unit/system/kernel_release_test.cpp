#include "system/kernel_release.hpp"

#include <gtest/gtest.h>

namespace structops {
namespace {

TEST(KernelRelease, ComparesMajorAndMinor) {
  EXPECT_TRUE(kernel_at_least("6.12.95+deb12-amd64", 6, 9));
  EXPECT_TRUE(kernel_at_least("6.9.0", 6, 9));
  EXPECT_TRUE(kernel_at_least("7.0", 6, 9));
  EXPECT_FALSE(kernel_at_least("6.1.0-28-amd64", 6, 9));
  EXPECT_FALSE(kernel_at_least("5.15.0", 6, 9));
  EXPECT_TRUE(kernel_at_least("weird", 6, 9));
}

}  // namespace
}  // namespace structops
