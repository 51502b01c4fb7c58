// What a trigger's record says about who answered it.  The trigger loop
// writes "Hello" (test_1(), test_2(10, 20), test_3("Hello", 5)) and reads
// back the module's atomically written record of that one trigger; the
// policies' answers are the integration tests' table (expected.hpp).
#pragma once

#include <string>

namespace structops::bench {

inline constexpr const char* kProbePayload = "Hello";

enum class Answer {
  policy,   // a known policy, all three answers its own
  builtin,  // no policy: all three the module's built-in answers
  mixed,    // answers that no single policy (or the built-in code) gives
};

struct Record {
  std::string policy;  // last_policy
  int test_1 = 0, test_2 = 0, test_3 = 0;
};

// Parses last_policy/last_test_1..3 from status text.
Record parse_record(const std::string& status_text);

Answer classify(const Record& r);

// test_1's answer of a shipped policy: what identifies it (0: built-in).
int policy_test_1(const std::string& name);

}  // namespace structops::bench
