// The running bpf_testmod's BTF: the kernel object id (to tell this module
// instance from an earlier one) and the parsed types (split on vmlinux).
#pragma once

#include <cstdint>
#include <string>

#include <structops/bpf_testmod.h>

#include "bpf/libbpf_ptr.hpp"
#include "bpf/struct_ops_value.hpp"
#include "common/error.hpp"

namespace structops {

inline constexpr const char* kModuleName = BPF_TESTMOD_MODULE_NAME;

// The id of the kernel BTF object named module_name.  Needs CAP_SYS_ADMIN.
Result<uint32_t> find_module_btf_id(const std::string& module_name = kModuleName);

struct ModuleBtf {
  BtfPtr vmlinux;  // base of the split module BTF: must outlive it
  BtfPtr module;
  uint32_t btf_id = 0;
  KernelOps ops;  // points into *module
};

Result<ModuleBtf> load_module_btf(const std::string& module_name = kModuleName);

}  // namespace structops
