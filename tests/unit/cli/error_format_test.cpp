#include "cli/error_format.hpp"

#include <gtest/gtest.h>

namespace structops {
namespace {

std::string numbered_lines(int n) {
  std::string s;
  for (int i = 1; i <= n; i++)
    s += "line " + std::to_string(i) + "\n";
  return s;
}

TEST(LastLines, KeepsTheEnd) {
  EXPECT_EQ(last_lines("a\nb\nc\n", 2), "b\nc");
  EXPECT_EQ(last_lines("a\nb\nc", 2), "b\nc");
  EXPECT_EQ(last_lines("a\nb\n", 5), "a\nb");
  EXPECT_EQ(last_lines("", 3), "");
  EXPECT_EQ(last_lines("only\n\n\n", 1), "only");
}

TEST(FormatError, PlainErrorIsOneLine) {
  Error e = make_error(ErrorKind::unavailable, "no bpf_testmod module for kernel 6.1");
  EXPECT_EQ(format_error(e, false), "structops-load: no bpf_testmod module for kernel 6.1\n");
}

TEST(FormatError, VerifierLogIsCutToItsTailWithAHint) {
  Error e = make_error(ErrorKind::invalid_policy, "the verifier rejected policy 'x'");
  e.log = numbered_lines(40);
  std::string out = format_error(e, false);
  EXPECT_EQ(out.find("line 25\n"), std::string::npos);
  EXPECT_NE(out.find("line 26\n"), std::string::npos);
  EXPECT_NE(out.find("line 40\n"), std::string::npos);
  EXPECT_NE(out.find("re-run with -v for the full verifier log"), std::string::npos);
}

TEST(FormatError, VerboseShowsTheWholeLog) {
  Error e = make_error(ErrorKind::invalid_policy, "rejected");
  e.log = numbered_lines(40);
  std::string out = format_error(e, true);
  EXPECT_NE(out.find("line 1\n"), std::string::npos);
  EXPECT_NE(out.find("line 40\n"), std::string::npos);
  EXPECT_EQ(out.find("re-run with -v"), std::string::npos);
}

TEST(ErrnoError, KindFollowsThePermissionErrnos) {
  EXPECT_EQ(errno_error(-EPERM, "x").kind, ErrorKind::not_permitted);
  EXPECT_EQ(errno_error(EACCES, "x").kind, ErrorKind::not_permitted);
  EXPECT_EQ(errno_error(-EINVAL, "x").kind, ErrorKind::other);
  Error e = errno_error(ErrorKind::busy, -EPERM, "swap");
  EXPECT_EQ(e.kind, ErrorKind::busy);
  EXPECT_EQ(e.code, EPERM);
  EXPECT_EQ(e.message, "swap: Operation not permitted");
}

}  // namespace
}  // namespace structops
