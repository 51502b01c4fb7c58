#include "bpf/ops_layout_cache.hpp"

#include <fstream>
#include <sstream>

#include "bpf/module_btf.hpp"
#include "system/atomic_file.hpp"
#include "system/key_value.hpp"

namespace structops {
namespace {

std::optional<uint32_t> parse_u32(const std::string& s) {
  if (s.empty() || s.size() > 10 || s.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  const unsigned long long v = std::stoull(s);
  if (v > UINT32_MAX)
    return std::nullopt;
  return static_cast<uint32_t>(v);
}

}  // namespace

std::string format_ops_layout(const OpsLayout& l) {
  std::string slots;
  for (uint32_t off : l.prog_slots)
    slots += (slots.empty() ? "" : " ") + std::to_string(off);
  return "btf_id: " + std::to_string(l.btf_id) +
         "\nvalue_type_id: " + std::to_string(l.value_type_id) +
         "\nvalue_size: " + std::to_string(l.value_size) + "\nprog_slots: " + slots +
         "\nname_offset: " + std::to_string(l.name_offset) +
         "\nname_size: " + std::to_string(l.name_size) + "\n";
}

std::optional<OpsLayout> parse_ops_layout(const std::string& text) {
  const KeyValues f = parse_key_values(text);
  OpsLayout l;
  for (auto [key, field] : {std::pair{"btf_id", &l.btf_id},
                            {"value_type_id", &l.value_type_id},
                            {"value_size", &l.value_size},
                            {"name_offset", &l.name_offset},
                            {"name_size", &l.name_size}}) {
    auto v = find_value(f, key);
    auto n = v ? parse_u32(*v) : std::nullopt;
    if (!n)
      return std::nullopt;
    *field = *n;
  }
  auto slots = find_value(f, "prog_slots");
  if (!slots)
    return std::nullopt;
  std::istringstream words(*slots);
  for (std::string w; words >> w;) {
    auto off = parse_u32(w);
    if (!off || uint64_t{*off} + sizeof(uint64_t) > l.value_size)
      return std::nullopt;
    l.prog_slots.push_back(*off);
  }
  if (!l.btf_id || !l.value_type_id || uint64_t{l.name_offset} + l.name_size > l.value_size)
    return std::nullopt;
  return l;
}

Result<void> save_ops_layout(const std::string& path, const OpsLayout& layout) {
  return write_file_atomically(path, format_ops_layout(layout), 0644);
}

Result<OpsLayout> load_ops_layout(const std::string& path, uint32_t btf_id) {
  std::ifstream in(path);
  if (in) {
    std::stringstream ss;
    ss << in.rdbuf();
    auto kept = parse_ops_layout(ss.str());
    if (kept && kept->btf_id == btf_id)
      return std::move(kept).value();
  }
  auto kernel = load_module_btf();
  if (!kernel)
    return std::move(kernel).error();
  OpsLayout layout = ops_layout_of(kernel->ops, kernel->btf_id);
  (void)save_ops_layout(path, layout);
  return layout;
}

}  // namespace structops
