#include "system/config.hpp"

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
  EXPECT_EQ(c.error().message.rfind("/etc/structops/structops.conf:1: ", 0), 0u)
      << c.error().message;
}

TEST(Config, TwoPoliciesAreAnError) {
  EXPECT_FALSE(parse_config("policy = a\npolicy = b\n", "t"));
}

// --restore at boot must say where an administrator broke the file.
TEST(Config, ErrorNamesTheBrokenLine) {
  auto garbage = parse_config("# a comment\npolicy = stats\n\nthis is garbage\nset = a=1\n",
                              "/etc/structops/structops.conf");
  ASSERT_FALSE(garbage);
  EXPECT_EQ(garbage.error().kind, ErrorKind::usage);
  EXPECT_EQ(garbage.error().message.rfind("/etc/structops/structops.conf:4: ", 0), 0u)
      << garbage.error().message;
  // ... and what the file may hold instead.
  EXPECT_NE(garbage.error().message.find("'policy = NAME' and 'set = KEY=VALUE'"),
            std::string::npos) << garbage.error().message;

  auto twice = parse_config("policy = a\n# x\npolicy = b\n", "t.conf");
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().message.rfind("t.conf:3: ", 0), 0u) << twice.error().message;
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

// The save tests repeat one arrange-save-read shape on purpose: one named
// case per file state save_config() must handle.
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

// The packaged /etc/structops/structops.conf, in short.
const char* const kShipped =
    "# the policy to restore at boot\n"
    "#   policy = default\n"
    "policy =\n"
    "\n"
    "# knobs, KEY=VALUE:\n"
    "#   set = multiplier=3\n";

TEST(Config, UpdateKeepsCommentsAndReplacesThePolicyLineInPlace) {
  Config c;
  c.policy = "saturate";
  EXPECT_EQ(update_config_text(kShipped, c),
            "# the policy to restore at boot\n"
            "#   policy = default\n"
            "policy = saturate\n"
            "\n"
            "# knobs, KEY=VALUE:\n"
            "#   set = multiplier=3\n");
}

TEST(Config, UpdateAppendsSetLinesWhenTheFileHasNone) {
  Config c;
  c.policy = "scale";
  c.sets = {"multiplier=3", "offset=1"};
  EXPECT_EQ(update_config_text(kShipped, c),
            "# the policy to restore at boot\n"
            "#   policy = default\n"
            "policy = scale\n"
            "\n"
            "# knobs, KEY=VALUE:\n"
            "#   set = multiplier=3\n"
            "set = multiplier=3\n"
            "set = offset=1\n");
}

TEST(Config, UpdatePutsNewSetLinesWhereTheOldOnesStood) {
  Config c;
  c.policy = "default";
  EXPECT_EQ(update_config_text("set = a=1\n# mine\npolicy=scale\n  set=b=2\n", c),
            "# mine\npolicy = default\n");
  c.sets = {"c=3"};
  EXPECT_EQ(update_config_text("# top\nset = a=1\n# mine\npolicy=scale\nset = b=2\n", c),
            "# top\nset = c=3\n# mine\npolicy = default\n");
}

TEST(Config, UpdateWithoutPolicyLeavesAnEmptyPolicyLine) {
  Config c;
  EXPECT_EQ(update_config_text("# x\npolicy = old\n", c), "# x\npolicy =\n");
  EXPECT_EQ(update_config_text("", c), "policy =\n");
}

TEST(Config, SaveKeepsTheCommentsOfTheFileItReplaces) {
  test::TempDir t;
  const std::string path = t / "structops.conf";
  test::write_file(path, kShipped);
  Config c;
  c.policy = "saturate";
  ASSERT_TRUE(save_config(path, c));
  EXPECT_EQ(test::read_file(path), update_config_text(kShipped, c));
  auto back = read_config(path);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back->policy, "saturate");
}

TEST(Config, SaveWritesABrokenFileAnew) {
  test::TempDir t;
  const std::string path = t / "structops.conf";
  test::write_file(path, "# mine\npolcy = typo\n");
  Config c;
  c.policy = "default";
  ASSERT_TRUE(save_config(path, c));
  EXPECT_EQ(test::read_file(path), format_config(c));
}

TEST(Config, SaveIntoAnUnwritablePlaceFails) {
  Config c;
  c.policy = "x";
  auto r = save_config("/proc/structops-test/structops.conf", c);
  EXPECT_FALSE(r);
}

}  // namespace
}  // namespace structops
