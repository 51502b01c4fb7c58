// Who signed the running bpf_testmod, kept under /run so that --status
// does not run modinfo each time: spawning it (exec, its libraries,
// modules.dep, the module file) costs several times what the rest of
// --status does.  The answer is kept for one module instance, keyed by
// the BTF object id the kernel gave it (a reloaded module gets a new one,
// as in ops_layout_cache.hpp), and is what modinfo said of the module
// file the first time a privileged --status saw that instance, including
// that it found none (a module insmod'ed from elsewhere).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace structops {

inline constexpr const char* kModuleSignerFile = "/run/structops/module-signer";

struct KeptSigner {
  uint32_t btf_id = 0;
  // nullopt: modinfo found no module file; "": the module is not signed.
  std::optional<std::string> signer;
};

// "btf_id: N\nmodule_file: found\nsigner: S\n", or "module_file:
// missing" and no signer; parse returns nullopt for anything malformed.
std::string format_module_signer(const KeptSigner& kept);
std::optional<KeptSigner> parse_module_signer(const std::string& text);

// The signer of the module instance whose BTF object is btf_id: the
// file's when it was written for that instance, else modinfo's (then
// saved, best effort).  nullopt: modinfo found no module file.
std::optional<std::string> module_signer_of_instance(const std::string& path, uint32_t btf_id);

}  // namespace structops
