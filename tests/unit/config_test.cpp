#include "config.hpp"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include "test_util.hpp"

namespace structops {
namespace {

TEST(Config, PolicyAndSetLinesWithComments) {
  auto c = parse_config(
      "# boot policy\n"
      "policy = scale\n"
      "set = multiplier=3\n"
      "\n"
      "set=offset=-1   # trailing comment\n",
      "test.conf");
  ASSERT_TRUE(c) << c.error().message;
  ASSERT_TRUE(c->policy);
  EXPECT_EQ(*c->policy, "scale");
  EXPECT_EQ(c->sets, (std::vector<std::string>{"multiplier=3", "offset=-1"}));
}

TEST(Config, EmptyFileNamesNoPolicy) {
  auto c = parse_config("# nothing\n", "test.conf");
  ASSERT_TRUE(c);
  EXPECT_FALSE(c->policy);
  EXPECT_TRUE(c->sets.empty());
}

TEST(Config, UnknownKeyIsAUsageErrorNamingTheFile) {
  auto c = parse_config("polcy = x\n", "/etc/structops/structops.conf");
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().kind, ErrorKind::usage);
  EXPECT_EQ(c.error().message.rfind("/etc/structops/structops.conf: ", 0), 0u) << c.error().message;
}

TEST(Config, TwoPoliciesAreAnError) {
  EXPECT_FALSE(parse_config("policy = a\npolicy = b\n", "t"));
}

TEST(Config, MissingFileReportsEnoent) {
  auto c = read_config("/nonexistent/structops.conf");
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, ENOENT);
}

TEST(Config, SaveThenReadRoundTrips) {
  test::TempDir t;
  Config c;
  c.policy = "/opt/policies/mine.bpf.o";
  c.sets = {"multiplier=10", "offset=-1"};
  const std::string path = t / "etc/structops/structops.conf";  // directory created
  ASSERT_TRUE(save_config(path, c));
  auto back = read_config(path);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->policy, c.policy);
  EXPECT_EQ(back->sets, c.sets);
  struct stat st = {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
}

TEST(Config, SaveReplacesTheFileAndLeavesNoTemporaryBehind) {
  test::TempDir t;
  const std::string path = t / "structops.conf";
  test::write_file(path, "policy = old\nset = a=1\n");
  Config c;
  c.policy = "new";
  ASSERT_TRUE(save_config(path, c));
  auto back = read_config(path);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back->policy, "new");
  EXPECT_TRUE(back->sets.empty());
  size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(t.path())) {
    (void)e;
    files++;
  }
  EXPECT_EQ(files, 1u);
}

TEST(Config, SaveIntoAnUnwritablePlaceFails) {
  Config c;
  c.policy = "x";
  auto r = save_config("/proc/structops-test/structops.conf", c);
  EXPECT_FALSE(r);
}

}  // namespace
}  // namespace structops
