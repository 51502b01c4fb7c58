#include "bpf/policy_stats.hpp"

#include <gtest/gtest.h>

#include "bpf/libbpf_log.hpp"
#include "bpf/libbpf_ptr.hpp"
#include "test_util.hpp"

namespace structops {
namespace {

class DatasecDecoding : public ::testing::Test {
 protected:
  void SetUp() override {
    install_libbpf_logger(false);
    obj_.reset(bpf_object__open_file(test::test_object("knobs").c_str(), nullptr));
    ASSERT_TRUE(obj_);
  }

  // Decodes the initial image of the object's map for section sec, the
  // way --status decodes the live map's value.
  std::vector<StatVar> decode(const std::string& sec, size_t cut = 0) {
    const btf* b = bpf_object__btf(obj_.get());
    int id = btf__find_by_name_kind(b, sec.c_str(), BTF_KIND_DATASEC);
    EXPECT_GT(id, 0) << sec;
    bpf_map* map;
    bpf_object__for_each_map(map, obj_.get()) {
      if (bpf_map__btf_value_type_id(map) != static_cast<uint32_t>(id))
        continue;
      size_t size = 0;
      const void* data = bpf_map__initial_value(map, &size);
      return decode_datasec(b, id, data, cut ? cut : size);
    }
    ADD_FAILURE() << "no map for " << sec;
    return {};
  }

  BpfObjectPtr obj_;
};

const StatVar* find(const std::vector<StatVar>& vars, const std::string& name) {
  for (const StatVar& v : vars)
    if (v.name == name)
      return &v;
  return nullptr;
}

TEST_F(DatasecDecoding, IntegersArraysAndStrings) {
  auto vars = decode(".data");
  const StatVar* counter = find(vars, "counter");
  ASSERT_NE(counter, nullptr);
  EXPECT_EQ(counter->shape, StatVar::Shape::scalar);
  EXPECT_EQ(counter->type, "u64");
  EXPECT_EQ(counter->values, std::vector<std::string>{"5"});

  const StatVar* hist = find(vars, "hist");
  ASSERT_NE(hist, nullptr);
  EXPECT_EQ(hist->shape, StatVar::Shape::array);
  EXPECT_EQ(hist->type, "u32[4]");
  EXPECT_EQ(hist->values, (std::vector<std::string>{"1", "2", "3", "4"}));

  const StatVar* label = find(vars, "label");
  ASSERT_NE(label, nullptr);
  EXPECT_EQ(label->shape, StatVar::Shape::text);
  EXPECT_EQ(label->values, std::vector<std::string>{"abc"});

  const StatVar* delta = find(vars, "delta");
  ASSERT_NE(delta, nullptr);
  EXPECT_EQ(delta->type, "s16");
  EXPECT_EQ(delta->values, std::vector<std::string>{"-2"});
}

TEST_F(DatasecDecoding, BssAndRodata) {
  auto bss = decode(".bss");
  ASSERT_NE(find(bss, "zeroed"), nullptr);
  EXPECT_EQ(find(bss, "zeroed")->values, std::vector<std::string>{"0"});
  auto rodata = decode(".rodata");
  ASSERT_NE(find(rodata, "k_bool"), nullptr);
  EXPECT_EQ(find(rodata, "k_bool")->values, std::vector<std::string>{"true"});
  EXPECT_EQ(find(rodata, "k_s32")->values, std::vector<std::string>{"-100000"});
}

TEST_F(DatasecDecoding, VariablesPastAShortValueAreSkipped) {
  auto all = decode(".data");
  auto cut = decode(".data", 8);
  EXPECT_LT(cut.size(), all.size());
  for (const StatVar& v : cut)
    EXPECT_NE(find(all, v.name), nullptr);
}

TEST_F(DatasecDecoding, NotADatasecGivesNothing) {
  const btf* b = bpf_object__btf(obj_.get());
  int int_id = btf__find_by_name_kind(b, "int", BTF_KIND_INT);
  ASSERT_GT(int_id, 0);
  char data[64] = {};
  EXPECT_TRUE(decode_datasec(b, int_id, data, sizeof(data)).empty());
}

}  // namespace
}  // namespace structops
