// The module's kfunc bpf_testmod_read_test_3_buf(), through a probe policy
// (policies/read_buf_probe.bpf.c, which answers n * 256 + the last byte
// copied): it copies test_3's own buffer, never more than the trigger's
// length or the size asked, answers -ENODATA outside test_3, and only
// bpf_testmod_ops programs may call it.
#include <cerrno>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <structops/bpf_testmod.h>

#include "harness.hpp"

namespace structops::test {
namespace {

std::string probe_policy() {
  return env_path("STRUCTOPS_TEST_POLICY_DIR") + "/read_buf_probe.bpf.o";
}

// What the probe's test_3 answers when the kfunc copied n bytes.
std::string copied(int n, char last) {
  return std::to_string(n * 256 + static_cast<unsigned char>(last));
}

class KfuncTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(start_clean(), 0);  // detaches, and says if it could not
  }
  void TearDown() override { EXPECT_EQ(detach_policy(), 0); }

  static void attach_probe(const std::vector<std::string>& knobs = {}) {
    std::vector<std::string> args = {"--policy", probe_policy()};
    for (const std::string& k : knobs)
      args.insert(args.end(), {"--set", k});
    RunResult r = loader(args);
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    ASSERT_EQ(read_status()["policy"], "read_buf_probe");
  }
};

TEST_F(KfuncTest, CopiesTest3sBufferAndNoMoreThanTheTriggersLength) {
  attach_probe();  // asks for 256 bytes, more than any payload
  ASSERT_EQ(trigger("test_3 Hello"), 0);
  EXPECT_EQ(read_status()["last_test_3"], copied(5, 'o'));
  // The longest payload the trigger takes: test_3's buffer is all of it
  // but "test_3 ", 248 bytes; the byte after them is left alone.
  const std::string text = std::string(BPF_TESTMOD_TRIGGER_MAX - 8, 'x') + "y";
  ASSERT_EQ(trigger("test_3 " + text), 0);
  EXPECT_EQ(read_status()["last_test_3"], copied(static_cast<int>(text.size()), 'y'));
  ASSERT_EQ(trigger("test_3 a"), 0);
  EXPECT_EQ(read_status()["last_test_3"], copied(1, 'a'));
}

TEST_F(KfuncTest, CopiesNoMoreThanTheSizeAsked) {
  attach_probe({"ask=3"});
  ASSERT_EQ(trigger("test_3 Hello"), 0);
  EXPECT_EQ(read_status()["last_test_3"], copied(3, 'l'));
  ASSERT_EQ(trigger("test_3 Hi"), 0);
  EXPECT_EQ(read_status()["last_test_3"], copied(2, 'i'));
  attach_probe({"ask=0"});  // a swap to the same probe, asking for nothing
  ASSERT_EQ(trigger("test_3 Hello"), 0);
  EXPECT_EQ(read_status()["last_test_3"], "0");
}

TEST_F(KfuncTest, OutsideTest3ItAnswersENODATA) {
  attach_probe();
  ASSERT_EQ(trigger("test_1"), 0);
  EXPECT_EQ(read_status()["last_test_1"], std::to_string(-ENODATA));
  // In a sequence too: test_1 runs before test_3, on the same task.
  ASSERT_EQ(trigger("Hello"), 0);
  Status s = read_status();
  EXPECT_EQ(s["last_test_1"], std::to_string(-ENODATA));
  EXPECT_EQ(s["last_test_3"], copied(5, 'o'));
}

// The kfunc is registered for all struct_ops programs; its filter keeps it
// to bpf_testmod_ops ones.  structops-load refuses another type itself, so
// the kernel is asked through bpftool.
TEST_F(KfuncTest, AProgramOfAnotherStructOpsTypeMayNotCallIt) {
  const std::string pin = "/sys/fs/bpf/structops_kfunc_other_type";
  RunResult r = run({"/usr/sbin/bpftool", "prog", "loadall",
                     env_path("STRUCTOPS_CORPUS_DIR") + "/kfunc_other_type.bpf.o", pin});
  run({"/bin/rm", "-rf", pin});
  EXPECT_NE(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(
      (r.out + r.err).find("calling kernel function bpf_testmod_read_test_3_buf is not allowed"),
      std::string::npos)
      << r.out << r.err;
}

}  // namespace
}  // namespace structops::test
