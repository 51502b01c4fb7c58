#include "bpf/policy_description.hpp"

#include <gtest/gtest.h>

#include "test_util.hpp"

namespace structops {
namespace {

TEST(PolicyDescription, ReadsTheSectionAsOneLine) {
  auto d = read_policy_description(test::test_object("knobs"));
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_EQ(*d, "test object: knobs of every size");  // the tab became a space
}

TEST(PolicyDescription, ObjectWithoutDescriptionHasAnEmptyOne) {
  auto d = read_policy_description(test::corpus_object("not_link"));
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_EQ(*d, "");
}

TEST(PolicyDescription, NonElfFileIsAnInvalidPolicy) {
  test::TempDir t;
  test::write_file(t / "x.bpf.o", "#!/bin/sh\necho not a policy\n");
  auto d = read_policy_description(t / "x.bpf.o");
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().kind, ErrorKind::invalid_policy);
}

TEST(PolicyDescription, MissingFileIsAnError) {
  auto d = read_policy_description("/nonexistent/x.bpf.o");
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().code, ENOENT);
}

}  // namespace
}  // namespace structops
