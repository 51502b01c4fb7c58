#include "bpf/policy_lookup.hpp"

#include <gtest/gtest.h>

#include "test_util.hpp"

namespace structops {
namespace {

using test::TempDir;
using test::write_file;

TEST(PolicySearchDirs, EnvironmentFirstThenSystem) {
  auto dirs = policy_search_dirs("/a:/b", {"/etc/p", "/usr/lib/p"});
  EXPECT_EQ(dirs, (std::vector<std::string>{"/a", "/b", "/etc/p", "/usr/lib/p"}));
}

TEST(PolicySearchDirs, EmptyEntriesAndUnsetVariableAreSkipped) {
  EXPECT_EQ(policy_search_dirs("::/a::", {"/s"}), (std::vector<std::string>{"/a", "/s"}));
  EXPECT_EQ(policy_search_dirs(nullptr, {"/s"}), std::vector<std::string>{"/s"});
  EXPECT_EQ(policy_search_dirs("", {"/s"}), std::vector<std::string>{"/s"});
}

TEST(PolicyLookup, ValuesWithSlashOrSuffixAreFiles) {
  EXPECT_TRUE(is_policy_path("./x"));
  EXPECT_TRUE(is_policy_path("/usr/lib/structops/policies/default.bpf.o"));
  EXPECT_TRUE(is_policy_path("mine.bpf.o"));
  EXPECT_FALSE(is_policy_path("default"));
  EXPECT_FALSE(is_policy_path("bpf.o.default"));
}

TEST(PolicyLookup, NameFromPathStripsTheSuffix) {
  EXPECT_EQ(policy_name_from_path("/x/scale.bpf.o"), "scale");
  EXPECT_EQ(policy_name_from_path("other.o"), "other.o");
  EXPECT_EQ(policy_name_from_path(".bpf.o"), ".bpf.o");
}

TEST(PolicyLookup, NameIsFoundInTheFirstDirectoryThatHasIt) {
  TempDir t;
  write_file(t / "one/a.bpf.o", "x");
  write_file(t / "two/a.bpf.o", "x");
  write_file(t / "two/b.bpf.o", "x");
  std::vector<std::string> dirs = {t / "missing", t / "one", t / "two"};
  EXPECT_EQ(*find_policy("a", dirs), t / "one/a.bpf.o");
  EXPECT_EQ(*find_policy("b", dirs), t / "two/b.bpf.o");
}

TEST(PolicyLookup, UnknownNameIsAUsageErrorListingTheSearchPath) {
  TempDir t;
  auto r = find_policy("nope", {t / "one", t / "two"});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::usage);
  EXPECT_NE(r.error().message.find("no policy named 'nope'"), std::string::npos);
  EXPECT_NE(r.error().message.find(t / "one:" + t / "two"), std::string::npos);
}

TEST(PolicyLookup, PathIsUsedAsGivenAndMustExist) {
  TempDir t;
  write_file(t / "mine.bpf.o", "x");
  EXPECT_EQ(*find_policy(t / "mine.bpf.o", {}), t / "mine.bpf.o");
  auto r = find_policy(t / "other.bpf.o", {t.path()});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::usage);
  // A directory is not a policy file.
  EXPECT_FALSE(find_policy(t.path() + "/", {}));
}

TEST(PolicyLookup, DirectoryNamedLikeAPolicyIsSkipped) {
  TempDir t;
  std::filesystem::create_directories(t / "one/a.bpf.o");
  write_file(t / "two/a.bpf.o", "x");
  EXPECT_EQ(*find_policy("a", {t / "one", t / "two"}), t / "two/a.bpf.o");
}

TEST(PolicyFiles, ListedOnceBySortedNameFirstDirectoryWins) {
  TempDir t;
  write_file(t / "one/zeta.bpf.o", "x");
  write_file(t / "one/alpha.bpf.o", "x");
  write_file(t / "two/alpha.bpf.o", "x");
  write_file(t / "two/beta.bpf.o", "x");
  write_file(t / "two/notes.txt", "x");
  write_file(t / "two/.bpf.o", "x");
  auto found = find_policy_files({t / "one", t / "missing", t / "two"});
  ASSERT_EQ(found.size(), 3u);
  EXPECT_EQ(found[0].name, "alpha");
  EXPECT_EQ(found[0].path, t / "one/alpha.bpf.o");
  EXPECT_EQ(found[1].name, "beta");
  EXPECT_EQ(found[2].name, "zeta");
}

}  // namespace
}  // namespace structops
