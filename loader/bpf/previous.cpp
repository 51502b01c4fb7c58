#include "bpf/previous.hpp"

#include <bpf/bpf.h>
#include <stdio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include "bpf/pin_lock.hpp"

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

namespace {

// The map a link holds now; 0 if it cannot be read.
uint32_t link_map_id(int link_fd) {
  bpf_link_info info = {};
  uint32_t len = sizeof(info);
  if (bpf_link_get_info_by_fd(link_fd, &info, &len) != 0)
    return 0;
  return info.struct_ops.map_id;
}

Result<void> unlink_pin(const std::string& path) {
  if (unlink(path.c_str()) != 0 && errno != ENOENT)
    return errno_error(errno, "cannot remove " + path);
  return {};
}

// previous_next becomes previous (an atomic rename on bpffs).
Result<void> promote_next(int map_fd, const std::string& link_pin_path) {
  const std::string path = previous_pin_path(link_pin_path);
  const std::string next = previous_next_pin_path(link_pin_path);
  if (rename(next.c_str(), path.c_str()) == 0)
    return {};
  // A bpffs without rename: unpin, then pin.  A kill in between loses the
  // previous policy, never the attached one.
  if (auto r = unlink_pin(path); !r)
    return r;
  int rc = bpf_obj_pin(map_fd, path.c_str());
  int err = errno;
  unlink(next.c_str());
  if (rc != 0)
    return errno_error(err, "cannot pin the previous policy at " + path);
  return {};
}

Result<void> pin_next(int map_fd, const std::string& link_pin_path) {
  const std::string next = previous_next_pin_path(link_pin_path);
  if (auto r = unlink_pin(next); !r)
    return r;
  if (bpf_obj_pin(map_fd, next.c_str()) != 0)
    return errno_error(errno, "cannot pin the previous policy at " + next);
  return {};
}

// settle_previous() with the lock held and the attached map known.
Result<void> settle_locked(const std::string& link_pin_path, uint32_t attached_map_id) {
  if (!attached_map_id)
    return {};
  const std::string next = previous_next_pin_path(link_pin_path);
  auto n = open_previous(next, StructOpsType{});
  if (!n)
    return std::move(n).error();
  if (n->state == PreviousState::ready && n->map_id != attached_map_id) {
    if (auto r = promote_next(n->map_fd.get(), link_pin_path); !r)
      return r;
  } else if (n->state != PreviousState::absent) {
    if (auto r = unlink_pin(next); !r)
      return r;
  }
  const std::string path = previous_pin_path(link_pin_path);
  auto p = open_previous(path, StructOpsType{});
  if (!p)
    return std::move(p).error();
  if (p->state == PreviousState::ready && p->map_id == attached_map_id)
    return unlink_pin(path);
  return {};
}

}  // namespace

Result<PreviousPolicy> open_effective_previous(const std::string& link_pin_path,
                                               const StructOpsType& want,
                                               uint32_t attached_map_id) {
  auto next = open_previous(previous_next_pin_path(link_pin_path), want);
  if (next && next->state == PreviousState::ready && next->map_id != attached_map_id)
    return next;
  return open_previous(previous_pin_path(link_pin_path), want);
}

Result<void> settle_previous(const std::string& link_pin_path) {
  auto lock = PinLock::acquire(fs::path(link_pin_path).parent_path().string());
  if (!lock)
    return std::move(lock).error();
  UniqueFd link(bpf_obj_get(link_pin_path.c_str()));
  if (!link)
    return {};  // nothing attached through the pin (or not a link): nothing to settle
  return settle_locked(link_pin_path, link_map_id(link.get()));
}

Result<void> pin_previous(int map_fd, const std::string& link_pin_path) {
  if (auto r = pin_next(map_fd, link_pin_path); !r)
    return r;
  return promote_next(map_fd, link_pin_path);
}

Result<void> remove_previous(const std::string& link_pin_path) {
  for (const std::string& p : {previous_next_pin_path(link_pin_path),
                               previous_pin_path(link_pin_path)})
    if (auto r = unlink_pin(p); !r)
      return r;
  return {};
}

Result<Committed> swap_keeping_previous(int link_fd, int new_map_fd, int old_map_fd,
                                        const std::string& link_pin_path) {
  auto lock = PinLock::acquire(fs::path(link_pin_path).parent_path().string());
  if (!lock)
    return std::move(lock).error();
  Committed c;
  auto settled = settle_locked(link_pin_path, link_map_id(link_fd));
  // The intent, before the update: killed after the update, this loader
  // leaves the replaced map at previous_next, where the next reader finds it.
  auto intent = settled ? pin_next(old_map_fd, link_pin_path) : std::move(settled);
  if (!intent) {
    // No previous can be kept: one older than the replaced map would make
    // --rollback jump two steps back.
    c.note = "the replaced policy is not kept for --rollback: " + intent.error().message;
    (void)remove_previous(link_pin_path);
  }
  auto elapsed = swap_link(link_fd, new_map_fd, old_map_fd);
  if (!elapsed) {
    if (intent)
      (void)unlink_pin(previous_next_pin_path(link_pin_path));
    return std::move(elapsed).error();
  }
  c.elapsed = *elapsed;
  if (intent)
    if (auto r = promote_next(old_map_fd, link_pin_path); !r)
      c.note = "the replaced policy is not kept for --rollback: " + r.error().message;
  return c;
}

}  // namespace structops
