// The kept module signer --status reads instead of running modinfo: its
// format, and that only the signer of the running module instance is used.
#include "system/module_signer_cache.hpp"

#include <gtest/gtest.h>

#include "test_util.hpp"

namespace structops {
namespace {

TEST(ModuleSignerCache, RoundTrips) {
  for (const std::string& signer :
       {std::string("DKMS module signing key"), std::string(), std::string("CN: with a colon")}) {
    auto back = parse_module_signer(format_module_signer({57, signer}));
    ASSERT_TRUE(back) << signer;
    EXPECT_EQ(back->btf_id, 57u);
    EXPECT_EQ(back->signer, signer);
  }
}

TEST(ModuleSignerCache, MalformedIsRefused) {
  EXPECT_FALSE(parse_module_signer(""));
  EXPECT_FALSE(parse_module_signer("btf_id: 57\n"));  // no signer line
  EXPECT_FALSE(parse_module_signer("signer: x\n"));   // no id
  EXPECT_FALSE(parse_module_signer("btf_id: 0\nsigner: x\n"));
  EXPECT_FALSE(parse_module_signer("btf_id: -1\nsigner: x\n"));
  EXPECT_FALSE(parse_module_signer("btf_id: 4294967296\nsigner: x\n"));
  EXPECT_FALSE(parse_module_signer("btf_id: 99999999999\nsigner: x\n"));
}

TEST(ModuleSignerCache, KeptSignerOfThisModuleInstanceIsUsed) {
  test::TempDir dir;
  const std::string path = dir / "module-signer";
  test::write_file(path, format_module_signer({57, "DKMS module signing key"}));
  EXPECT_EQ(module_signer_of_instance(path, 57), "DKMS module signing key");
}

TEST(ModuleSignerCache, KeptSignerOfAnotherModuleInstanceIsNot) {
  // Another BTF object id: the module was reloaded since.  The signer then
  // comes from modinfo: on a host without bpf_testmod it finds no module
  // file and the kept record stays; with one, its answer replaces it.
  test::TempDir dir;
  const std::string path = dir / "module-signer";
  const std::string kept = format_module_signer({57, "old key"});
  test::write_file(path, kept);
  auto signer = module_signer_of_instance(path, 58);
  if (!signer) {
    EXPECT_EQ(test::read_file(path), kept);
  } else {
    EXPECT_NE(*signer, "old key");
    EXPECT_EQ(test::read_file(path), format_module_signer({58, *signer}));
  }
}

}  // namespace
}  // namespace structops
