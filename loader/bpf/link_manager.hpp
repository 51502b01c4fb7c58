// The pinned struct_ops link that keeps a policy attached after the loader
// exits: inspect it, create and pin it, swap its map atomically, detach it.
#pragma once

#include <bpf/libbpf.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "bpf/struct_ops_value.hpp"
#include "common/error.hpp"
#include "common/unique_fd.hpp"

namespace structops {

inline constexpr const char* kPinPath = "/sys/fs/bpf/structops/link";

enum class PinState {
  absent,  // nothing pinned
  stale,   // pinned, but not a link we may swap: replace it with a fresh attach
  active,  // a struct_ops link holding a bpf_testmod_ops map of this module
};

struct PinnedLink {
  PinState state = PinState::absent;
  std::string stale_reason;  // for PinState::stale, e.g. "link 12 is detached"
  UniqueFd link_fd;
  uint32_t link_id = 0;
  uint32_t map_id = 0;
  UniqueFd map_fd;  // the map the link holds now (active only)
  // That map's struct_ops type: the kernel BTF object (a module's) and the
  // type id of its bpf_struct_ops_<type> there (active only).
  uint32_t map_btf_id = 0;
  uint32_t map_value_type_id = 0;
};

// Opens and classifies the pin.  module_btf_id / value_type_id identify
// the running bpf_testmod's struct_ops type; 0 skips that check (status
// without privileges cannot get them).
Result<PinnedLink> open_pinned_link(const std::string& pin_path, uint32_t module_btf_id,
                                    uint32_t value_type_id);

// The type check of open_pinned_link(), for a pin opened with zeros: an
// active pin whose map is of another type (or module instance) becomes
// stale.
void classify_pinned_link(PinnedLink* pin, uint32_t module_btf_id, uint32_t value_type_id);

// A loaded struct_ops map's type, as the kernel reports it: what
// classify_pinned_link() compares with, known without parsing any BTF.
struct StructOpsType {
  uint32_t btf_id = 0;         // the kernel BTF object (module) holding the type
  uint32_t value_type_id = 0;  // bpf_struct_ops_<type> in it
};
Result<StructOpsType> struct_ops_type_of(int map_fd);

// Whether a struct_ops map's value was ever written: the kernel reports an
// unwritten (INIT) map's value as all zeros, and a written one with its
// state (READY or later) set.
bool struct_ops_value_written(int map_fd, uint32_t value_size);

struct NewLink {
  UniqueFd fd;
  uint32_t id = 0;
};

// BPF_LINK_CREATE for a READY struct_ops map: this is what calls the
// module's reg().  EBUSY (another policy attached) is a `busy` error.
Result<NewLink> create_link(int map_fd);

// The same for a struct_ops map libbpf loaded and has not written yet:
// libbpf writes the value it built at load (program fds in the function
// slots), which makes the map READY, then creates the link.  When the
// kernel refused that value, no link was tried and the error is
// value_error(errno); link errors are create_link()'s.  The link is
// returned as a plain fd, like create_link()'s.
Result<NewLink> attach_struct_ops_map(const bpf_map* map,
                                      const std::function<Error(int)>& value_error);

// Pins link_fd at pin_path, replacing a stale pin there, mounting bpffs
// and creating the pin's directory when needed.  Call it only for a link
// create_link() or attach_struct_ops_map() just made.
Result<void> pin_link(int link_fd, const std::string& pin_path);

// BPF_LINK_UPDATE with BPF_F_REPLACE: a compare-and-swap from old_map_fd
// to new_map_fd.  Returns the time the update syscall took.  Losing the
// race (EPERM: the link holds another map now; ENOLINK: it was detached)
// is a `busy` error.
Result<std::chrono::nanoseconds> swap_link(int link_fd, int new_map_fd, int old_map_fd);

// BPF_LINK_DETACH: the module's unreg() runs now, not when the last fd
// goes.  The pin is not touched: remove it first (remove_pin), because once
// the link is detached another loader may pin a new link at the same path,
// and removing the pin after that would remove the new one (detach_policy()
// in commands.cpp unpins, then detaches).
Result<void> detach_link(int link_fd);
Result<void> remove_pin(const std::string& pin_path);

Result<uint32_t> link_id_of(int link_fd);

// A struct_ops map's value as the kernel reports it (program ids in the
// function-pointer slots), the map's own value_size long.
Result<std::vector<uint8_t>> struct_ops_value_of(int map_fd);

// The policy name a struct_ops map's value holds (laid out by layout),
// "(unnamed)" when empty, "(unknown)" when the map cannot be read.
std::string policy_name_of_map(int map_fd, const OpsLayout& layout);

// "map", "program" or "link": what kind of BPF object fd is, as its
// anonymous inode's name says (the way bpftool tells them apart); nullptr
// when /proc cannot say.
const char* bpf_fd_kind(int fd);

struct AttachedLink {
  uint32_t link_id = 0;
  uint32_t map_id = 0;
  UniqueFd map_fd;  // the map it holds, opened while the link was found
};

// The struct_ops link, pinned or not, that holds a map of the running
// module's type (module_btf_id, value_type_id): the attached policy, also
// when a --foreground loader attached it.  Needs CAP_SYS_ADMIN.
Result<std::optional<AttachedLink>> find_attached_link(uint32_t module_btf_id,
                                                       uint32_t value_type_id);

}  // namespace structops
