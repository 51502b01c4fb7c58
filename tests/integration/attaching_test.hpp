// The fixture steps the loader and rollback tests share: attach a shipped
// policy through the loader, and check that it answers a trigger.
#pragma once

#include <string>

#include <gtest/gtest.h>

#include "expected.hpp"
#include "harness.hpp"

namespace structops::test {

class AttachingTest : public ::testing::Test {
 protected:
  static void attach(const std::string& policy) {
    RunResult r = loader({"--policy", policy});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  }
  // Triggers "Hello": the module must report policy attached and its
  // record must be policy's answer.
  static void expect_answering(const std::string& policy) {
    ASSERT_EQ(trigger("Hello"), 0);
    Status s = read_status();
    EXPECT_EQ(s["policy"], policy);
    EXPECT_EQ(s["last_policy"], policy);
    EXPECT_EQ(s["last_test_1"], std::to_string(shipped_policy(policy).test_1));
  }
};

}  // namespace structops::test
