// Every policy in a kernel locked down for confidentiality, where BPF may
// not read kernel memory (bpf_probe_read_kernel is refused): the shipped
// policies and the SDK example read test_3's buffer through the module's
// kfunc, so they attach, swap, roll back and answer as documented, and a
// policy built before the kfunc is refused with one line that says why.
// Run by vm_lockdown_<kernel>, which sets STRUCTOPS_LOCKDOWN=confidentiality;
// skipped elsewhere.
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "attaching_test.hpp"
#include "expected.hpp"
#include "harness.hpp"

namespace structops::test {
namespace {

constexpr const char* kLockdown = "/sys/kernel/security/lockdown";

// The bracketed word of the lockdown file ("none [integrity] ..."), with
// securityfs mounted first if the guest has not (the loader reads the same
// file); "" if it cannot be read.
std::string lockdown_mode() {
  if (::access(kLockdown, F_OK) != 0 &&
      ::mount("securityfs", "/sys/kernel/security", "securityfs", 0, nullptr) != 0 &&
      errno != EBUSY)
    return "";
  const std::string text = slurp(kLockdown);
  const size_t open = text.find('['), close = text.find(']');
  if (open == std::string::npos || close == std::string::npos || close < open)
    return "";
  return text.substr(open + 1, close - open - 1);
}

// With STRUCTOPS_LOCKDOWN set, the kernel is locked down to that mode before
// the first test of the run (this suite's, the kfunc's and the policies'
// answers alike), once the module under test is loaded.  A kernel booted
// with lockdown= on its command line, any mode, refuses every module not
// signed by a key it trusts, as this test build is not (that path is
// Secure Boot's); writing the mode to the securityfs file raises the same
// kernel-wide level at run time (it can never be lowered), and what BPF may
// do is decided by that level when a program is verified.
class LockdownEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    const char* want = std::getenv("STRUCTOPS_LOCKDOWN");
    if (!want)
      return;
    ASSERT_EQ(load_module(), 0) << "cannot load the module under test";
    if (lockdown_mode() != want) {
      std::ofstream out(kLockdown);
      out << want << std::flush;
      ASSERT_TRUE(out.good()) << "cannot write '" << want << "' to " << kLockdown;
    }
  }
};

[[maybe_unused]] ::testing::Environment* const lockdown_environment =
    ::testing::AddGlobalTestEnvironment(new LockdownEnvironment);

class LockdownTest : public AttachingTest {
 protected:
  void SetUp() override {
    const char* want = std::getenv("STRUCTOPS_LOCKDOWN");
    if (!want)
      GTEST_SKIP() << "STRUCTOPS_LOCKDOWN is not set (vm_lockdown_<kernel> runs these)";
    ASSERT_EQ(lockdown_mode(), want) << "the guest's " << kLockdown << ": " << slurp(kLockdown);
    ASSERT_EQ(start_clean(), 0);  // detaches, and says if it could not
  }
  void TearDown() override { EXPECT_EQ(detach_policy(), 0); }

};

// default reads the buffer and records its first byte: proof the read
// happened, since test_3 answers len whatever it read.
TEST_F(LockdownTest, DefaultReadsTest3sBuffer) {
  RunResult r = loader({"--policy", "default"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  for (const std::string text : {"Hello", "Zebra crossing"}) {
    ASSERT_EQ(trigger("test_3 " + text), 0);
    EXPECT_EQ(read_status()["last_test_3"], std::to_string(text.size()));
    const nlohmann::json stats = loader_status_json()["statistics"];
    EXPECT_EQ(stats["last_first_byte"], static_cast<int>(text[0])) << stats.dump();
    EXPECT_EQ(stats["last_len"], text.size()) << stats.dump();
  }
}

// Every shipped policy and the SDK example in turn, each swapped in from
// the one before, rolled back and rolled forward again, answering after
// each step.
TEST_F(LockdownTest, EveryPolicySwapsRollsBackAndAnswers) {
  std::vector<std::pair<std::string, PolicyAnswers>> walk;  // loader argument, answers
  for (const PolicyAnswers& p : shipped_policies())
    walk.emplace_back(p.name, p);
  walk.emplace_back(env_path("STRUCTOPS_HELLO_OBJECT"), hello_policy());
  walk.emplace_back(walk.front());  // and back to the first, hello's successor

  RunResult r = loader({"--policy", walk.front().first});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  expect_answering(walk.front().second);
  for (size_t i = 1; i < walk.size(); i++) {
    const PolicyAnswers& from = walk[i - 1].second;
    const PolicyAnswers& to = walk[i].second;
    SCOPED_TRACE(from.name + " -> " + to.name);
    r = loader({"--policy", walk[i].first});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("switched '" + from.name + "' -> '" + to.name + "'"), std::string::npos)
        << r.out;
    expect_answering(to);
    r = loader({"--rollback"});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("rolled back '" + to.name + "' -> '" + from.name + "'"), std::string::npos)
        << r.out;
    expect_answering(from);
    r = loader({"--rollback"});  // the undo of the undo
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    expect_answering(to);
  }
}

TEST_F(LockdownTest, APolicyUsingTheHelperIsRefusedInOneLineThatSaysWhy) {
  ASSERT_EQ(loader({"--policy", "default"}).exit_code, 0);
  const Status before = read_status();
  const std::string probe_read = env_path("STRUCTOPS_CORPUS_DIR") + "/probe_read.bpf.o";
  for (const char* action : {"--policy", "--verify"}) {
    SCOPED_TRACE(action);
    RunResult r = loader({action, probe_read});
    EXPECT_EQ(r.exit_code, 65) << r.out << r.err;
    EXPECT_EQ(r.out, "");
    // libbpf's own warnings may surround it; the loader says it once, and
    // instead of the verifier log.
    std::istringstream lines(r.err);
    std::vector<std::string> ours;
    for (std::string line; std::getline(lines, line);)
      if (line.rfind("structops-load: ", 0) == 0)
        ours.push_back(line);
    ASSERT_EQ(ours.size(), 1u) << r.err;
    // libbpf calls bpf_probe_read where its probe of bpf_probe_read_kernel
    // failed, as it does under this lockdown: either name will do.
    EXPECT_NE(ours[0].find("policy 'probe_read' (program 'probe_read_test_3', callback test_3) "
                           "reads kernel memory with helper bpf_probe_read"),
              std::string::npos)
        << ours[0];
    EXPECT_NE(ours[0].find("lockdown (confidentiality)"), std::string::npos) << ours[0];
    EXPECT_NE(ours[0].find("rebuild the policy with the current SDK, whose structops_read_buf() "
                           "needs no helper"),
              std::string::npos)
        << ours[0];
    EXPECT_EQ(r.err.find("verifier log"), std::string::npos) << r.err;
    const Status after = read_status();
    EXPECT_EQ(after.at("policy"), "default");
    EXPECT_EQ(after.at("swaps"), before.at("swaps"));
    EXPECT_EQ(after.at("attaches"), before.at("attaches"));
  }
  expect_answering(shipped_policy("default"));
}

// The verifier sees each compiler's code differently: the shipped policies
// and the SDK example as the newer clang built them verify here too (when
// the build has one).
TEST_F(LockdownTest, PoliciesBuiltByTheNewerClangVerify) {
  const char* dir = std::getenv("STRUCTOPS_NEWER_POLICY_DIR");
  if (!dir)
    GTEST_SKIP() << "no newer clang in this build";
  std::vector<std::string> objects;
  for (const PolicyAnswers& p : shipped_policies())
    objects.push_back(p.name + ".bpf.o");
  objects.push_back("examples/hello.bpf.o");
  for (const std::string& o : objects) {
    RunResult r = loader({"--verify", std::string(dir) + "/" + o});
    EXPECT_EQ(r.exit_code, 0) << o << ": " << r.out << r.err;
  }
}

}  // namespace
}  // namespace structops::test
