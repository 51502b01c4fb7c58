// Policy knobs: the policy's `const volatile` globals in .rodata, set by
// --set KEY=VALUE before load (after load the kernel freezes .rodata and
// the verifier has used the values).
#pragma once

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include <cstdint>
#include <string>
#include <vector>

#include "bpf/btf_util.hpp"
#include "common/error.hpp"

namespace structops {

struct Knob {
  std::string name;
  uint32_t offset = 0;  // in the .rodata map value
  IntInfo type;
};

// The object's .rodata map: the internal map whose value type is the
// ".rodata" DATASEC (its kernel name is "<obj prefix>.rodata", so it is
// matched on BTF, not on the name); null when there is none.
bpf_map* find_rodata_map(bpf_object* obj);

// The integer globals of DATASEC ".rodata" in b; empty when there is none.
std::vector<Knob> find_knobs(const btf* b);

// "multiplier (s32, 2), offset (s32, 0)"; values read from rodata when
// given (rodata may be null), "no knobs" when empty.
std::string describe_knobs(const std::vector<Knob>& knobs, const void* rodata = nullptr,
                           size_t rodata_size = 0);

// Strict parse of a knob value: decimal or 0x-hex, '-' only for signed
// types, range-checked against the knob's size; bools take 0/1/true/false.
// Returns the value as the knob's bytes (host order), zero-extended to 64.
Result<uint64_t> parse_knob_value(const Knob& knob, const std::string& text);

struct KnobSetting {
  std::string key;
  std::string value;
};
// "KEY=VALUE" -> {KEY, VALUE}; KEY non-empty.
Result<KnobSetting> parse_setting(const std::string& text);

// Apply "KEY=VALUE" settings to an opened, not yet loaded object.  An
// unknown key is a usage error listing the policy's knobs.
Result<void> apply_knob_settings(bpf_object* obj, const std::string& policy_name,
                                 const std::vector<std::string>& settings);

}  // namespace structops
