#include "system/module_signer_cache.hpp"

#include <fstream>
#include <sstream>

#include "system/atomic_file.hpp"
#include "system/key_value.hpp"
#include "system/module_trust.hpp"

namespace structops {

std::string format_module_signer(const KeptSigner& kept) {
  std::string text = "btf_id: " + std::to_string(kept.btf_id) + "\n";
  if (!kept.signer)
    return text + "module_file: missing\n";
  return text + "module_file: found\nsigner: " + *kept.signer + "\n";
}

std::optional<KeptSigner> parse_module_signer(const std::string& text) {
  const KeyValues f = parse_key_values(text);
  auto id = find_value(f, "btf_id");
  auto file = find_value(f, "module_file");
  auto signer = find_value(f, "signer");
  auto v = id ? parse_u32(*id) : std::nullopt;
  if (!v || *v == 0 || !file)
    return std::nullopt;
  KeptSigner kept{*v, std::nullopt};
  if (*file == "found" && signer)
    kept.signer = *signer;
  else if (*file != "missing" || signer)
    return std::nullopt;
  return kept;
}

std::optional<std::string> module_signer_of_instance(const std::string& path, uint32_t btf_id) {
  if (std::ifstream in(path); in) {
    std::stringstream ss;
    ss << in.rdbuf();
    auto kept = parse_module_signer(ss.str());
    if (kept && kept->btf_id == btf_id)
      return kept->signer;
  }
  bool found = false;
  std::string signer = module_signer(&found);
  KeptSigner fresh{btf_id, found ? std::optional(signer) : std::nullopt};
  // One line per field: a signer modinfo printed over lines is not kept.
  if (signer.find('\n') == std::string::npos)
    (void)write_file_atomically(path, format_module_signer(fresh), 0644);
  return fresh.signer;
}

}  // namespace structops
