#include "bpf/ops_layout_cache.hpp"

#include <fstream>
#include <sstream>
#include <vector>

#include "bpf/module_btf.hpp"
#include "system/atomic_file.hpp"
#include "system/key_value.hpp"

namespace structops {
namespace {

bool is_identifier(const std::string& s) {
  return !s.empty() && s.find_first_not_of(
                           "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                           "0123456789_") == std::string::npos;
}

// "NAME:OFFSET:SIZE:KIND", KIND one of OpsMember::Kind's letters.
std::string format_member(const OpsMember& m) {
  return m.name + ":" + std::to_string(m.offset) + ":" + std::to_string(m.size) + ":" +
         static_cast<char>(m.kind);
}

std::optional<OpsMember> parse_member(const std::string& word, uint32_t value_size) {
  std::vector<std::string> parts;
  std::istringstream in(word);
  for (std::string part; std::getline(in, part, ':');)
    parts.push_back(part);
  if (parts.size() != 4 || !is_identifier(parts[0]) || parts[3].size() != 1)
    return std::nullopt;
  auto offset = parse_u32(parts[1]);
  auto size = parse_u32(parts[2]);
  if (!offset || !size || uint64_t{*offset} + *size > value_size)
    return std::nullopt;
  OpsMember m;
  m.name = parts[0];
  m.offset = *offset;
  m.size = *size;
  switch (parts[3][0]) {
    case 'd':
      m.kind = OpsMember::Kind::data;
      break;
    case 'f':
      if (m.size != sizeof(uint64_t))
        return std::nullopt;
      m.kind = OpsMember::Kind::func;
      break;
    case 'b':
      m.kind = OpsMember::Kind::bitfield;
      break;
    default:
      return std::nullopt;
  }
  return m;
}

}  // namespace

std::string format_ops_layout(const OpsLayout& l) {
  std::string slots;
  for (uint32_t off : l.prog_slots)
    slots += (slots.empty() ? "" : " ") + std::to_string(off);
  std::string members;
  for (const OpsMember& m : l.members)
    members += (members.empty() ? "" : " ") + format_member(m);
  return "btf_id: " + std::to_string(l.btf_id) +
         "\nvalue_type_id: " + std::to_string(l.value_type_id) +
         "\nvalue_size: " + std::to_string(l.value_size) + "\nprog_slots: " + slots +
         "\nname_offset: " + std::to_string(l.name_offset) +
         "\nname_size: " + std::to_string(l.name_size) + "\nmembers: " + members + "\n";
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
  // Missing in a file an older loader wrote: then the layout is derived
  // again, as for another module instance.
  auto members = find_value(f, "members");
  if (!members)
    return std::nullopt;
  std::istringstream member_words(*members);
  for (std::string w; member_words >> w;) {
    auto m = parse_member(w, l.value_size);
    if (!m)
      return std::nullopt;
    l.members.push_back(std::move(m).value());
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
