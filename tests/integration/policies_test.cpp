// Every policy in the booted kernel: it verifies, attaches and gives its
// documented answers, read back from /proc/bpf_testmod_status.
#include <gtest/gtest.h>

#include <climits>
#include <cstdlib>
#include <string>

#include "expected.hpp"
#include "policy_digest.hpp"
#include "harness.hpp"

namespace structops::test {
namespace {

class PolicyTest : public ::testing::TestWithParam<PolicyAnswers> {
 protected:
  void SetUp() override { ASSERT_EQ(start_clean(), 0); }
  void TearDown() override { EXPECT_EQ(detach_policy(), 0); }
};

// Attach, ask every question of the policy table, check every answer.
void expect_answers(const PolicyAnswers& p) {
  Status before = read_status();
  // The record holds only what the last trigger called (docs/DESIGN.md).
  ASSERT_EQ(trigger("test_1"), 0);
  Status s = read_status();
  EXPECT_EQ(s["policy"], p.name);
  EXPECT_EQ(s["last_policy"], p.name);
  EXPECT_EQ(s["last_test_1"], std::to_string(p.test_1));
  EXPECT_EQ(s["last_test_2"], "not called");
  ASSERT_EQ(trigger("test_2 10 20"), 0);
  s = read_status();
  EXPECT_EQ(s["last_test_1"], "not called");
  EXPECT_EQ(s["last_test_2"], std::to_string(p.test_2));
  ASSERT_EQ(trigger("test_2 " + std::to_string(INT_MAX) + " 1"), 0);
  EXPECT_EQ(read_status()["last_test_2"], std::to_string(p.test_2_max));
  ASSERT_EQ(trigger("test_3 Hello"), 0);
  s = read_status();
  EXPECT_EQ(s["last_test_3"], std::to_string(p.test_3_hello));
  EXPECT_EQ(status_number(s, "no_policy_triggers"), status_number(before, "no_policy_triggers"));
  // partial leaves test_2 and test_3 to the module: 3 of the 4 calls above.
  EXPECT_EQ(status_number(s, "fallback_calls") - status_number(before, "fallback_calls"),
            p.fallback_2_3 ? 3 : 0);
}

TEST_P(PolicyTest, VerifiesAttachesAndAnswersAsDocumented) {
  const PolicyAnswers& p = GetParam();
  RunResult verify = loader({"--verify", p.name});
  ASSERT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  // The module's digest of the last program it checked is the one
  // structops-load --sign computes offline: one signature holds on this
  // kernel (docs/design/signed-policies.md).
  auto digests = compute_policy_digests(env_path("STRUCTOPS_POLICY_DIR") + "/" + p.name + ".bpf.o");
  ASSERT_TRUE(digests) << digests.error().message;
  const std::string last = read_status()["last_digest"];
  bool found = false;
  for (const ProgramDigest& d : *digests)
    found |= last == d.member + " " + d.sha256;
  EXPECT_TRUE(found) << "the module's last_digest '" << last << "' is none of the offline digests";
  RunResult attach = loader({"--policy", p.name});
  ASSERT_EQ(attach.exit_code, 0) << attach.out << attach.err;
  EXPECT_NE(attach.out.find("attached '" + p.name + "'"), std::string::npos) << attach.out;
  expect_answers(p);
}

INSTANTIATE_TEST_SUITE_P(Shipped, PolicyTest, ::testing::ValuesIn(shipped_policies()),
                         [](const auto& info) { return info.param.name; });

class SdkTest : public PolicyTest {};

// A policy built like a user would: one include, a bare clang command, in a
// directory outside the source tree.
TEST_F(SdkTest, PolicyBuiltFromTheSdkHeaderAloneLoadsAndAnswers) {
  const char* include = std::getenv("STRUCTOPS_SDK_INCLUDE");
  const char* source = std::getenv("STRUCTOPS_HELLO_SOURCE");
  ASSERT_TRUE(include && source) << "STRUCTOPS_SDK_INCLUDE/STRUCTOPS_HELLO_SOURCE not set";
  char dir[] = "/tmp/sdk-XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  std::string src = std::string(dir) + "/my.bpf.c", obj = std::string(dir) + "/my.bpf.o";
  ASSERT_EQ(run({"/bin/cp", source, src}).exit_code, 0);
  RunResult cc = run({"/usr/bin/clang", "-O2", "-g", "-target", "bpf",
                      std::string("-I") + include, "-c", src, "-o", obj});
  ASSERT_EQ(cc.exit_code, 0) << cc.err;
  RunResult attach = loader({"--policy", obj});
  ASSERT_EQ(attach.exit_code, 0) << attach.out << attach.err;
  expect_answers(hello_policy());
}

TEST_F(SdkTest, StatisticsCountersEqualTheTriggersSent) {
  RunResult attach = loader({"--policy", "stats"});
  ASSERT_EQ(attach.exit_code, 0) << attach.err;
  const int n = 25;  // payload lengths 1..25, one sequence trigger each
  for (int len = 1; len <= n; len++) ASSERT_EQ(trigger(std::string(len, 'x')), 0);
  const nlohmann::json j = loader_status_json();
  for (const char* key : {"calls_test_1", "calls_test_2", "calls_test_3"})
    EXPECT_EQ(j["statistics"][key], n) << key << " in " << j;
  // log2 buckets of 1..25: [1] 1, [2,3] 2, [4,7] 4, [8,15] 8, [16,25] 10.
  EXPECT_EQ(j["statistics"]["len_log2"], nlohmann::json::array({0, 1, 2, 4, 8, 10, 0, 0, 0, 0}))
      << j;
}

}  // namespace
}  // namespace structops::test
