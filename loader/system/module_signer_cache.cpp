#include "system/module_signer_cache.hpp"

#include <fstream>
#include <sstream>

#include "system/atomic_file.hpp"
#include "system/key_value.hpp"
#include "system/module_trust.hpp"

namespace structops {

std::string format_module_signer(const KeptSigner& kept) {
  return "btf_id: " + std::to_string(kept.btf_id) + "\nsigner: " + kept.signer + "\n";
}

std::optional<KeptSigner> parse_module_signer(const std::string& text) {
  const KeyValues f = parse_key_values(text);
  auto id = find_value(f, "btf_id");
  auto signer = find_value(f, "signer");
  if (!id || !signer || id->empty() || id->size() > 10 ||
      id->find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  const unsigned long long v = std::stoull(*id);
  if (v == 0 || v > UINT32_MAX)
    return std::nullopt;
  return KeptSigner{static_cast<uint32_t>(v), *signer};
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
  if (!found)
    return std::nullopt;
  // One line per field: a signer modinfo printed over lines is not kept.
  if (signer.find('\n') == std::string::npos)
    (void)write_file_atomically(path, format_module_signer({btf_id, signer}), 0644);
  return signer;
}

}  // namespace structops
