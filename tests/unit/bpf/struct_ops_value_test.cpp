#include "bpf/struct_ops_value.hpp"

#include <cstring>
#include <map>

#include <gtest/gtest.h>

#include "bpf/libbpf_log.hpp"
#include "bpf/libbpf_ptr.hpp"
#include "bpf/policy_object.hpp"
#include "test_util.hpp"

namespace structops {
namespace {

// Describes one member of the synthetic kernel bpf_testmod_ops.
struct KMember {
  std::string name;
  enum { fn, name_array, integer } kind;
  uint32_t offset;     // bytes
  uint32_t size = 32;  // for name_array
};

// A "module BTF" built in memory, shaped like what register_bpf_struct_ops()
// emits: struct bpf_struct_ops_bpf_testmod_ops { common; data (64-aligned) }.
// With a base, it is split BTF on that base, as a real module's is on vmlinux.
BtfPtr kernel_btf(const std::vector<KMember>& members, uint32_t ops_size,
                  const std::string& ops_name = "bpf_testmod_ops", btf* base = nullptr) {
  BtfPtr b(base ? btf__new_empty_split(base) : btf__new_empty());
  int int_id = btf__add_int(b.get(), "int", 4, BTF_INT_SIGNED);
  int char_id = btf__add_int(b.get(), "char", 1, BTF_INT_CHAR);
  int proto_id = btf__add_func_proto(b.get(), int_id);
  int fn_ptr = btf__add_ptr(b.get(), proto_id);
  std::map<uint32_t, int> arrays;
  for (const KMember& m : members)
    if (m.kind == KMember::name_array && !arrays.count(m.size))
      arrays[m.size] = btf__add_array(b.get(), int_id, char_id, m.size);

  int ops_id = btf__add_struct(b.get(), ops_name.c_str(), ops_size);
  for (const KMember& m : members) {
    int type = m.kind == KMember::fn        ? fn_ptr
               : m.kind == KMember::integer ? int_id
                                            : arrays[m.size];
    btf__add_field(b.get(), m.name.c_str(), type, m.offset * 8, 0);
  }
  int common_id = btf__add_struct(b.get(), "bpf_struct_ops_common_value", 8);
  btf__add_field(b.get(), "refcnt", int_id, 0, 0);
  btf__add_field(b.get(), "state", int_id, 32, 0);
  uint32_t value_size = 64 + ((ops_size + 63) / 64) * 64;
  btf__add_struct(b.get(), ("bpf_struct_ops_" + ops_name).c_str(), value_size);
  btf__add_field(b.get(), "common", common_id, 0, 0);
  btf__add_field(b.get(), "data", ops_id, 64 * 8, 0);
  return b;
}

// The layout of include/structops/bpf_testmod.h.
const std::vector<KMember> kSameLayout = {{"test_1", KMember::fn, 0},
                                          {"test_2", KMember::fn, 8},
                                          {"test_3", KMember::fn, 16},
                                          {"name", KMember::name_array, 24}};

uint64_t slot(const std::vector<uint8_t>& v, uint32_t off) {
  uint64_t x;
  std::memcpy(&x, v.data() + off, sizeof(x));
  return x;
}

class StructOpsValue : public ::testing::Test {
 protected:
  void SetUp() override {
    install_libbpf_logger(false);
    auto p = PolicyObject::open(test::test_object("knobs"));
    ASSERT_TRUE(p) << p.error().message;
    policy_.emplace(std::move(p).value());
  }

  // Program "fds" that identify the program in the built value.
  static Result<int> fake_fd(const bpf_program* prog) {
    static const std::map<std::string, int> fds = {{"knobs_test_1", 101}, {"knobs_test_3", 103}};
    auto it = fds.find(bpf_program__name(prog));
    if (it == fds.end())
      return make_error(ErrorKind::other, "unexpected program");
    return it->second;
  }

  Result<std::vector<uint8_t>> build(const btf* k) {
    auto ops = find_kernel_ops(k);
    if (!ops)
      return std::move(ops).error();
    return build_struct_ops_value(policy_->local_ops(), *ops, fake_fd);
  }

  std::optional<PolicyObject> policy_;
};

TEST_F(StructOpsValue, FindsTheKernelValueTypeAndItsDataMember) {
  BtfPtr k = kernel_btf(kSameLayout, 56);
  auto ops = find_kernel_ops(k.get());
  ASSERT_TRUE(ops) << ops.error().message;
  EXPECT_EQ(ops->data_offset, 64u);
  EXPECT_EQ(ops->value_size, 128u);
}

TEST_F(StructOpsValue, FindsTheModulesOwnValueTypeInSplitBtf) {
  // A base ("vmlinux") that has a struct of the same name, of another size:
  // the module's own type is the one its maps use.
  BtfPtr base(btf__new_empty());
  int int_id = btf__add_int(base.get(), "int", 4, BTF_INT_SIGNED);
  btf__add_struct(base.get(), "bpf_struct_ops_bpf_testmod_ops", 4);
  btf__add_field(base.get(), "data", int_id, 0, 0);
  BtfPtr k = kernel_btf(kSameLayout, 56, "bpf_testmod_ops", base.get());
  ASSERT_TRUE(k);
  auto ops = find_kernel_ops(k.get());
  ASSERT_TRUE(ops) << ops.error().message;
  EXPECT_GE(ops->value_type_id, btf__type_cnt(base.get()));
  EXPECT_EQ(ops->data_offset, 64u);
  EXPECT_EQ(ops->value_size, 128u);
  auto v = build(k.get());
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_EQ(slot(*v, 64 + 16), 103u);
}

TEST_F(StructOpsValue, FindsAValueTypeThatOnlyTheBaseHas) {
  // A struct_ops type registered by vmlinux itself, seen through a module's BTF.
  BtfPtr base = kernel_btf(kSameLayout, 56);
  BtfPtr k(btf__new_empty_split(base.get()));
  ASSERT_TRUE(k);
  btf__add_int(k.get(), "long", 8, BTF_INT_SIGNED);
  auto ops = find_kernel_ops(k.get());
  ASSERT_TRUE(ops) << ops.error().message;
  EXPECT_LT(ops->value_type_id, btf__type_cnt(base.get()));
  EXPECT_EQ(ops->value_size, 128u);
}

TEST_F(StructOpsValue, MissingKernelTypeMeansTheModuleIsUnavailable) {
  BtfPtr k = kernel_btf(kSameLayout, 56, "other_ops");
  auto ops = find_kernel_ops(k.get());
  ASSERT_FALSE(ops);
  EXPECT_EQ(ops.error().kind, ErrorKind::unavailable);
  EXPECT_NE(ops.error().message.find("bpf_struct_ops_bpf_testmod_ops"), std::string::npos);
}

TEST_F(StructOpsValue, ProgramFdsGoInTheirSlotsAndDataIsCopied) {
  BtfPtr k = kernel_btf(kSameLayout, 56);
  auto v = build(k.get());
  ASSERT_TRUE(v) << v.error().message;
  ASSERT_EQ(v->size(), 128u);
  for (size_t i = 0; i < 64; i++)
    ASSERT_EQ((*v)[i], 0) << "common part must stay zero, byte " << i;
  EXPECT_EQ(slot(*v, 64 + 0), 101u);
  EXPECT_EQ(slot(*v, 64 + 8), 0u);  // test_2 not implemented: the module answers
  EXPECT_EQ(slot(*v, 64 + 16), 103u);
  EXPECT_STREQ(reinterpret_cast<const char*>(v->data() + 64 + 24), "knobs");
  for (size_t i = 64 + 24 + 5; i < v->size(); i++)
    ASSERT_EQ((*v)[i], 0) << "byte " << i;
}

TEST_F(StructOpsValue, MembersAreMatchedByNameNotPosition) {
  // A module whose struct has another order and a member the policy lacks.
  BtfPtr k = kernel_btf({{"name", KMember::name_array, 0},
                         {"test_4", KMember::fn, 32},
                         {"test_3", KMember::fn, 40},
                         {"test_1", KMember::fn, 48},
                         {"test_2", KMember::fn, 56}},
                        64);
  auto v = build(k.get());
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_STREQ(reinterpret_cast<const char*>(v->data() + 64), "knobs");
  EXPECT_EQ(slot(*v, 64 + 32), 0u);
  EXPECT_EQ(slot(*v, 64 + 40), 103u);
  EXPECT_EQ(slot(*v, 64 + 48), 101u);
  EXPECT_EQ(slot(*v, 64 + 56), 0u);

  auto ops = find_kernel_ops(k.get());
  ASSERT_TRUE(ops);
  const OpsLayout layout = ops_layout_of(*ops, 7);
  EXPECT_EQ(layout.btf_id, 7u);
  EXPECT_EQ(layout.value_type_id, ops->value_type_id);
  EXPECT_EQ(layout.value_size, 128u);
  EXPECT_EQ(layout.prog_slots, (std::vector<uint32_t>{64 + 32, 64 + 40, 64 + 48, 64 + 56}));
  EXPECT_EQ(layout.name_offset, 64u);
  EXPECT_EQ(layout.name_size, 32u);
  EXPECT_EQ(ops_name_in_value(layout, *v), "knobs");
  // A looked-up value carries prog ids where the fds were; members in order.
  EXPECT_EQ(prog_ids_in_value(layout, *v), (std::vector<uint32_t>{103, 101}));
}

TEST_F(StructOpsValue, KeptLayoutBuildsTheSameValueAsTheModulesBtf) {
  // A swap builds the value from the layout kept under /run, not the BTF.
  BtfPtr k = kernel_btf({{"name", KMember::name_array, 0},
                         {"test_3", KMember::fn, 32},
                         {"test_1", KMember::fn, 40},
                         {"test_2", KMember::fn, 48}},
                        56);
  auto ops = find_kernel_ops(k.get());
  ASSERT_TRUE(ops);
  const OpsLayout layout = ops_layout_of(*ops, 7);
  ASSERT_EQ(layout.members.size(), 4u);
  EXPECT_EQ(layout.members[1].name, "test_3");
  EXPECT_EQ(layout.members[1].offset, 64u + 32);
  EXPECT_EQ(layout.members[1].kind, OpsMember::Kind::func);
  EXPECT_EQ(layout.members[0].size, 32u);
  EXPECT_EQ(layout.members[0].kind, OpsMember::Kind::data);
  auto from_btf = build(k.get());
  auto from_layout = build_struct_ops_value(policy_->local_ops(), layout, fake_fd);
  ASSERT_TRUE(from_btf) << from_btf.error().message;
  ASSERT_TRUE(from_layout) << from_layout.error().message;
  EXPECT_EQ(*from_layout, *from_btf);
}

TEST_F(StructOpsValue, KernelBitfieldMemberIsAnInvalidPolicy) {
  OpsLayout layout;
  layout.value_size = 128;
  layout.members = {{"test_1", 64, 8, OpsMember::Kind::func},
                    {"test_3", 72, 8, OpsMember::Kind::func},
                    {"name", 80, 0, OpsMember::Kind::bitfield}};
  auto v = build_struct_ops_value(policy_->local_ops(), layout, fake_fd);
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().kind, ErrorKind::invalid_policy);
  EXPECT_NE(v.error().message.find("bitfield"), std::string::npos);
}

TEST_F(StructOpsValue, UnsetMemberTheModuleLacksIsSkipped) {
  BtfPtr k = kernel_btf(
      {{"test_1", KMember::fn, 0}, {"test_3", KMember::fn, 8}, {"name", KMember::name_array, 16}},
      48);
  auto v = build(k.get());
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_EQ(slot(*v, 64), 101u);
  EXPECT_EQ(slot(*v, 72), 103u);
}

TEST_F(StructOpsValue, SetMemberTheModuleLacksIsAnInvalidPolicy) {
  BtfPtr k = kernel_btf(
      {{"test_1", KMember::fn, 0}, {"test_2", KMember::fn, 8}, {"name", KMember::name_array, 16}},
      48);
  auto v = build(k.get());
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().kind, ErrorKind::invalid_policy);
  EXPECT_NE(v.error().message.find("'test_3'"), std::string::npos) << v.error().message;
}

TEST_F(StructOpsValue, DataMemberOfAnotherSizeIsAnInvalidPolicy) {
  BtfPtr k = kernel_btf({{"test_1", KMember::fn, 0},
                         {"test_2", KMember::fn, 8},
                         {"test_3", KMember::fn, 16},
                         {"name", KMember::name_array, 24, 16}},
                        40);
  auto v = build(k.get());
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().kind, ErrorKind::invalid_policy);
  EXPECT_NE(v.error().message.find("'name' is 32 bytes in the policy but 16"), std::string::npos)
      << v.error().message;
}

TEST_F(StructOpsValue, FunctionPointerMustBeAFunctionPointerInTheModule) {
  BtfPtr k = kernel_btf({{"test_1", KMember::integer, 0},
                         {"test_2", KMember::fn, 8},
                         {"test_3", KMember::fn, 16},
                         {"name", KMember::name_array, 24}},
                        56);
  auto v = build(k.get());
  ASSERT_FALSE(v);
  EXPECT_NE(v.error().message.find("function pointer on one side only"), std::string::npos);
}

TEST_F(StructOpsValue, ProgramFdFailureIsPassedOn) {
  BtfPtr k = kernel_btf(kSameLayout, 56);
  auto ops = find_kernel_ops(k.get());
  ASSERT_TRUE(ops);
  auto v =
      build_struct_ops_value(policy_->local_ops(), *ops, [](const bpf_program*) -> Result<int> {
        return make_error(ErrorKind::invalid_policy, "not loaded");
      });
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().message, "not loaded");
}

}  // namespace
}  // namespace structops
