#include "answers.hpp"

#include <cstdlib>

#include "expected.hpp"
#include "module_io.hpp"

namespace structops::bench {
namespace {

// The module's own answers to the probe trigger.
constexpr int kBuiltinTest1 = 0;
constexpr int kBuiltinTest2 = 10 + 20;
constexpr int kBuiltinTest3 = 5;  // strlen("Hello")

int field_int(const std::string& text, const char* key) {
  const std::string v = status_field(text, key);
  if (v.empty())
    throw BenchError(std::string("the status file has no '") + key + "'");
  return std::atoi(v.c_str());
}

}  // namespace

Record parse_record(const std::string& status_text) {
  Record r;
  r.policy = status_field(status_text, "last_policy");
  r.test_1 = field_int(status_text, "last_test_1");
  r.test_2 = field_int(status_text, "last_test_2");
  r.test_3 = field_int(status_text, "last_test_3");
  return r;
}

Answer classify(const Record& r) {
  if (r.policy == "none")
    return r.test_1 == kBuiltinTest1 && r.test_2 == kBuiltinTest2 && r.test_3 == kBuiltinTest3
               ? Answer::builtin
               : Answer::mixed;
  for (const test::PolicyAnswers& p : test::shipped_policies())
    if (p.name == r.policy)
      return r.test_1 == p.test_1 && r.test_2 == p.test_2 && r.test_3 == p.test_3_hello
                 ? Answer::policy
                 : Answer::mixed;
  return Answer::mixed;  // a name we cannot vouch for is not a clean answer
}

int policy_test_1(const std::string& name) {
  for (const test::PolicyAnswers& p : test::shipped_policies())
    if (p.name == name)
      return p.test_1;
  return kBuiltinTest1;
}

}  // namespace structops::bench
