#include "signing/policy_digest.hpp"

#include <bpf/libbpf.h>

#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <structops/bpf_testmod.h>

#include "bpf/libbpf_log.hpp"
#include "bpf/libbpf_ptr.hpp"
#include "test_util.hpp"

namespace structops {
namespace {

constexpr uint8_t kLdImm64 = BPF_LD | BPF_IMM | BPF_DW;
constexpr uint8_t kCall = BPF_JMP | BPF_CALL;

class PolicyDigestTest : public ::testing::Test {
 protected:
  void SetUp() override { install_libbpf_logger(false); }

  static std::vector<NormalisedProgram> normalised(const std::string& object) {
    auto programs = normalise_policy(test::test_object(object));
    EXPECT_TRUE(programs) << programs.error().message;
    return programs ? *programs : std::vector<NormalisedProgram>{};
  }

  static std::string refusal(const std::string& object) {
    auto digests = compute_policy_digests(test::test_object(object));
    EXPECT_FALSE(digests);
    if (digests)
      return {};
    EXPECT_EQ(digests.error().kind, ErrorKind::invalid_policy);
    return digests.error().message;
  }

  // The program as libbpf read it at open (its copy is the object's bytes
  // until load): an independent decoding of what libelf gave the digest.
  static std::vector<bpf_insn> libbpf_insns(const std::string& object, const std::string& prog) {
    BpfObjectPtr obj(bpf_object__open_file(test::test_object(object).c_str(), nullptr));
    EXPECT_TRUE(obj);
    const bpf_program* p =
        obj ? bpf_object__find_program_by_name(obj.get(), prog.c_str()) : nullptr;
    EXPECT_TRUE(p);
    if (!p)
      return {};
    return std::vector<bpf_insn>(bpf_program__insns(p),
                                 bpf_program__insns(p) + bpf_program__insn_cnt(p));
  }
};

// A refusal's line says why; the test checks the part that names it.
::testing::AssertionResult says(const std::string& message, const std::string& part) {
  if (message.find(part) != std::string::npos)
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "\"" << message << "\" does not say \"" << part << "\"";
}

bool same_insn(const bpf_insn& a, const bpf_insn& b) {
  return a.code == b.code && a.dst_reg == b.dst_reg && a.src_reg == b.src_reg && a.off == b.off &&
         a.imm == b.imm;
}

// Indices of the instructions with this code (the first slot of an ld_imm64).
std::vector<size_t> find_code(const std::vector<bpf_insn>& insns, uint8_t code) {
  std::vector<size_t> at;
  for (size_t i = 0; i < insns.size(); i++) {
    if (insns[i].code == code)
      at.push_back(i);
    if (insns[i].code == kLdImm64)
      i++;
  }
  return at;
}

// Every instruction the rules do not name is the object's byte for byte.
void expect_rest_unchanged(const std::vector<bpf_insn>& raw, const std::vector<bpf_insn>& out) {
  ASSERT_EQ(raw.size(), out.size());
  for (size_t i = 0; i < raw.size(); i++) {
    if (raw[i].code == kLdImm64) {
      i++;
      continue;
    }
    if (raw[i].code == kCall && raw[i].src_reg != 0)
      continue;
    EXPECT_TRUE(same_insn(raw[i], out[i])) << "instruction " << i;
  }
}

TEST_F(PolicyDigestTest, EncodesEachInstructionAsEightLittleEndianBytes) {
  bpf_insn insn{};
  insn.code = kLdImm64;
  insn.dst_reg = 1;
  insn.src_reg = 2;
  insn.off = -2;
  insn.imm = 0x12345678;
  EXPECT_EQ(encode_insns({insn}),
            (std::vector<uint8_t>{0x18, 0x21, 0xfe, 0xff, 0x78, 0x56, 0x34, 0x12}));
}

TEST_F(PolicyDigestTest, HashesWithSha256InLowercaseHex) {
  // FIPS 180-2's "abc" test vector.
  EXPECT_EQ(sha256_hex({'a', 'b', 'c'}),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_F(PolicyDigestTest, OneDigestPerCallbackTheMapSetsInMemberOrder) {
  auto digests = compute_policy_digests(test::test_object("sign_map"));
  ASSERT_TRUE(digests) << digests.error().message;
  ASSERT_EQ(digests->size(), 2u);  // test_2 is left to the module
  EXPECT_EQ((*digests)[0].member, "test_1");
  EXPECT_EQ((*digests)[0].program, "sign_map_test_1");
  EXPECT_EQ((*digests)[1].member, "test_3");
  EXPECT_EQ((*digests)[1].program, "sign_map_test_3");
  for (const ProgramDigest& d : *digests) {
    EXPECT_EQ(d.sha256.size(), 64u);
    EXPECT_EQ(d.sha256.find_first_not_of("0123456789abcdef"), std::string::npos);
  }
  auto programs = normalise_policy(test::test_object("sign_map"));
  ASSERT_TRUE(programs);
  EXPECT_EQ((*digests)[0].sha256, sha256_hex(encode_insns((*programs)[0].insns)));
}

TEST_F(PolicyDigestTest, AMapLoadBecomesSrc1WithBothImmediatesZero) {
  auto programs = normalised("sign_map");
  ASSERT_FALSE(programs.empty());
  const auto& insns = programs[0].insns;
  const auto loads = find_code(insns, kLdImm64);
  ASSERT_EQ(loads.size(), 1u);
  EXPECT_EQ(insns[loads[0]].src_reg, BPF_PSEUDO_MAP_FD);
  EXPECT_EQ(insns[loads[0]].imm, 0);
  EXPECT_EQ(insns[loads[0] + 1].imm, 0);
  // The helper call stays as compiled: its UAPI id.
  const auto calls = find_code(insns, kCall);
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(insns[calls[0]].src_reg, 0);
  EXPECT_EQ(insns[calls[0]].imm, BPF_FUNC_map_lookup_elem);
  expect_rest_unchanged(libbpf_insns("sign_map", "sign_map_test_1"), insns);
}

TEST_F(PolicyDigestTest, GlobalsInRodataDataAndBssBecomeSrc2WithBothImmediatesZero) {
  auto programs = normalised("sign_global");
  ASSERT_EQ(programs.size(), 1u);
  EXPECT_EQ(programs[0].member, "test_2");
  const auto& insns = programs[0].insns;
  const auto loads = find_code(insns, kLdImm64);
  ASSERT_EQ(loads.size(), 3u);  // sign_knob, sign_data, sign_bss
  for (size_t i : loads) {
    EXPECT_EQ(insns[i].src_reg, BPF_PSEUDO_MAP_VALUE) << "instruction " << i;
    EXPECT_EQ(insns[i].imm, 0);
    EXPECT_EQ(insns[i + 1].imm, 0);
  }
  expect_rest_unchanged(libbpf_insns("sign_global", "sign_global_test_2"), insns);
}

TEST_F(PolicyDigestTest, TheModulesKfuncAndItsKsymExistsBecomeItsToken) {
  auto programs = normalised("sign_kfunc");
  ASSERT_EQ(programs.size(), 1u);
  const auto& insns = programs[0].insns;
  const auto raw = libbpf_insns("sign_kfunc", "sign_kfunc_test_3");
  const auto loads = find_code(insns, kLdImm64);
  ASSERT_EQ(loads.size(), 1u);  // bpf_ksym_exists(bpf_testmod_read_test_3_buf)
  EXPECT_EQ(insns[loads[0]].src_reg, BPF_PSEUDO_BTF_ID);
  EXPECT_EQ(insns[loads[0]].imm, BPF_TESTMOD_KFUNC_TOKEN_READ_TEST_3_BUF);
  EXPECT_EQ(insns[loads[0]].dst_reg, raw[loads[0]].dst_reg);
  EXPECT_EQ(insns[loads[0] + 1].imm, 0);

  int kfunc_calls = 0, helper_calls = 0;
  for (size_t i : find_code(insns, kCall)) {
    if (insns[i].src_reg == BPF_PSEUDO_KFUNC_CALL) {
      kfunc_calls++;
      EXPECT_EQ(insns[i].off, 0);
      EXPECT_EQ(insns[i].imm, BPF_TESTMOD_KFUNC_TOKEN_READ_TEST_3_BUF);
      EXPECT_EQ(raw[i].src_reg, BPF_PSEUDO_CALL);  // as clang emits it
    } else {
      helper_calls++;
      EXPECT_TRUE(same_insn(insns[i], raw[i]));  // bpf_probe_read_kernel, the fallback
    }
  }
  EXPECT_EQ(kfunc_calls, 1);
  EXPECT_EQ(helper_calls, 1);
  expect_rest_unchanged(raw, insns);
}

TEST_F(PolicyDigestTest, OneChangedInstructionChangesTheDigest) {
  auto five = compute_policy_digests(test::test_object("sign_global"));
  auto six = compute_policy_digests(test::test_object("sign_global_6"));
  ASSERT_TRUE(five && six);
  EXPECT_NE((*five)[0].sha256, (*six)[0].sha256);
}

TEST_F(PolicyDigestTest, RecompilingTheSameSourceKeepsTheDigests) {
  auto first = compute_policy_digests(test::test_object("sign_map"));
  auto again = compute_policy_digests(test::test_object("sign_map_again"));
  ASSERT_TRUE(first && again);
  ASSERT_EQ(first->size(), again->size());
  for (size_t i = 0; i < first->size(); i++)
    EXPECT_EQ((*first)[i].sha256, (*again)[i].sha256);
}

TEST_F(PolicyDigestTest, ABpfToBpfCallIsRefused) {
  EXPECT_EQ(refusal("sign_subprog"),
            "policy 'unit_sign_subprog': program 'sign_subprog_test_2' (test_2) calls another "
            "BPF function ('.text') (instruction 2); signed policies cannot (v1)");
}

TEST_F(PolicyDigestTest, ATypedKsymVariableIsRefused) {
  const std::string why = refusal("sign_ksym_var");
  EXPECT_TRUE(says(why,
                   "program 'sign_ksym_var_test_1' (test_1) uses kernel variable "
                   "'bpf_prog_active' (__ksym)"));
  EXPECT_TRUE(says(why, "signed policies cannot (v1)"));
}

TEST_F(PolicyDigestTest, AKconfigExternIsRefused) {
  EXPECT_TRUE(says(refusal("sign_kconfig"),
                   "program 'sign_kconfig_test_1' (test_1) reads .kconfig extern "
                   "'LINUX_KERNEL_VERSION'"));
}

TEST_F(PolicyDigestTest, ACoreRelocationIsRefused) {
  EXPECT_TRUE(says(refusal("sign_core"),
                   "program 'sign_core_test_1' (test_1) has 1 CO-RE relocation(s), which "
                   "libbpf rewrites for each kernel"));
}

TEST_F(PolicyDigestTest, APolicyWithoutCallbacksHasNothingToSign) {
  auto digests = compute_policy_digests(test::corpus_object("empty_policy"));
  ASSERT_FALSE(digests);
  EXPECT_EQ(digests.error().kind, ErrorKind::invalid_policy);
  EXPECT_EQ(digests.error().message,
            "policy 'empty_policy' sets no callback: there is nothing to sign");
}

TEST_F(PolicyDigestTest, AnObjectWithoutAPolicyIsRefusedAsPolicyObjectRefusesIt) {
  auto digests = compute_policy_digests(test::test_object("no_policy"));
  ASSERT_FALSE(digests);
  EXPECT_EQ(digests.error().kind, ErrorKind::invalid_policy);
}

}  // namespace
}  // namespace structops
