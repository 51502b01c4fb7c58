#include "bpf/knobs.hpp"

#include <map>

#include <gtest/gtest.h>

#include "bpf/libbpf_log.hpp"
#include "bpf/libbpf_ptr.hpp"
#include "test_util.hpp"

namespace structops {
namespace {

Knob knob(uint32_t size, bool is_signed, bool is_bool = false) {
  Knob k;
  k.name = "k";
  k.type.size = size;
  k.type.is_signed = is_signed;
  k.type.is_bool = is_bool;
  return k;
}

uint64_t parsed(const Knob& k, const std::string& text) {
  auto r = parse_knob_value(k, text);
  EXPECT_TRUE(r) << text << ": " << r.error().message;
  return r ? *r : 0xdeadbeef;
}

std::string rejected(const Knob& k, const std::string& text) {
  auto r = parse_knob_value(k, text);
  if (r)
    return "<accepted>";
  EXPECT_EQ(r.error().kind, ErrorKind::usage);
  return r.error().message;
}

TEST(KnobValue, DecimalAndHexWithinRange) {
  EXPECT_EQ(parsed(knob(1, false), "255"), 255u);
  EXPECT_EQ(parsed(knob(1, false), "0xff"), 255u);
  EXPECT_EQ(parsed(knob(1, false), "0XFf"), 255u);
  EXPECT_EQ(parsed(knob(4, false), "4294967295"), 4294967295u);
  EXPECT_EQ(parsed(knob(8, false), "18446744073709551615"), UINT64_MAX);
  EXPECT_EQ(parsed(knob(8, false), "0xffffffffffffffff"), UINT64_MAX);
}

TEST(KnobValue, NegativeValuesAreTwosComplementOfTheKnobSize) {
  EXPECT_EQ(parsed(knob(1, true), "-128"), 0x80u);
  EXPECT_EQ(parsed(knob(1, true), "127"), 127u);
  EXPECT_EQ(parsed(knob(2, true), "-1"), 0xffffu);
  EXPECT_EQ(parsed(knob(4, true), "-2147483648"), 0x80000000u);
  EXPECT_EQ(parsed(knob(8, true), "-9223372036854775808"), 0x8000000000000000u);
  EXPECT_EQ(parsed(knob(4, true), "-0x10"), 0xfffffff0u);
}

TEST(KnobValue, OutOfRangeSaysTheRange) {
  EXPECT_NE(rejected(knob(1, false), "256").find("out of range 0..255"), std::string::npos);
  EXPECT_NE(rejected(knob(1, true), "128").find("out of range -128..127"), std::string::npos);
  EXPECT_NE(rejected(knob(1, true), "-129").find("out of range"), std::string::npos);
  EXPECT_NE(rejected(knob(4, false), "-1").find("unsigned"), std::string::npos);
  EXPECT_NE(rejected(knob(8, false), "18446744073709551616").find("integer"), std::string::npos);
  EXPECT_NE(rejected(knob(8, true), "9223372036854775808").find("out of range"), std::string::npos);
}

TEST(KnobValue, AnythingButAPlainIntegerIsRejected) {
  for (const char* bad : {"", "-", "0x", "1.5", "1e3", " 1", "1 ", "+1", "12abc", "0x1g", "--1"})
    EXPECT_NE(rejected(knob(4, true), bad), "<accepted>") << bad;
}

TEST(KnobValue, BoolsTakeWordsOrDigits) {
  Knob b = knob(1, false, true);
  EXPECT_EQ(parsed(b, "true"), 1u);
  EXPECT_EQ(parsed(b, "1"), 1u);
  EXPECT_EQ(parsed(b, "false"), 0u);
  EXPECT_EQ(parsed(b, "0"), 0u);
  EXPECT_NE(rejected(b, "2"), "<accepted>");
  EXPECT_NE(rejected(b, "yes"), "<accepted>");
}

TEST(KnobSetting, SplitsAtTheFirstEquals) {
  auto s = parse_setting("a=b=c");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->key, "a");
  EXPECT_EQ(s->value, "b=c");
  EXPECT_TRUE(parse_setting("a="));  // empty value: the value parser says no
  EXPECT_FALSE(parse_setting("=1"));
  EXPECT_FALSE(parse_setting("a"));
}

class KnobObject : public ::testing::Test {
 protected:
  void SetUp() override {
    install_libbpf_logger(false);
    obj_.reset(bpf_object__open_file(test::test_object("knobs").c_str(), nullptr));
    ASSERT_TRUE(obj_) << "cannot open " << test::test_object("knobs");
  }

  // The knobs' current values, decoded from the .rodata initial image.
  std::map<std::string, std::string> values() {
    std::map<std::string, std::string> out;
    const btf* b = bpf_object__btf(obj_.get());
    bpf_map* map;
    bpf_object__for_each_map(map, obj_.get()) {
      std::string name = bpf_map__name(map);
      if (!bpf_map__is_internal(map) || name.size() < 7 ||
          name.compare(name.size() - 7, 7, ".rodata") != 0)
        continue;
      size_t size = 0;
      const char* data = static_cast<const char*>(bpf_map__initial_value(map, &size));
      for (const Knob& k : find_knobs(b))
        out[k.name] = format_int(data + k.offset, k.type);
    }
    return out;
  }

  BpfObjectPtr obj_;
};

TEST_F(KnobObject, FindsEveryConstVolatileGlobalWithItsType) {
  auto knobs = find_knobs(bpf_object__btf(obj_.get()));
  std::map<std::string, std::string> types;
  for (const Knob& k : knobs)
    types[k.name] = int_type_text(k.type);
  EXPECT_EQ(types, (std::map<std::string, std::string>{{"k_u8", "u8"},
                                                       {"k_s8", "s8"},
                                                       {"k_u16", "u16"},
                                                       {"k_s16", "s16"},
                                                       {"k_u32", "u32"},
                                                       {"k_s32", "s32"},
                                                       {"k_u64", "u64"},
                                                       {"k_s64", "s64"},
                                                       {"k_bool", "bool"}}));
}

TEST_F(KnobObject, DefaultsComeFromTheObject) {
  auto v = values();
  EXPECT_EQ(v["k_u8"], "7");
  EXPECT_EQ(v["k_s8"], "-3");
  EXPECT_EQ(v["k_s32"], "-100000");
  EXPECT_EQ(v["k_s64"], "-1");
  EXPECT_EQ(v["k_bool"], "true");
}

// Reads values() like the test above, on purpose: the defaults and the
// settings are separate cases.
TEST_F(KnobObject, SettingsChangeOnlyTheirKnobs) {
  auto r = apply_knob_settings(obj_.get(), "knobs",
                               {"k_u8=200", "k_s16=-32768", "k_u64=0xffffffffffffffff", "k_s8=-128",
                                "k_bool=false", "k_u8=201"});
  ASSERT_TRUE(r) << r.error().message;
  auto v = values();
  EXPECT_EQ(v["k_u8"], "201");  // the last setting of a key wins
  EXPECT_EQ(v["k_s16"], "-32768");
  EXPECT_EQ(v["k_u64"], "18446744073709551615");
  EXPECT_EQ(v["k_s8"], "-128");
  EXPECT_EQ(v["k_bool"], "false");
  EXPECT_EQ(v["k_u16"], "1000");
  EXPECT_EQ(v["k_u32"], "100000");
  EXPECT_EQ(v["k_s32"], "-100000");
}

TEST_F(KnobObject, UnknownKeyListsTheKnobsWithTheirValues) {
  auto r = apply_knob_settings(obj_.get(), "knobs", {"nope=1"});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::usage);
  const std::string& m = r.error().message;
  EXPECT_NE(m.find("policy 'knobs' has no knob 'nope'"), std::string::npos) << m;
  EXPECT_NE(m.find("k_u8 (u8, 7)"), std::string::npos) << m;
  EXPECT_NE(m.find("k_s64 (s64, -1)"), std::string::npos) << m;
}

TEST_F(KnobObject, BadValueFailsAndLeavesTheKnob) {
  auto r = apply_knob_settings(obj_.get(), "knobs", {"k_u8=256"});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::usage);
  EXPECT_EQ(values()["k_u8"], "7");
}

TEST(KnobPolicyWithoutKnobs, SayItHasNone) {
  install_libbpf_logger(false);
  BpfObjectPtr obj(bpf_object__open_file(test::corpus_object("not_link").c_str(), nullptr));
  ASSERT_TRUE(obj);
  EXPECT_TRUE(find_knobs(bpf_object__btf(obj.get())).empty());
  auto r = apply_knob_settings(obj.get(), "not_link", {"x=1"});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "policy 'not_link' has no knobs; 'x' cannot be set");
  EXPECT_TRUE(apply_knob_settings(obj.get(), "not_link", {}));
}

}  // namespace
}  // namespace structops
