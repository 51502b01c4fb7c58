#include "system/key_value.hpp"

#include <gtest/gtest.h>

namespace structops {
namespace {

TEST(KeyValue, ParsesKeyValueLinesInOrder) {
  auto f = parse_key_values(
      "policy: default\n"
      "triggers: 3\n"
      "last_policy: (unnamed)\n"
      "garbage line\n"
      "last_test_3:   21  \n");
  ASSERT_EQ(f.size(), 4u);
  EXPECT_EQ(f[0], (std::pair<std::string, std::string>{"policy", "default"}));
  EXPECT_EQ(*find_value(f, "triggers"), "3");
  EXPECT_EQ(*find_value(f, "last_policy"), "(unnamed)");
  EXPECT_EQ(*find_value(f, "last_test_3"), "21");
  EXPECT_FALSE(find_value(f, "swaps"));
}

}  // namespace
}  // namespace structops
