// The kept value layout --status reads instead of the module's BTF: its
// format, and that only a layout of the running module instance is used.
#include "bpf/ops_layout_cache.hpp"

#include <gtest/gtest.h>

#include "test_util.hpp"

namespace structops {
namespace {

OpsLayout sample() {
  OpsLayout l;
  l.btf_id = 57;
  l.value_type_id = 91234;
  l.value_size = 128;
  l.prog_slots = {64, 72, 80};
  l.name_offset = 88;
  l.name_size = 32;
  l.members = {{"test_1", 64, 8, OpsMember::Kind::func},
               {"test_2", 72, 8, OpsMember::Kind::func},
               {"test_3", 80, 8, OpsMember::Kind::func},
               {"name", 88, 32, OpsMember::Kind::data},
               {"flags", 120, 0, OpsMember::Kind::bitfield}};
  return l;
}

void expect_same(const OpsLayout& a, const OpsLayout& b) {
  EXPECT_EQ(a.btf_id, b.btf_id);
  EXPECT_EQ(a.value_type_id, b.value_type_id);
  EXPECT_EQ(a.value_size, b.value_size);
  EXPECT_EQ(a.prog_slots, b.prog_slots);
  EXPECT_EQ(a.name_offset, b.name_offset);
  EXPECT_EQ(a.name_size, b.name_size);
  ASSERT_EQ(a.members.size(), b.members.size());
  for (size_t i = 0; i < a.members.size(); i++) {
    EXPECT_EQ(a.members[i].name, b.members[i].name);
    EXPECT_EQ(a.members[i].offset, b.members[i].offset);
    EXPECT_EQ(a.members[i].size, b.members[i].size);
    EXPECT_EQ(a.members[i].kind, b.members[i].kind);
  }
}

TEST(OpsLayoutCache, RoundTrips) {
  auto back = parse_ops_layout(format_ops_layout(sample()));
  ASSERT_TRUE(back);
  expect_same(*back, sample());
}

TEST(OpsLayoutCache, TypeWithoutNameOrCallbacksRoundTrips) {
  OpsLayout l = sample();
  l.prog_slots.clear();
  l.name_offset = l.name_size = 0;
  l.members.clear();
  auto back = parse_ops_layout(format_ops_layout(l));
  ASSERT_TRUE(back);
  expect_same(*back, l);
}

TEST(OpsLayoutCache, OffsetsOutsideTheValueAreRefused) {
  OpsLayout slot = sample();
  slot.prog_slots.push_back(121);  // 8 bytes from 121 end past 128
  EXPECT_FALSE(parse_ops_layout(format_ops_layout(slot)));
  OpsLayout name = sample();
  name.name_offset = 100;
  EXPECT_FALSE(parse_ops_layout(format_ops_layout(name)));
}

TEST(OpsLayoutCache, MembersOutsideTheValueOrOfNoKnownKindAreRefused) {
  for (OpsMember bad :
       {OpsMember{"test_4", 124, 8, OpsMember::Kind::func},
        OpsMember{"test_4", 96, 4, OpsMember::Kind::func},
        OpsMember{"pad", 100, 40, OpsMember::Kind::data},
        OpsMember{"", 96, 8, OpsMember::Kind::func}, OpsMember{"a:b", 96, 8, OpsMember::Kind::func},
        OpsMember{"x", 96, 8, static_cast<OpsMember::Kind>('z')}}) {
    OpsLayout l = sample();
    l.members.push_back(bad);
    EXPECT_FALSE(parse_ops_layout(format_ops_layout(l))) << bad.name << " at " << bad.offset;
  }
}

TEST(OpsLayoutCache, FileWithoutMembersIsNotUsed) {
  // What the loader before the members line wrote: derived again.
  std::string text = format_ops_layout(sample());
  text.erase(text.find("members:"));
  EXPECT_FALSE(parse_ops_layout(text));
}

TEST(OpsLayoutCache, MalformedTextIsRefused) {
  EXPECT_FALSE(parse_ops_layout(""));
  EXPECT_FALSE(parse_ops_layout("btf_id: 57\n"));
  std::string text = format_ops_layout(sample());
  EXPECT_FALSE(parse_ops_layout(text.replace(text.find("128"), 3, "-12")));
  EXPECT_FALSE(
      parse_ops_layout("btf_id: 57\nvalue_type_id: 1\nvalue_size: 99999999999\n"
                       "prog_slots:\nname_offset: 0\nname_size: 0\n"));
}

TEST(OpsLayoutCache, KeptLayoutOfThisModuleInstanceIsUsed) {
  test::TempDir dir;
  const std::string path = dir / "run/ops-layout";
  ASSERT_TRUE(save_ops_layout(path, sample()));
  auto l = load_ops_layout(path, 57);
  ASSERT_TRUE(l) << l.error().message;
  expect_same(*l, sample());
}

TEST(OpsLayoutCache, KeptLayoutOfAnotherModuleInstanceIsNot) {
  // Another BTF object id: the module was reloaded since.  The layout then
  // comes from the module's BTF, which this host (no bpf_testmod) lacks.
  test::TempDir dir;
  const std::string path = dir / "ops-layout";
  ASSERT_TRUE(save_ops_layout(path, sample()));
  EXPECT_FALSE(load_ops_layout(path, 58));
}

}  // namespace
}  // namespace structops
