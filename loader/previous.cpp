#include "previous.hpp"

#include <bpf/bpf.h>
#include <stdio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include "pin_lock.hpp"

namespace structops {
namespace fs = std::filesystem;

std::string previous_pin_path(const std::string& link_pin_path) {
  return (fs::path(link_pin_path).parent_path() / "previous").string();
}

std::string previous_next_pin_path(const std::string& link_pin_path) {
  return (fs::path(link_pin_path).parent_path() / "previous_next").string();
}

namespace {

PreviousPolicy stale(std::string reason) {
  PreviousPolicy p;
  p.state = PreviousState::stale;
  p.stale_reason = std::move(reason);
  return p;
}

}  // namespace

Result<PreviousPolicy> open_previous(const std::string& path, const StructOpsType& want) {
  UniqueFd fd(bpf_obj_get(path.c_str()));
  if (!fd) {
    if (errno == ENOENT)
      return PreviousPolicy{};
    return stale(std::string("it cannot be opened: ") + std::strerror(errno));
  }
  const char* kind = bpf_fd_kind(fd.get());
  if (!kind || std::string(kind) != "map")
    return stale(std::string("the pinned object is a BPF ") + (kind ? kind : "object") +
                 ", not a map");
  bpf_map_info info = {};
  uint32_t len = sizeof(info);
  if (bpf_map_get_info_by_fd(fd.get(), &info, &len))
    return errno_error(errno, "cannot read map info of " + path);
  const std::string map = "map " + std::to_string(info.id);
  if (info.type != BPF_MAP_TYPE_STRUCT_OPS)
    return stale(map + " is not a struct_ops map");
  if (want.btf_id && info.btf_vmlinux_id != want.btf_id)
    return stale(map + " belongs to an earlier bpf_testmod instance (BTF object " +
                 std::to_string(info.btf_vmlinux_id) + ", now " + std::to_string(want.btf_id) +
                 ")");
  if (want.value_type_id && info.btf_vmlinux_value_type_id != want.value_type_id)
    return stale(map + " is of another struct_ops type");
  if (!(info.map_flags & BPF_F_LINK))
    return stale(map + " was not created for a link (BPF_F_LINK)");
  if (!struct_ops_value_written(fd.get(), info.value_size))
    return stale(map + " has no value: it was never made ready");
  PreviousPolicy p;
  p.state = PreviousState::ready;
  p.map_fd = std::move(fd);
  p.map_id = info.id;
  return p;
}

Result<void> pin_previous(int map_fd, const std::string& link_pin_path) {
  const std::string path = previous_pin_path(link_pin_path);
  const std::string next = previous_next_pin_path(link_pin_path);
  if (unlink(next.c_str()) != 0 && errno != ENOENT)
    return errno_error(errno, "cannot remove " + next);
  if (bpf_obj_pin(map_fd, next.c_str()) != 0)
    return errno_error(errno, "cannot pin the previous policy at " + next);
  if (rename(next.c_str(), path.c_str()) == 0)
    return {};
  // A bpffs without rename: unpin, then pin.  A kill in between loses the
  // previous policy, never the attached one.
  if (unlink(path.c_str()) != 0 && errno != ENOENT)
    return errno_error(errno, "cannot remove " + path);
  int rc = bpf_obj_pin(map_fd, path.c_str());
  int err = errno;
  unlink(next.c_str());
  if (rc != 0)
    return errno_error(err, "cannot pin the previous policy at " + path);
  return {};
}

Result<void> remove_previous(const std::string& link_pin_path) {
  for (const std::string& p : {previous_next_pin_path(link_pin_path),
                               previous_pin_path(link_pin_path)})
    if (unlink(p.c_str()) != 0 && errno != ENOENT)
      return errno_error(errno, "cannot remove " + p);
  return {};
}

Result<Committed> swap_keeping_previous(int link_fd, int new_map_fd, int old_map_fd,
                                        const std::string& link_pin_path) {
  auto lock = PinLock::acquire(fs::path(link_pin_path).parent_path().string());
  if (!lock)
    return std::move(lock).error();
  auto elapsed = swap_link(link_fd, new_map_fd, old_map_fd);
  if (!elapsed)
    return std::move(elapsed).error();
  Committed c;
  c.elapsed = *elapsed;
  if (auto r = pin_previous(old_map_fd, link_pin_path); !r)
    c.note = "the replaced policy is not kept for --rollback: " + r.error().message;
  return c;
}

}  // namespace structops
