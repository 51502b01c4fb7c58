// The check every booted-kernel test makes after attaching, swapping or
// detaching: one trigger, answered wholly by the policy expected.
#pragma once

#include <string>

#include <gtest/gtest.h>

#include "expected.hpp"
#include "module_files.hpp"

namespace structops::test {

// Triggers "Hello" (test_1, test_2(10, 20), test_3("Hello", 5)): the
// module must report p attached and record p's three answers, and which of
// them the built-in code gave (all three with no policy; test_2 and test_3
// for a policy that leaves them out).
inline void expect_answering(const PolicyAnswers& p) {
  ASSERT_EQ(trigger("Hello"), 0);
  Status s = read_status();
  EXPECT_EQ(s["policy"], p.name);
  EXPECT_EQ(s["last_policy"], p.name);
  EXPECT_EQ(s["last_test_1"], std::to_string(p.test_1));
  EXPECT_EQ(s["last_test_2"], std::to_string(p.test_2));
  EXPECT_EQ(s["last_test_3"], std::to_string(p.test_3_hello));
  const char* builtin = p.name == builtin_answers().name ? "test_1 test_2 test_3"
                        : p.fallback_2_3                 ? "test_2 test_3"
                                                         : "none";
  EXPECT_EQ(s["last_builtin"], builtin);
}

// The same by name: a shipped policy, or "none" for the built-in code.
inline void expect_answering(const std::string& policy) {
  expect_answering(policy == "none" ? builtin_answers() : shipped_policy(policy));
}

}  // namespace structops::test
