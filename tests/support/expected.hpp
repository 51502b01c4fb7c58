// What each shipped policy answers: the README's policy table, as data.
#pragma once

#include <climits>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

namespace structops::test {

struct PolicyAnswers {
  std::string name;
  int test_1;         // test_1()
  int test_2;         // test_2(10, 20)
  int test_2_max;     // test_2(INT_MAX, 1)
  int test_3_hello;   // test_3("Hello", 5)
  bool fallback_2_3;  // test_2/test_3 answered by the built-in code
};

// GoogleTest names a failing case by its policy, not by its bytes.
inline void PrintTo(const PolicyAnswers& p, std::ostream* os) {
  *os << p.name;
}

// scale with its default knobs (multiplier 2, offset 0).
inline const std::vector<PolicyAnswers>& shipped_policies() {
  static const std::vector<PolicyAnswers> policies = {
      {"default", 42, 30, INT_MIN, 5, false}, {"saturate", 1, 30, INT_MAX, 5, false},
      {"stats", 2, 30, INT_MIN, 5, false},    {"scale", 3, 60, INT_MAX, 10, false},
      {"partial", 4, 30, INT_MIN, 5, true},
  };
  return policies;
}

// The shipped policy of that name; throws std::runtime_error if there is none.
inline const PolicyAnswers& shipped_policy(const std::string& name) {
  for (const PolicyAnswers& p : shipped_policies())
    if (p.name == name)
      return p;
  throw std::runtime_error("no shipped policy " + name);
}

// The module's built-in code, which answers when no policy is attached (the
// status file's policy is then "none").
inline const PolicyAnswers& builtin_answers() {
  static const PolicyAnswers none = {"none", 0, 30, INT_MIN, 5, true};
  return none;
}

// The SDK example, built from the SDK header alone.
inline const PolicyAnswers& hello_policy() {
  static const PolicyAnswers hello = {"hello", 5, 20, INT_MAX, 2, false};
  return hello;
}

}  // namespace structops::test
