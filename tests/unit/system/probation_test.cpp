// The pieces of --probation that need no kernel: the record --status
// reads, and running the check command (a real /bin/sh).
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>

#include <gtest/gtest.h>

#include "system/check_command.hpp"
#include "system/probation_record.hpp"

namespace structops {
namespace {

using namespace std::chrono_literals;

TEST(ProbationRecord, RoundTrips) {
  ProbationRecord r{1234, "saturate", 1764633600, "curl -sf\nlocalhost"};
  auto back = parse_probation_record(format_probation_record(r));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->pid, 1234);
  EXPECT_EQ(back->policy, "saturate");
  EXPECT_EQ(back->deadline, 1764633600);
  EXPECT_EQ(back->check, "curl -sf localhost");  // one line
}

TEST(ProbationRecord, MalformedIsNoRecord) {
  EXPECT_FALSE(parse_probation_record(""));
  EXPECT_FALSE(parse_probation_record("pid: 12\npolicy: x\n"));
  EXPECT_FALSE(parse_probation_record("pid: x12\npolicy: x\ndeadline: 5\n"));
  EXPECT_FALSE(parse_probation_record("pid: -3\npolicy: x\ndeadline: 5\n"));
  EXPECT_FALSE(parse_probation_record("pid: 3\npolicy: x\ndeadline: 5z\n"));
}

TEST(ProbationRecord, WrittenReadAndRemovedOnlyByItsOwner) {
  char dir[] = "/tmp/probation_test.XXXXXX";
  ASSERT_TRUE(mkdtemp(dir));
  const std::string path = std::string(dir) + "/sub/probation";
  ProbationRecord r{getpid(), "stats", 5, ""};
  ASSERT_TRUE(write_probation_record(path, r));
  auto back = read_probation_record(path);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->pid, getpid());
  remove_probation_record(path, getpid() + 1);
  EXPECT_TRUE(read_probation_record(path));
  remove_probation_record(path, getpid());
  EXPECT_FALSE(read_probation_record(path));
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

TEST(ProbationRecord, ProcessAliveTellsTheDeadAndZombies) {
  EXPECT_TRUE(process_alive(getpid()));
  EXPECT_FALSE(process_alive(0));
  pid_t child = fork();
  if (child == 0)
    _exit(0);
  // Unreaped: a zombie counts as dead.
  for (int i = 0; i < 200 && process_alive(child); i++)
    usleep(5000);
  EXPECT_FALSE(process_alive(child));
  waitpid(child, nullptr, 0);
}

CheckSpec spec(const std::string& command, std::chrono::nanoseconds timeout = 5s) {
  CheckSpec s;
  s.command = command;
  s.timeout = timeout;
  sigemptyset(&s.child_mask);
  s.out_fd = fileno(stdout);
  return s;
}

TEST(CheckCommand, ExitStatusIsReported) {
  auto ok = run_check(spec("true"), {});
  ASSERT_TRUE(ok);
  EXPECT_TRUE(ok->passed());
  auto bad = run_check(spec("exit 3"), {});
  ASSERT_TRUE(bad);
  EXPECT_FALSE(bad->passed());
  EXPECT_EQ(bad->end, CheckRun::End::exited);
  EXPECT_EQ(bad->code, 3);
  EXPECT_EQ(describe_check_failure("exit 3", *bad), "'exit 3' exited 3");
}

TEST(CheckCommand, MissingCommandIs127) {
  auto r = run_check(spec("/nonexistent/check-x"), {});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->code, 127);
  EXPECT_NE(describe_check_failure("x", *r).find("exited 127"), std::string::npos);
}

TEST(CheckCommand, HangingCommandIsKilledAtItsTimeout) {
  auto start = std::chrono::steady_clock::now();
  auto r = run_check(spec("sleep 30", 300ms), {});
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(r);
  EXPECT_EQ(r->end, CheckRun::End::timed_out);
  EXPECT_LT(took, 5s);
  EXPECT_NE(describe_check_failure("sleep 30", *r).find("did not finish within 0."),
            std::string::npos);
}

TEST(CheckCommand, MegabytesOfOutputAreBoundedAndDoNotBlock) {
  char path[] = "/tmp/check_out.XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  CheckSpec s = spec("head -c 5000000 /dev/zero; exit 0");
  s.out_fd = fd;
  s.max_output = 1000;
  auto r = run_check(s, {});
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->passed());
  EXPECT_EQ(r->output_bytes, 5000000u);
  EXPECT_EQ(r->output_dropped, 5000000u - 1000u);
  EXPECT_EQ(lseek(fd, 0, SEEK_END), 1000);
  close(fd);
  unlink(path);
}

TEST(CheckCommand, EndlessOutputStillTimesOut) {
  CheckSpec s = spec("yes", 300ms);
  s.out_fd = open("/dev/null", O_WRONLY);
  auto r = run_check(s, {});
  close(s.out_fd);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->end, CheckRun::End::timed_out);
}

TEST(CheckCommand, AWatchedFdInterruptsAndKillsTheCommand) {
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  ASSERT_EQ(write(p[1], "x", 1), 1);
  auto start = std::chrono::steady_clock::now();
  auto r = run_check(spec("sleep 30"), {{-1, POLLIN, 0}, {p[0], POLLIN, 0}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->end, CheckRun::End::interrupted);
  EXPECT_EQ(r->watch_index, 1u);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  close(p[0]);
  close(p[1]);
}

}  // namespace
}  // namespace structops
