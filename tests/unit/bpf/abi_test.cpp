// The ABI header and the built module agree: the module's own BTF (its .BTF
// section, split on the kernel's vmlinux BTF) describes struct
// bpf_testmod_ops and enum bpf_testmod_limits exactly as
// include/structops/bpf_testmod.h does for the loader and the policies.
// Needs a module built for one kernel: STRUCTOPS_KMOD (the .ko) and
// STRUCTOPS_BTF_BASE (that kernel's vmlinux with BTF).
#include <bpf/btf.h>

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <structops/bpf_testmod.h>

#include "bpf/libbpf_ptr.hpp"
#include "bpf/struct_ops_value.hpp"

namespace structops {
namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

class AbiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string ko = env("STRUCTOPS_KMOD"), base_path = env("STRUCTOPS_BTF_BASE");
    if (ko.empty() || base_path.empty())
      GTEST_SKIP() << "STRUCTOPS_KMOD and STRUCTOPS_BTF_BASE name the module and its vmlinux";
    base_.reset(btf__parse(base_path.c_str(), nullptr));
    ASSERT_TRUE(base_) << "cannot read BTF from " << base_path << ": errno " << errno;
    btf_.reset(btf__parse_split(ko.c_str(), base_.get()));
    ASSERT_TRUE(btf_) << "cannot read the module BTF of " << ko << ": errno " << errno;
  }
  BtfPtr base_, btf_;
};

struct Member {
  const char* name;
  size_t offset, size;
};

TEST_F(AbiTest, OpsStructHasTheHeadersMembersInOrderWithTheirOffsetsAndSizes) {
  const std::vector<Member> header = {
      {"test_1", offsetof(bpf_testmod_ops, test_1), sizeof(bpf_testmod_ops::test_1)},
      {"test_2", offsetof(bpf_testmod_ops, test_2), sizeof(bpf_testmod_ops::test_2)},
      {"test_3", offsetof(bpf_testmod_ops, test_3), sizeof(bpf_testmod_ops::test_3)},
      {"name", offsetof(bpf_testmod_ops, name), sizeof(bpf_testmod_ops::name)},
  };
  int id = btf__find_by_name_kind(btf_.get(), BPF_TESTMOD_OPS_TYPE, BTF_KIND_STRUCT);
  ASSERT_GT(id, 0) << "no struct " << BPF_TESTMOD_OPS_TYPE << " in the module's BTF";
  const btf_type* t = btf__type_by_id(btf_.get(), id);
  EXPECT_EQ(t->size, sizeof(bpf_testmod_ops));
  ASSERT_EQ(btf_vlen(t), header.size());
  const btf_member* m = btf_members(t);
  for (size_t i = 0; i < header.size(); i++, m++) {
    SCOPED_TRACE(header[i].name);
    EXPECT_STREQ(btf__name_by_offset(btf_.get(), m->name_off), header[i].name);
    EXPECT_EQ(btf_member_bit_offset(t, i), header[i].offset * 8);
    EXPECT_EQ(btf_member_bitfield_size(t, i), 0u);
    EXPECT_EQ(btf__resolve_size(btf_.get(), m->type), static_cast<long long>(header[i].size));
  }
}

TEST_F(AbiTest, LimitsEnumCarriesTheHeadersValues) {
  int id = btf__find_by_name_kind(btf_.get(), "bpf_testmod_limits", BTF_KIND_ENUM);
  ASSERT_GT(id, 0) << "no enum bpf_testmod_limits in the module's BTF";
  const btf_type* t = btf__type_by_id(btf_.get(), id);
  const struct {
    const char* name;
    long long value;
  } header[] = {{"BPF_TESTMOD_NAME_LEN", BPF_TESTMOD_NAME_LEN},
                {"BPF_TESTMOD_TRIGGER_MAX", BPF_TESTMOD_TRIGGER_MAX},
                {"BPF_TESTMOD_TRUST_MAX", BPF_TESTMOD_TRUST_MAX},
                {"BPF_TESTMOD_TRUST_MAX_PROGS", BPF_TESTMOD_TRUST_MAX_PROGS},
                {"BPF_TESTMOD_TRUST_MAX_ENTRIES", BPF_TESTMOD_TRUST_MAX_ENTRIES},
                {"BPF_TESTMOD_TRUST_POLICY_LEN", BPF_TESTMOD_TRUST_POLICY_LEN}};
  ASSERT_EQ(btf_vlen(t), std::size(header));
  const struct btf_enum* e = btf_enum(t);
  for (size_t i = 0; i < std::size(header); i++, e++) {
    EXPECT_STREQ(btf__name_by_offset(btf_.get(), e->name_off), header[i].name);
    EXPECT_EQ(e->val, header[i].value) << header[i].name;
  }
}

TEST_F(AbiTest, TheLoaderLooksForTheHeadersTypeName) {
  EXPECT_STREQ(kOpsType, BPF_TESTMOD_OPS_TYPE);
  // The value type the kernel wraps around it, which the loader fills in.
  std::string value = std::string("bpf_struct_ops_") + BPF_TESTMOD_OPS_TYPE;
  EXPECT_GT(btf__find_by_name_kind(btf_.get(), value.c_str(), BTF_KIND_STRUCT), 0) << value;
}

}  // namespace
}  // namespace structops
