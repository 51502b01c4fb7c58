#include "bpf/btf_util.hpp"

#include <cerrno>
#include <cstring>

namespace structops {

const btf_type* resolved_type(const btf* b, uint32_t id) {
  int resolved = btf__resolve_type(b, id);
  return resolved < 0 ? nullptr : btf__type_by_id(b, resolved);
}

int find_struct_own_first(const btf* b, const std::string& name) {
  const btf* base = btf__base_btf(b);
  const uint32_t end = btf__type_cnt(b);
  for (uint32_t id = base ? btf__type_cnt(base) : 1; id < end; id++) {
    const btf_type* t = btf__type_by_id(b, id);
    if (!btf_is_struct(t))
      continue;
    const char* n = btf__name_by_offset(b, t->name_off);
    if (n && name == n)
      return static_cast<int>(id);
  }
  return base ? btf__find_by_name_kind(base, name.c_str(), BTF_KIND_STRUCT) : -ENOENT;
}

const btf_member* find_member(const btf* b, const btf_type* t, const std::string& name,
                              uint32_t* index) {
  if (!t || !btf_is_composite(t))
    return nullptr;
  const btf_member* m = btf_members(t);
  for (uint32_t i = 0; i < btf_vlen(t); i++, m++) {
    const char* n = btf__name_by_offset(b, m->name_off);
    if (n && name == n) {
      if (index)
        *index = i;
      return m;
    }
  }
  return nullptr;
}

std::optional<IntInfo> int_info(const btf* b, uint32_t type_id) {
  const btf_type* t = resolved_type(b, type_id);
  if (!t)
    return std::nullopt;
  IntInfo info;
  if (btf_is_int(t)) {
    uint8_t enc = btf_int_encoding(t);
    // Bitfield-style ints (offset or odd bit count) are not plain values.
    if (btf_int_offset(t) != 0 || btf_int_bits(t) != t->size * 8)
      return std::nullopt;
    info.size = t->size;
    info.is_signed = enc & BTF_INT_SIGNED;
    info.is_bool = enc & BTF_INT_BOOL;
    // Compilers leave BTF_INT_CHAR unset; plain "char" is text by name.
    const char* name = btf__name_by_offset(b, t->name_off);
    info.is_char = (enc & BTF_INT_CHAR) || (name && std::strcmp(name, "char") == 0);
  } else if (btf_is_any_enum(t)) {
    info.size = t->size;
    info.is_signed = btf_kflag(t);
  } else {
    return std::nullopt;
  }
  if (info.size != 1 && info.size != 2 && info.size != 4 && info.size != 8)
    return std::nullopt;
  return info;
}

bool is_func_ptr(const btf* b, uint32_t type_id) {
  const btf_type* t = resolved_type(b, type_id);
  if (!t || !btf_is_ptr(t))
    return false;
  const btf_type* target = resolved_type(b, t->type);
  return target && btf_is_func_proto(target);
}

std::string int_type_text(const IntInfo& info) {
  if (info.is_bool)
    return "bool";
  if (info.is_char)
    return "char";
  return (info.is_signed ? "s" : "u") + std::to_string(info.size * 8);
}

namespace {

// A size-byte integer at p, as the widest type of its signedness.
template <typename T8, typename T16, typename T32, typename T64>
T64 load_sized(const void* p, uint32_t size) {
  auto load = [p](auto v) {
    std::memcpy(&v, p, sizeof(v));
    return static_cast<T64>(v);
  };
  switch (size) {
    case 1:
      return load(T8{});
    case 2:
      return load(T16{});
    case 4:
      return load(T32{});
    default:
      return load(T64{});
  }
}

}  // namespace

uint64_t load_uint(const void* p, uint32_t size) {
  return load_sized<uint8_t, uint16_t, uint32_t, uint64_t>(p, size);
}

int64_t load_int(const void* p, uint32_t size) {
  return load_sized<int8_t, int16_t, int32_t, int64_t>(p, size);
}

void store_uint(void* p, uint32_t size, uint64_t value) {
  switch (size) {
    case 1: {
      uint8_t v = static_cast<uint8_t>(value);
      std::memcpy(p, &v, 1);
      break;
    }
    case 2: {
      uint16_t v = static_cast<uint16_t>(value);
      std::memcpy(p, &v, 2);
      break;
    }
    case 4: {
      uint32_t v = static_cast<uint32_t>(value);
      std::memcpy(p, &v, 4);
      break;
    }
    default:
      std::memcpy(p, &value, 8);
      break;
  }
}

std::string format_int(const void* p, const IntInfo& info) {
  if (info.is_bool)
    return load_uint(p, info.size) ? "true" : "false";
  if (info.is_signed)
    return std::to_string(load_int(p, info.size));
  return std::to_string(load_uint(p, info.size));
}

}  // namespace structops
