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
  // Triggers "Hello" (test_1, test_2(10, 20), test_3("Hello", 5)): the
  // module must report p attached and record p's three answers.
  static void expect_answering(const PolicyAnswers& p) {
    ASSERT_EQ(trigger("Hello"), 0);
    Status s = read_status();
    EXPECT_EQ(s["policy"], p.name);
    EXPECT_EQ(s["last_policy"], p.name);
    EXPECT_EQ(s["last_test_1"], std::to_string(p.test_1));
    EXPECT_EQ(s["last_test_2"], std::to_string(p.test_2));
    EXPECT_EQ(s["last_test_3"], std::to_string(p.test_3_hello));
  }
  static void expect_answering(const std::string& policy) {
    expect_answering(shipped_policy(policy));
  }
};

}  // namespace structops::test
