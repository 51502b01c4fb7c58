#include "link_manager.hpp"

#include <bpf/bpf.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>

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
    if (errno == ENOENT)
      return p;
    return errno_error(errno, "cannot open the pinned link " + pin_path);
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
  bpf_map_info minfo = {};
  len = sizeof(minfo);
  if (bpf_map_get_info_by_fd(p.map_fd.get(), &minfo, &len))
    return errno_error(errno, "cannot read map info of map " + std::to_string(p.map_id));
  if (module_btf_id && minfo.btf_vmlinux_id != module_btf_id) {
    p.state = PinState::stale;
    p.stale_reason = "link " + std::to_string(info.id) +
                     " holds a policy of an earlier bpf_testmod instance (BTF object " +
                     std::to_string(minfo.btf_vmlinux_id) + ", now " +
                     std::to_string(module_btf_id) + ")";
    return p;
  }
  if (value_type_id && minfo.btf_vmlinux_value_type_id != value_type_id) {
    p.state = PinState::stale;
    p.stale_reason = "link " + std::to_string(info.id) + " holds a map of another struct_ops type";
    return p;
  }
  p.state = PinState::active;
  return p;
}

Result<NewLink> create_link(int map_fd) {
  NewLink l;
  l.fd.reset(bpf_link_create(map_fd, 0, BPF_STRUCT_OPS, nullptr));
  if (!l.fd) {
    int err = errno;
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
  auto id = link_id_of(l.fd.get());
  if (!id)
    return std::move(id).error();
  l.id = *id;
  return l;
}

Result<void> pin_link(int link_fd, const std::string& pin_path) {
  fs::path dir = fs::path(pin_path).parent_path();
  if (auto r = ensure_bpffs(dir.parent_path().string()); !r)
    return r;
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    return errno_error(errno, "cannot create " + dir.string());
  // Pin under a private name, then rename over the pin path.  Whatever is
  // there is stale: our link was created, so the module had no other
  // policy registered, so no pin of a live link can exist.  Unlinking a
  // stale pin first instead could race with another loader's fresh pin.
  // No dots: bpffs reserves names with dots (EPERM).
  const std::string tmp = pin_path + "_new_" + std::to_string(getpid());
  unlink(tmp.c_str());
  if (bpf_obj_pin(link_fd, tmp.c_str()) != 0)
    return errno_error(errno, "cannot pin the link at " + tmp);
  if (rename(tmp.c_str(), pin_path.c_str()) != 0) {
    int err = errno;
    unlink(tmp.c_str());
    return errno_error(err, "cannot move the pin to " + pin_path);
  }
  return {};
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

}  // namespace structops

namespace structops {

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
      return std::optional<AttachedLink>{AttachedLink{info.id, info.struct_ops.map_id}};
  }
}

}  // namespace structops
