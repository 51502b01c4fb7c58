#include "bpf/link_manager.hpp"

#include <bpf/bpf.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <vector>

#include "bpf/libbpf_ptr.hpp"

namespace structops {
namespace fs = std::filesystem;
namespace {

// Mounts bpffs at root unless it already is one.
Result<void> ensure_bpffs(const std::string& root) {
  struct statfs st = {};
  if (statfs(root.c_str(), &st) != 0)
    return errno_error(ErrorKind::unavailable, errno, "cannot find " + root);
  if (st.f_type == BPF_FS_MAGIC)
    return {};
  if (mount("bpf", root.c_str(), "bpf", 0, "mode=0700") != 0)
    return errno_error(errno, "cannot mount bpffs at " + root);
  return {};
}

}  // namespace

const char* bpf_fd_kind(int fd) {
  char target[64] = {};
  const std::string path = "/proc/self/fd/" + std::to_string(fd);
  if (readlink(path.c_str(), target, sizeof(target) - 1) < 0)
    return nullptr;
  const std::string name = target;
  if (name == "anon_inode:bpf-map")
    return "map";
  if (name == "anon_inode:bpf-prog")
    return "program";
  if (name == "anon_inode:bpf_link")
    return "link";
  return nullptr;
}

Result<uint32_t> link_id_of(int link_fd) {
  bpf_link_info info = {};
  uint32_t len = sizeof(info);
  if (bpf_link_get_info_by_fd(link_fd, &info, &len))
    return errno_error(errno, "cannot read link info");
  return info.id;
}

Result<PinnedLink> open_pinned_link(const std::string& pin_path, uint32_t module_btf_id,
                                    uint32_t value_type_id) {
  PinnedLink p;
  p.link_fd.reset(bpf_obj_get(pin_path.c_str()));
  if (!p.link_fd) {
    int err = errno;
    if (err == ENOENT)
      return p;
    // A path that is no BPF object at all fails too, with EACCES (or EROFS
    // when it is read-only): a directory, or a file reached through a
    // symlink or on a file system mounted where bpffs belongs.  Root must
    // not read that as "not permitted".
    struct stat st = {};
    struct statfs sf = {};
    if (stat(pin_path.c_str(), &st) == 0) {
      if (S_ISDIR(st.st_mode))
        return make_error(ErrorKind::other, err,
                          pin_path + " is a directory, not a pinned link; remove it");
      if (statfs(pin_path.c_str(), &sf) == 0 && sf.f_type != BPF_FS_MAGIC) {
        p.state = PinState::stale;
        p.stale_reason = "it is not a pinned BPF object";
        return p;
      }
    }
    return errno_error(err, "cannot open the pinned link " + pin_path);
  }
  // BPF_OBJ_GET_INFO_BY_FD answers for maps and programs too, filling in
  // their info: ask the fd what it is before reading it as a link.
  if (const char* kind = bpf_fd_kind(p.link_fd.get()); kind && std::string(kind) != "link") {
    p.state = PinState::stale;
    p.stale_reason = std::string("the pinned object is a BPF ") + kind + ", not a link";
    return p;
  }
  bpf_link_info info = {};
  uint32_t len = sizeof(info);
  if (bpf_link_get_info_by_fd(p.link_fd.get(), &info, &len)) {
    // Something pinned there that is not a link (a map or program).
    p.state = PinState::stale;
    p.stale_reason = "the pinned object is not a BPF link";
    return p;
  }
  p.link_id = info.id;
  if (info.type != BPF_LINK_TYPE_STRUCT_OPS) {
    p.state = PinState::stale;
    p.stale_reason = "link " + std::to_string(info.id) + " is not a struct_ops link";
    return p;
  }
  p.map_id = info.struct_ops.map_id;
  if (p.map_id == 0) {
    p.state = PinState::stale;
    p.stale_reason = "link " + std::to_string(info.id) + " is detached";
    return p;
  }
  p.map_fd.reset(bpf_map_get_fd_by_id(p.map_id));
  if (!p.map_fd) {
    if (errno == ENOENT) {  // detached and freed between the two calls
      p.state = PinState::stale;
      p.stale_reason = "link " + std::to_string(info.id) + " lost its map";
      return p;
    }
    return errno_error(errno, "cannot open map " + std::to_string(p.map_id));
  }
  auto type = struct_ops_type_of(p.map_fd.get());
  if (!type)
    return errno_error(type.error().code,
                       "cannot read map info of map " + std::to_string(p.map_id));
  p.map_btf_id = type->btf_id;
  p.map_value_type_id = type->value_type_id;
  p.state = PinState::active;
  classify_pinned_link(&p, module_btf_id, value_type_id);
  return p;
}

void classify_pinned_link(PinnedLink* p, uint32_t module_btf_id, uint32_t value_type_id) {
  if (p->state != PinState::active)
    return;
  if (module_btf_id && p->map_btf_id != module_btf_id) {
    p->state = PinState::stale;
    p->stale_reason = "link " + std::to_string(p->link_id) +
                      " holds a policy of an earlier bpf_testmod instance (BTF object " +
                      std::to_string(p->map_btf_id) + ", now " + std::to_string(module_btf_id) +
                      ")";
  } else if (value_type_id && p->map_value_type_id != value_type_id) {
    p->state = PinState::stale;
    p->stale_reason =
        "link " + std::to_string(p->link_id) + " holds a map of another struct_ops type";
  }
}

Result<StructOpsType> struct_ops_type_of(int map_fd) {
  bpf_map_info info = {};
  uint32_t len = sizeof(info);
  if (bpf_map_get_info_by_fd(map_fd, &info, &len))
    return errno_error(errno, "cannot read map info");
  return StructOpsType{info.btf_vmlinux_id, info.btf_vmlinux_value_type_id};
}

namespace {

Error link_create_error(int err) {
  if (err == EBUSY)
    return make_error(ErrorKind::busy, err,
                      "bpf_testmod already runs a policy that is not pinned at " +
                          std::string(kPinPath) +
                          " (structops-load --foreground, or another tool); stop that first");
  if (err == EINVAL)
    return errno_error(ErrorKind::invalid_policy, err,
                       "the kernel refused to attach the policy's map");
  return errno_error(err, "cannot attach the policy");
}

Result<NewLink> new_link(UniqueFd fd) {
  auto id = link_id_of(fd.get());
  if (!id)
    return std::move(id).error();
  return NewLink{std::move(fd), *id};
}

}  // namespace

bool struct_ops_value_written(int map_fd, uint32_t value_size) {
  std::vector<uint8_t> value(value_size);
  uint32_t zero = 0;
  if (bpf_map_lookup_elem(map_fd, &zero, value.data()))
    return false;
  for (uint8_t b : value)
    if (b)
      return true;
  return false;
}

Result<NewLink> create_link(int map_fd) {
  UniqueFd fd(bpf_link_create(map_fd, 0, BPF_STRUCT_OPS, nullptr));
  if (!fd)
    return link_create_error(errno);
  return new_link(std::move(fd));
}

Result<NewLink> attach_struct_ops_map(const bpf_map* map,
                                      const std::function<Error(int)>& value_error) {
  BpfLinkPtr link(bpf_map__attach_struct_ops(map));
  if (!link) {
    int err = errno;
    if (!struct_ops_value_written(bpf_map__fd(map), bpf_map__value_size(map)))
      return value_error(err);
    return link_create_error(err);
  }
  // Take the fd from libbpf: once disconnected, destroying its link object
  // neither detaches nor closes.
  UniqueFd fd(bpf_link__fd(link.get()));
  bpf_link__disconnect(link.get());
  link.reset();
  return new_link(std::move(fd));
}

Result<void> pin_link(int link_fd, const std::string& pin_path) {
  fs::path dir = fs::path(pin_path).parent_path();
  if (auto r = ensure_bpffs(dir.parent_path().string()); !r)
    return r;
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    return errno_error(errno, "cannot create " + dir.string());
  // Whatever is at the pin path is stale: our link was created, so the
  // module had no other policy registered, so no pin of a live link can
  // exist.  Pin straight at the pin path, never under a temporary name: a
  // loader killed between pinning a temporary name and renaming it would
  // leave the policy attached through a pin nobody knows about.  A kill
  // anywhere here leaves either the pin or, once our fd dies, no policy.
  for (int attempt = 0;; attempt++) {
    if (bpf_obj_pin(link_fd, pin_path.c_str()) == 0)
      return {};
    int err = errno;
    if (err != EEXIST || attempt == 2)
      return errno_error(err, "cannot pin the link at " + pin_path);
    if (unlink(pin_path.c_str()) != 0 && errno != ENOENT)
      return errno_error(errno, "cannot remove the stale pin " + pin_path);
  }
}

Result<std::chrono::nanoseconds> swap_link(int link_fd, int new_map_fd, int old_map_fd) {
  bpf_link_update_opts opts = {};
  opts.sz = sizeof(opts);
  opts.flags = BPF_F_REPLACE;
  opts.old_map_fd = static_cast<uint32_t>(old_map_fd);
  auto start = std::chrono::steady_clock::now();
  int err = bpf_link_update(link_fd, new_map_fd, &opts);
  auto elapsed = std::chrono::steady_clock::now() - start;
  if (err) {
    err = errno;
    if (err == EPERM)
      return make_error(ErrorKind::busy, err, "another loader swapped the policy first; retry");
    if (err == ENOLINK)
      return make_error(ErrorKind::busy, err, "the policy was detached while swapping; retry");
    if (err == EOPNOTSUPP)
      return errno_error(ErrorKind::unavailable, err,
                         "this bpf_testmod cannot swap policies (no update operation)");
    return errno_error(err, "cannot swap the policy");
  }
  return std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed);
}

Result<void> detach_link(int link_fd) {
  if (bpf_link_detach(link_fd) != 0)
    return errno_error(errno, "cannot detach the policy's link");
  return {};
}

Result<void> remove_pin(const std::string& pin_path) {
  if (unlink(pin_path.c_str()) != 0 && errno != ENOENT)
    return errno_error(errno, "cannot remove " + pin_path);
  return {};
}

Result<std::optional<AttachedLink>> find_attached_link(uint32_t module_btf_id,
                                                       uint32_t value_type_id) {
  uint32_t id = 0;
  for (;;) {
    if (bpf_link_get_next_id(id, &id)) {
      if (errno == ENOENT)
        return std::optional<AttachedLink>{};
      return errno_error(errno, "cannot list BPF links");
    }
    UniqueFd fd(bpf_link_get_fd_by_id(id));
    if (!fd)
      continue;  // gone meanwhile
    bpf_link_info info = {};
    uint32_t len = sizeof(info);
    if (bpf_link_get_info_by_fd(fd.get(), &info, &len) || info.type != BPF_LINK_TYPE_STRUCT_OPS ||
        info.struct_ops.map_id == 0)
      continue;
    UniqueFd map_fd(bpf_map_get_fd_by_id(info.struct_ops.map_id));
    if (!map_fd)
      continue;
    bpf_map_info minfo = {};
    len = sizeof(minfo);
    if (bpf_map_get_info_by_fd(map_fd.get(), &minfo, &len))
      continue;
    if (minfo.btf_vmlinux_id == module_btf_id && minfo.btf_vmlinux_value_type_id == value_type_id)
      return std::optional<AttachedLink>{
          AttachedLink{info.id, info.struct_ops.map_id, std::move(map_fd)}};
  }
}

Result<std::vector<uint8_t>> struct_ops_value_of(int map_fd) {
  bpf_map_info info = {};
  uint32_t len = sizeof(info);
  if (bpf_map_get_info_by_fd(map_fd, &info, &len))
    return errno_error(errno, "cannot read map info");
  std::vector<uint8_t> value(info.value_size);
  uint32_t zero = 0;
  if (bpf_map_lookup_elem(map_fd, &zero, value.data()))
    return errno_error(errno, "cannot read map " + std::to_string(info.id));
  return value;
}

// The policy name held by a struct_ops map, as the kernel reports it.
std::string policy_name_of_map(int map_fd, const OpsLayout& layout) {
  auto value = struct_ops_value_of(map_fd);
  if (!value)
    return "(unknown)";
  std::string name = ops_name_in_value(layout, *value);
  return name.empty() ? "(unnamed)" : name;
}

}  // namespace structops
