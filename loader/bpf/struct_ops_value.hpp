// Builds the value a struct_ops map must be updated with before it can be
// attached or swapped in: the kernel's `struct bpf_struct_ops_<type>`
// (found in the module's BTF), whose `data` member holds the ops struct
// with program fds in the function-pointer slots and data members copied.
//
// libbpf builds the same thing internally but keeps it private and writes
// it only inside bpf_map__attach_struct_ops()/bpf_link__update_map(),
// which a process cannot use on a link it did not create (the pinned one).
#pragma once

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <structops/bpf_testmod.h>

#include "common/error.hpp"

namespace structops {

inline constexpr const char* kOpsType = BPF_TESTMOD_OPS_TYPE;

// The policy's side: the object's BTF, its local ops type, and the map's
// shadow data, in which libbpf (>= 1.3) stores each function slot's
// `struct bpf_program *` (bpf_map__initial_value()).
struct LocalOps {
  const btf* types = nullptr;
  uint32_t type_id = 0;
  const void* data = nullptr;
  size_t size = 0;  // the local type's size, not the (kernel) map value size
};

// The kernel's side: `struct bpf_struct_ops_<type>` in module (or vmlinux) BTF.
struct KernelOps {
  const btf* types = nullptr;
  uint32_t value_type_id = 0;  // bpf_struct_ops_<type>
  uint32_t ops_type_id = 0;    // <type>, the type of the `data` member
  uint32_t data_offset = 0;    // bytes
  uint32_t value_size = 0;
};

// Finds bpf_struct_ops_<ops_type> and its `data` member in kernel_btf.
Result<KernelOps> find_kernel_ops(const btf* kernel_btf, const std::string& ops_type = kOpsType);

// One member of the kernel's ops struct, where a value holds it.
struct OpsMember {
  enum class Kind : char { data = 'd', func = 'f', bitfield = 'b' };
  std::string name;
  uint32_t offset = 0;  // in the whole value (data_offset included)
  uint32_t size = 0;    // a function pointer's slot: 8
  Kind kind = Kind::data;
};

// Where a value keeps each member of the ops struct, as offsets in the
// whole value (data_offset included); for --status, the function-pointer
// slots, in member order, and `data.name`.  Derived from KernelOps, i.e.
// from the module's BTF, which takes libbpf 1.4 a check of all of
// vmlinux's types; kept without it, keyed by the module's BTF object id
// (ops_layout_cache.hpp), so that --status and a swap do not pay that.
struct OpsLayout {
  uint32_t btf_id = 0;         // the module's BTF object: which instance
  uint32_t value_type_id = 0;  // bpf_struct_ops_<type> in it
  uint32_t value_size = 0;
  std::vector<uint32_t> prog_slots;
  uint32_t name_offset = 0;
  uint32_t name_size = 0;          // 0: the type has no name member
  std::vector<OpsMember> members;  // in the kernel's member order
};

OpsLayout ops_layout_of(const KernelOps& kernel, uint32_t btf_id);

// How a slot's program becomes an fd; in production bpf_program__fd().
using ProgramFd = std::function<Result<int>(const bpf_program*)>;

// The value, value_size bytes.  Members are matched by name, the way
// libbpf does: a local member the kernel lacks must be zero; function
// pointers must be function pointers on both sides; data members must have
// the same size.  Errors are invalid_policy.
Result<std::vector<uint8_t>> build_struct_ops_value(const LocalOps& local, const OpsLayout& kernel,
                                                    const ProgramFd& program_fd);
// The same, laid out straight from the module's BTF.
Result<std::vector<uint8_t>> build_struct_ops_value(const LocalOps& local, const KernelOps& kernel,
                                                    const ProgramFd& program_fd);

// The policy name (`data.name`) in a value looked up from the kernel or
// built above; empty if the type has no such member.
std::string ops_name_in_value(const OpsLayout& layout, const std::vector<uint8_t>& value);

// The function-pointer slots of a looked-up value: the kernel reports the
// program id (not fd) of each attached callback there.  Zeros skipped.
std::vector<uint32_t> prog_ids_in_value(const OpsLayout& layout, const std::vector<uint8_t>& value);

}  // namespace structops
