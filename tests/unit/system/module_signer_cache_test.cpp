// The kept module signer --status reads instead of running modinfo: its
// format, and that only the signer of the running module instance is used.
#include "system/module_signer_cache.hpp"

#include <gtest/gtest.h>

#include "test_util.hpp"

namespace structops {
namespace {

TEST(ModuleSignerCache, RoundTrips) {
  for (const std::optional<std::string>& signer :
       {std::optional<std::string>("DKMS module signing key"), std::optional<std::string>(""),
        std::optional<std::string>("CN: with a colon"), std::optional<std::string>()}) {
    auto back = parse_module_signer(format_module_signer({57, signer}));
    ASSERT_TRUE(back) << signer.value_or("(no module file)");
    EXPECT_EQ(back->btf_id, 57u);
    EXPECT_EQ(back->signer, signer);
  }
}

TEST(ModuleSignerCache, MalformedIsRefused) {
  EXPECT_FALSE(parse_module_signer(""));
  EXPECT_FALSE(parse_module_signer("btf_id: 57\n"));                      // nothing of the file
  EXPECT_FALSE(parse_module_signer("btf_id: 57\nmodule_file: found\n"));  // no signer
  EXPECT_FALSE(parse_module_signer("btf_id: 57\nmodule_file: missing\nsigner: x\n"));
  EXPECT_FALSE(parse_module_signer("btf_id: 57\nmodule_file: maybe\nsigner: x\n"));
  EXPECT_FALSE(parse_module_signer("module_file: found\nsigner: x\n"));  // no id
  EXPECT_FALSE(parse_module_signer("btf_id: 0\nmodule_file: found\nsigner: x\n"));
  EXPECT_FALSE(parse_module_signer("btf_id: -1\nmodule_file: found\nsigner: x\n"));
  EXPECT_FALSE(parse_module_signer("btf_id: 4294967296\nmodule_file: found\nsigner: x\n"));
  EXPECT_FALSE(parse_module_signer("btf_id: 99999999999\nmodule_file: found\nsigner: x\n"));
}

TEST(ModuleSignerCache, KeptSignerOfThisModuleInstanceIsUsed) {
  test::TempDir dir;
  const std::string path = dir / "module-signer";
  test::write_file(path, format_module_signer({57, "DKMS module signing key"}));
  EXPECT_EQ(module_signer_of_instance(path, 57), "DKMS module signing key");
}

TEST(ModuleSignerCache, KeptMissingModuleFileIsUsed) {
  // An instance insmod'ed from a file modinfo does not know: said once.
  test::TempDir dir;
  const std::string path = dir / "module-signer";
  test::write_file(path, format_module_signer({57, std::nullopt}));
  EXPECT_EQ(module_signer_of_instance(path, 57), std::nullopt);
  EXPECT_EQ(test::read_file(path), format_module_signer({57, std::nullopt}));
}

TEST(ModuleSignerCache, KeptSignerOfAnotherModuleInstanceIsNot) {
  // Another BTF object id: the module was reloaded since.  The signer then
  // comes from modinfo, and its answer replaces the kept one: on a host
  // without bpf_testmod, that it found no module file.
  test::TempDir dir;
  const std::string path = dir / "module-signer";
  test::write_file(path, format_module_signer({57, "old key"}));
  auto signer = module_signer_of_instance(path, 58);
  EXPECT_NE(signer, "old key");
  EXPECT_EQ(test::read_file(path), format_module_signer({58, signer}));
}

}  // namespace
}  // namespace structops
