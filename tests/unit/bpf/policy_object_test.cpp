#include "bpf/policy_object.hpp"

#include <map>
#include <string>

#include <gtest/gtest.h>

#include "bpf/libbpf_log.hpp"
#include "test_util.hpp"

namespace structops {
namespace {

class PolicyObjectTest : public ::testing::Test {
 protected:
  void SetUp() override { install_libbpf_logger(false); }
};

TEST_F(PolicyObjectTest, OpensAPolicyAndTakesItsNameFromTheOpsStruct) {
  auto p = PolicyObject::open(test::test_object("knobs"));
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->name(), "knobs");  // .name, not the file name unit_knobs
  EXPECT_EQ(p->path(), test::test_object("knobs"));
  EXPECT_EQ(p->program_count(), 2u);
  LocalOps ops = p->local_ops();
  ASSERT_NE(ops.types, nullptr);
  const btf_type* t = btf__type_by_id(ops.types, ops.type_id);
  ASSERT_NE(t, nullptr);
  EXPECT_STREQ(btf__name_by_offset(ops.types, t->name_off), "bpf_testmod_ops");
  EXPECT_EQ(ops.size, 3 * sizeof(void*) + 32);
  EXPECT_NE(ops.data, nullptr);
}

TEST_F(PolicyObjectTest, KnobsAreSetThroughTheObject) {
  auto p = PolicyObject::open(test::test_object("knobs"));
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->set_knobs({"k_u32=5"}));
  // What the object will load with: the setting, and the others' defaults.
  std::map<std::string, std::string> values;
  for (const StatVar& v : p->knob_values())
    values[v.name] = v.values.at(0);
  EXPECT_EQ(values.size(), 9u);
  EXPECT_EQ(values["k_u32"], "5");
  EXPECT_EQ(values["k_bool"], "true");
  auto bad = p->set_knobs({"multiplier=5"});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().kind, ErrorKind::usage);
}

TEST_F(PolicyObjectTest, PlainStructOpsSectionIsRefusedWithTheFix) {
  auto p = PolicyObject::open(test::corpus_object("not_link"));
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().kind, ErrorKind::invalid_policy);
  EXPECT_EQ(p.error().message,
            "policy 'not_link' uses SEC(\".struct_ops\"); use SEC(\".struct_ops.link\") "
            "(STRUCTOPS_POLICY()) so it can be swapped");
}

TEST_F(PolicyObjectTest, TwoStructOpsMapsAreRefused) {
  auto p = PolicyObject::open(test::corpus_object("two_maps"));
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().kind, ErrorKind::invalid_policy);
  EXPECT_NE(p.error().message.find("declares 2 struct_ops maps"), std::string::npos);
}

TEST_F(PolicyObjectTest, OtherStructOpsTypeIsRefused) {
  auto p = PolicyObject::open(test::corpus_object("other_type"));
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().kind, ErrorKind::invalid_policy);
  EXPECT_NE(
      p.error().message.find("is for struct_ops type 'structops_other_ops', not bpf_testmod_ops"),
      std::string::npos)
      << p.error().message;
}

TEST_F(PolicyObjectTest, ObjectWithoutStructOpsIsRefused) {
  auto p = PolicyObject::open(test::test_object("no_policy"));
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().kind, ErrorKind::invalid_policy);
  EXPECT_NE(p.error().message.find("has no struct_ops map"), std::string::npos);
}

TEST_F(PolicyObjectTest, NonElfFileIsNotABpfObject) {
  test::TempDir t;
  test::write_file(t / "junk.bpf.o", "not an ELF file");
  auto p = PolicyObject::open(t / "junk.bpf.o");
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().kind, ErrorKind::invalid_policy);
  EXPECT_NE(p.error().message.find("is not a BPF object"), std::string::npos);
}

TEST_F(PolicyObjectTest, MissingFileIsAUsageError) {
  auto p = PolicyObject::open("/nonexistent/x.bpf.o");
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().kind, ErrorKind::usage);
  EXPECT_EQ(p.error().code, ENOENT);
}

}  // namespace
}  // namespace structops
