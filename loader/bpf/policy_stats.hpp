// A policy's own statistics and knobs, read from the maps its programs
// use: the .bss/.data globals (statistics) and .rodata (knobs), decoded
// with the maps' BTF.
#pragma once

#include <bpf/btf.h>

#include <cstdint>
#include <string>
#include <vector>

#include "common/error.hpp"

namespace structops {

// One global variable.  Integers (and bools, enums) are shown; arrays of
// them as lists; char arrays as strings; anything else is skipped.
struct StatVar {
  enum class Shape { scalar, array, text };
  std::string name;
  std::string type;  // "u64", "s32[10]", "char[16]"
  Shape shape = Shape::scalar;
  std::vector<std::string> values;  // decimal, or "true"/"false"; one for text
};

// Decodes the value of a map whose BTF value type is the DATASEC
// datasec_id (a .bss/.data/.rodata map).  Variables beyond size are skipped.
std::vector<StatVar> decode_datasec(const btf* b, uint32_t datasec_id, const void* data,
                                    size_t size);

struct PolicyVars {
  std::vector<StatVar> statistics;  // .bss and .data
  std::vector<StatVar> knobs;       // .rodata
};

// Follows prog ids (the active map's function slots) to their maps and
// decodes the global-data ones.  Needs CAP_SYS_ADMIN.
Result<PolicyVars> read_policy_vars(const std::vector<uint32_t>& prog_ids);

}  // namespace structops
