// Small BTF queries shared by knob setting, value building and statistics.
#pragma once

#include <bpf/btf.h>

#include <cstdint>
#include <optional>
#include <string>

namespace structops {

// The type behind modifiers, typedefs and variables (libbpf's
// btf__resolve_type()), or null for void and broken chains.
const btf_type* resolved_type(const btf* b, uint32_t id);

// The id of the struct named name, or a negative errno.  In split BTF (a
// module's, on vmlinux) the module's own types are searched first and the
// base only after them: btf__find_by_name_kind() walks the whole base, all
// of vmlinux's 100,000-odd types, before it reaches a module type.
int find_struct_own_first(const btf* b, const std::string& name);

// The member of struct/union t named name, or null; *index gets its position.
const btf_member* find_member(const btf* b, const btf_type* t, const std::string& name,
                              uint32_t* index = nullptr);

// An integer-like type (int, bool, char, enum) after modifiers.
struct IntInfo {
  uint32_t size = 0;  // bytes: 1, 2, 4 or 8
  bool is_signed = false;
  bool is_bool = false;
  bool is_char = false;
};
std::optional<IntInfo> int_info(const btf* b, uint32_t type_id);

// Pointer to a function prototype (a struct_ops slot).
bool is_func_ptr(const btf* b, uint32_t type_id);

// "u32", "s8", "bool", "char": how knobs and statistics name their types.
std::string int_type_text(const IntInfo& info);

// Read/format a size-byte integer stored in host byte order (BPF objects
// built for this machine use its byte order).
uint64_t load_uint(const void* p, uint32_t size);
int64_t load_int(const void* p, uint32_t size);
void store_uint(void* p, uint32_t size, uint64_t value);
std::string format_int(const void* p, const IntInfo& info);

}  // namespace structops
