// The fuzzer's reference model against hand-checked cases: the model is the
// oracle the booted-kernel fuzzer trusts, so it gets its own unit test.
#include <gtest/gtest.h>

#include <climits>

#include "trigger_model.hpp"

namespace structops::test {
namespace {

TriggerKind kind(const std::string& bytes) { return model_trigger(bytes).kind; }

TEST(TriggerModel, LengthAndNulRules) {
  EXPECT_EQ(kind(""), TriggerKind::nothing);
  EXPECT_EQ(kind("\n"), TriggerKind::sequence);  // empty payload
  EXPECT_EQ(model_trigger("\n").text_len, 0u);
  EXPECT_EQ(kind(std::string(255, 'x')), TriggerKind::sequence);
  EXPECT_EQ(kind(std::string(255, 'x') + "\n"), TriggerKind::sequence);
  EXPECT_EQ(kind(std::string(256, 'x')), TriggerKind::rejected);
  EXPECT_EQ(kind(std::string(256, 'x') + "\n"), TriggerKind::rejected);
  EXPECT_EQ(kind(std::string(4096, 'x')), TriggerKind::rejected);
  EXPECT_EQ(kind(std::string("a\0b", 3)), TriggerKind::rejected);
  EXPECT_EQ(kind(std::string("\0", 1)), TriggerKind::rejected);
  EXPECT_EQ(kind(std::string("ab\0\n", 4)), TriggerKind::rejected);
  EXPECT_EQ(kind("Hello\n\n"), TriggerKind::sequence);  // only one '\n' goes
  EXPECT_EQ(model_trigger("Hello\n\n").text_len, 6u);
}

TEST(TriggerModel, Test1TakesNoArguments) {
  EXPECT_EQ(kind("test_1"), TriggerKind::test_1);
  EXPECT_EQ(kind("test_1\n"), TriggerKind::test_1);
  EXPECT_EQ(kind("test_1 "), TriggerKind::rejected);
  EXPECT_EQ(kind("test_1 5"), TriggerKind::rejected);
  EXPECT_EQ(kind("test_1x"), TriggerKind::sequence);
  EXPECT_EQ(kind("test_1\n\n"), TriggerKind::sequence);
  EXPECT_EQ(kind("Test_1"), TriggerKind::sequence);
}

TEST(TriggerModel, Test2TakesTwoDecimalInts) {
  TriggerExpectation e = model_trigger("test_2 -2147483648 2147483647\n");
  EXPECT_EQ(e.kind, TriggerKind::test_2);
  EXPECT_EQ(e.a, INT_MIN);
  EXPECT_EQ(e.b, INT_MAX);
  e = model_trigger("test_2 +7 -0007");
  EXPECT_EQ(e.kind, TriggerKind::test_2);
  EXPECT_EQ(e.a, 7);
  EXPECT_EQ(e.b, -7);
  for (const char* bad :
       {"test_2", "test_2 ", "test_2 1", "test_2 1 ", "test_2 1 2 ", "test_2  1 2", "test_2 1  2",
        "test_2 1 2 3", "test_2 2147483648 0", "test_2 0 -2147483649", "test_2 0x10 1",
        "test_2 1e3 1", "test_2 +-1 1", "test_2 -+1 1", "test_2 - 1", "test_2 + 1", "test_2 1\t2",
        "test_2 1\n 2", "test_2 a b", "test_2 99999999999999999999 1", "test_2 1 2\n\n"})
    EXPECT_EQ(kind(bad), TriggerKind::rejected) << bad;
  EXPECT_EQ(kind("test_2x 1 2"), TriggerKind::sequence);
  EXPECT_EQ(model_trigger("test_2 00000000000000000001 0").a, 1);
}

TEST(TriggerModel, Test3NeedsItsSpace) {
  EXPECT_EQ(kind("test_3"), TriggerKind::rejected);
  EXPECT_EQ(kind("test_3\n"), TriggerKind::rejected);
  EXPECT_EQ(kind("test_3 "), TriggerKind::test_3);
  EXPECT_EQ(model_trigger("test_3 ").text_len, 0u);
  EXPECT_EQ(model_trigger("test_3 Hello world\n").text_len, 11u);
  EXPECT_EQ(kind("test_3x"), TriggerKind::sequence);
}

TEST(TriggerModel, BenchCanCallTheBuiltInCodeThroughACOpsTable) {
  TriggerExpectation e = model_trigger("bench ctable test_1 5");
  EXPECT_EQ(e.kind, TriggerKind::bench);
  EXPECT_TRUE(e.bench_ctable);
  EXPECT_FALSE(e.bench_builtin);
  EXPECT_EQ(e.bench_member, 1);
  for (const char* bad : {"bench ctable test_3 5", "bench builtin ctable test_1 5",
                          "bench ctable builtin test_1 5", "bench ctable 5"})
    EXPECT_EQ(model_trigger(bad).kind, TriggerKind::rejected) << bad;
}

TEST(TriggerModel, BenchBoundsItsCallCount) {
  TriggerExpectation e = model_trigger("bench builtin test_2 100000000");
  EXPECT_EQ(e.kind, TriggerKind::bench);
  EXPECT_TRUE(e.bench_builtin);
  EXPECT_EQ(e.bench_member, 2);
  EXPECT_EQ(e.bench_calls, 100000000u);
  EXPECT_EQ(model_trigger("bench test_1 0001").bench_calls, 1u);
  for (const char* bad :
       {"bench", "bench ", "bench test_1", "bench test_1 ", "bench test_1 0", "bench test_1 100000001",
        "bench test_1 4294967296", "bench test_3 5", "bench builtin", "bench builtin 5",
        "bench builtin builtin test_1 5", "bench  test_1 5", "bench test_1 +5", "bench test_1 5 6",
        "bench test_1 0x5"})
    EXPECT_EQ(kind(bad), TriggerKind::rejected) << bad;
  EXPECT_EQ(kind("benchmark"), TriggerKind::sequence);
}

TEST(TriggerModel, PolicyAnswers) {
  EXPECT_EQ(policy_model("none").test_2(INT_MAX, 1), INT_MIN);
  EXPECT_EQ(policy_model("saturate").test_2(INT_MAX, 1), INT_MAX);
  EXPECT_EQ(policy_model("scale").test_2(10, 20), 60);
  EXPECT_EQ(policy_model("scale").test_3(5), 10);
  EXPECT_FALSE(policy_model("partial").has_test_2);
}

}  // namespace
}  // namespace structops::test
