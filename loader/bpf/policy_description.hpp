// A policy's one-line description: the string in its ELF section
// ".structops.desc" (STRUCTOPS_DESCRIPTION() in the policy SDK).  Read
// with libelf, without libbpf, because --list must work unprivileged and
// without opening the object as BPF.
#pragma once

#include <string>

#include "common/error.hpp"

namespace structops {

inline constexpr const char* kDescriptionSection = ".structops.desc";

// Empty string when the object has no description section; an error when
// the file is not a readable ELF object.  Control characters become spaces.
Result<std::string> read_policy_description(const std::string& path);

}  // namespace structops
