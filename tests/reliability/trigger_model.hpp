// An independent model of what bpf_testmod does with one write() to
// /proc/bpf_testmod_trigger, written from the module's documented rules
// rather than from its source, so that the fuzzer can tell a module bug
// from a fuzzer bug: the two must agree on every write.
#pragma once

#include <cstdint>
#include <string>

namespace structops::test {

enum class TriggerKind {
  nothing,   // a 0-byte write: returns 0, changes nothing
  rejected,  // -EINVAL, changes nothing
  sequence,  // test_1(), test_2(10, 20), test_3(payload, len)
  test_1,
  test_2,
  test_3,
  bench,  // in-kernel dispatch benchmark: bench_* fields, no trigger
};

struct TriggerExpectation {
  TriggerKind kind = TriggerKind::rejected;
  int a = 0, b = 0;      // test_2's arguments
  size_t text_len = 0;   // test_3's length (sequence: the payload's)
  int bench_member = 0;  // 1 or 2
  bool bench_builtin = false;
  bool bench_ctable = false;  // the built-in code through a C ops table
  uint32_t bench_calls = 0;
};

// The module's rules: the payload is the written bytes minus one trailing
// '\n'; more than 255 bytes or a NUL in it is EINVAL.  Verbs: "test_1"
// (no arguments), "test_2 A B" (two decimal ints, one space apart),
// "test_3 TEXT" ("test_3" alone is EINVAL), "bench [builtin|ctable] test_1|test_2 N"
// (N in 1..100000000); a malformed verb line is EINVAL, and any other
// payload runs the sequence.
TriggerExpectation model_trigger(const std::string& bytes);

// A decimal int as the module takes it: optional sign, digits, in range.
bool parse_module_int(const std::string& text, int* value);

// What each callback returns for one policy (or "none": the built-in code).
struct PolicyModel {
  std::string name;
  int test_1;
  bool has_test_2, has_test_3;  // false: the built-in code answers
  int (*test_2)(int a, int b);
  int (*test_3)(size_t len);
};

const PolicyModel& policy_model(const std::string& name);

}  // namespace structops::test
