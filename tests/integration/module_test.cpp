// The kernel module on its own, in the booted kernel: built-in behaviour,
// the trigger language, the status file, BTF and module lifetime.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <fstream>
#include <string>

#include "harness.hpp"

namespace structops::test {
namespace {

class ModuleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(load_module(), 0) << "insmod " << module_path();
    EXPECT_EQ(detach_policy(), 0);
    ASSERT_EQ(read_status()["policy"], "none");
  }
};

TEST_F(ModuleTest, RegistersTheStructOpsTypeInModuleBtf) {
  ASSERT_EQ(::access("/sys/kernel/btf/bpf_testmod", R_OK), 0);
  RunResult r = run({"/usr/sbin/bpftool", "btf", "dump", "file", "/sys/kernel/btf/bpf_testmod"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("STRUCT 'bpf_testmod_ops'"), std::string::npos);
  EXPECT_NE(r.out.find("STRUCT 'bpf_struct_ops_bpf_testmod_ops'"), std::string::npos);
}

TEST_F(ModuleTest, ControlFilesAreRootOnlyForWritingAndWorldReadableForStatus) {
  struct stat st {};
  ASSERT_EQ(::stat("/proc/bpf_testmod_trigger", &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0200u);
  ASSERT_EQ(::stat("/proc/bpf_testmod_status", &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0444u);
}

TEST_F(ModuleTest, WithoutPolicyTheBuiltInBehaviourAnswersTheTutorialSequence) {
  // Only what the kernel logs after this marker counts: a line from an
  // earlier trigger must not satisfy the log check below.
  const std::string marker = "structops-test: built-in sequence " + std::to_string(::getpid());
  std::ofstream("/dev/kmsg") << marker << "\n";
  Status before = read_status();
  ASSERT_EQ(trigger("hello\n"), 0);
  Status s = read_status();
  EXPECT_EQ(s["last_policy"], "none");
  EXPECT_EQ(s["last_test_1"], "0");
  EXPECT_EQ(s["last_test_2"], "30");
  EXPECT_EQ(s["last_test_3"], "5");  // len("hello"): the newline is dropped
  EXPECT_EQ(s["last_builtin"], "test_1 test_2 test_3");
  EXPECT_EQ(status_number(s, "triggers"), status_number(before, "triggers") + 1);
  EXPECT_EQ(status_number(s, "no_policy_triggers"), status_number(before, "no_policy_triggers") + 1);
  EXPECT_EQ(status_number(s, "fallback_calls"), status_number(before, "fallback_calls") + 3);
  EXPECT_EQ(status_number(s, "last_seq"), status_number(before, "last_seq") + 1);
  const std::string log = kernel_log();
  const size_t at = log.rfind(marker);
  ASSERT_NE(at, std::string::npos) << "the marker written to /dev/kmsg is not in dmesg";
  EXPECT_NE(log.find("No struct_ops registered", at), std::string::npos) << log.substr(at);
}

TEST_F(ModuleTest, VerbsCallOnlyTheirCallback) {
  ASSERT_EQ(trigger("hello"), 0);
  Status before = read_status();
  ASSERT_EQ(trigger("test_2 -7 3"), 0);
  Status s = read_status();
  EXPECT_EQ(s["last_test_2"], "-4");
  EXPECT_EQ(s["last_test_1"], "not called") << "the sequence before called it, this trigger not";
  EXPECT_EQ(s["last_test_3"], "not called");
  EXPECT_EQ(s["last_builtin"], "test_2");
  EXPECT_EQ(status_number(s, "fallback_calls"), status_number(before, "fallback_calls") + 1);

  ASSERT_EQ(trigger("test_3 Hello, world"), 0);
  EXPECT_EQ(read_status()["last_test_3"], "12");
  ASSERT_EQ(trigger("test_1\n"), 0);
  EXPECT_EQ(read_status()["last_test_1"], "0");
  EXPECT_EQ(status_number(read_status(), "fallback_calls"),
            status_number(before, "fallback_calls") + 3);
}

TEST_F(ModuleTest, Test2TakesTheWholeIntRange) {
  ASSERT_EQ(trigger("test_2 2147483647 1"), 0);
  EXPECT_EQ(read_status()["last_test_2"], std::to_string(INT_MIN));  // built-in wraps
  ASSERT_EQ(trigger("test_2 -2147483648 0"), 0);
  EXPECT_EQ(read_status()["last_test_2"], std::to_string(INT_MIN));
}

TEST_F(ModuleTest, MalformedWritesFailWithEinvalAndChangeNoCounter) {
  Status before = read_status();
  const char* bad[] = {
      "test_2",           "test_2 1",         "test_2 1 2 3",  "test_2 a b",
      "test_2 1 2x",      "test_2 2147483648 0", "test_2  1 2", "test_2 1 2\n\n",
      "test_1 x",         "test_1 ",          "test_3",        "bench",
      "bench test_9 10",  "bench test_1 0",   "bench test_1",  "bench builtin test_1 -1",
  };
  for (const char* payload : bad) EXPECT_EQ(trigger(payload), EINVAL) << "payload: " << payload;
  EXPECT_EQ(trigger(std::string(256, 'x')), EINVAL) << "256-byte payload";
  EXPECT_EQ(trigger(std::string("ab\0cd", 5)), EINVAL) << "embedded NUL";
  EXPECT_EQ(read_status(), before);
}

TEST_F(ModuleTest, PayloadLimitIs255BytesPlusOneNewline) {
  EXPECT_EQ(trigger(std::string(255, 'x')), 0);
  EXPECT_EQ(read_status()["last_test_3"], "255");
  EXPECT_EQ(trigger(std::string(255, 'y') + "\n"), 0);
  EXPECT_EQ(read_status()["last_test_3"], "255");
  EXPECT_EQ(trigger(std::string(256, 'z') + "\n"), EINVAL);
}

TEST_F(ModuleTest, EmptyWriteRunsNothing) {
  Status before = read_status();
  EXPECT_EQ(trigger(""), 0);
  EXPECT_EQ(read_status(), before);
}

size_t count_lines_with(const std::string& log, const std::string& needle) {
  size_t n = 0;
  for (size_t pos = 0; (pos = log.find(needle, pos)) != std::string::npos; pos += needle.size()) n++;
  return n;
}

// Writes a unique line to /dev/kmsg and returns it: what the kernel logs
// after it is what happened since, however full or rotated the log is.
std::string log_marker(const std::string& what) {
  static int n = 0;
  std::string marker = "structops-test: " + what + " " + std::to_string(::getpid()) + "." +
                       std::to_string(++n);
  std::ofstream("/dev/kmsg") << marker << "\n";
  return marker;
}

// The kernel log from one marker to the next.
std::string log_between(const std::string& from, const std::string& to) {
  const std::string log = kernel_log();
  const size_t a = log.rfind(from);
  if (a == std::string::npos)
    return "(marker '" + from + "' not in the kernel log)";
  const size_t b = log.find(to, a);
  return log.substr(a, b == std::string::npos ? std::string::npos : b - a);
}

void set_logging(bool on) {
  std::string cmd = std::string("echo ") + (on ? "1" : "0") +
                    " > /sys/module/bpf_testmod/parameters/log_results";
  ASSERT_EQ(run({"/bin/sh", "-c", cmd}).exit_code, 0);
}

TEST_F(ModuleTest, LoggingCanBeTurnedOff) {
  const std::string line = "test_3() called with buffer";
  const std::string quiet = log_marker("logging off");
  set_logging(false);
  ASSERT_EQ(trigger("test_3 quiet"), 0);
  set_logging(true);
  EXPECT_EQ(read_status()["last_test_3"], "5");
  const std::string loud = log_marker("logging on");
  ASSERT_EQ(trigger("test_3 loud"), 0);
  const std::string end = log_marker("logging checked");
  const std::string off_part = log_between(quiet, loud), on_part = log_between(loud, end);
  EXPECT_EQ(count_lines_with(off_part, line), 0u) << off_part;
  EXPECT_EQ(count_lines_with(on_part, line), 1u) << on_part;
}

TEST_F(ModuleTest, InKernelBenchmarkReportsItsRun) {
  ASSERT_EQ(trigger("bench builtin test_2 10000"), 0);
  Status s = read_status();
  EXPECT_EQ(s["bench_op"], "test_2");
  EXPECT_EQ(s["bench_target"], "builtin");
  EXPECT_EQ(s["bench_calls"], "10000");
  EXPECT_GT(status_number(s, "bench_ns"), 0);
}

TEST_F(ModuleTest, UnloadsAndReloadsWhenNoPolicyIsAttached) {
  ASSERT_EQ(unload_module_once_released(), 0);
  EXPECT_NE(::access("/proc/bpf_testmod_trigger", F_OK), 0);
  ASSERT_EQ(load_module(), 0);
  ASSERT_EQ(trigger("again"), 0);
  EXPECT_EQ(read_status()["last_test_3"], "5");
}

}  // namespace
}  // namespace structops::test
