#include "bpf/module_btf.hpp"

#include <bpf/bpf.h>

#include <cerrno>
#include <cstring>

#include "common/unique_fd.hpp"

namespace structops {

Result<uint32_t> find_module_btf_id(const std::string& module_name) {
  uint32_t id = 0;
  for (;;) {
    int err = bpf_btf_get_next_id(id, &id);
    if (err) {
      if (errno == ENOENT)
        break;
      return errno_error(errno, "cannot list the kernel's BTF objects");
    }
    UniqueFd fd(bpf_btf_get_fd_by_id(id));
    if (!fd) {
      if (errno == ENOENT)
        continue;  // unloaded while we iterated
      return errno_error(errno, "cannot open BTF object " + std::to_string(id));
    }
    char name[64] = {};
    bpf_btf_info info = {};
    info.name = reinterpret_cast<uintptr_t>(name);
    info.name_len = sizeof(name);
    uint32_t len = sizeof(info);
    if (bpf_btf_get_info_by_fd(fd.get(), &info, &len))
      return errno_error(errno, "cannot read BTF object " + std::to_string(id));
    if (info.kernel_btf && module_name == name)
      return id;
  }
  return make_error(ErrorKind::unavailable,
                    "module " + module_name + " has no BTF in the kernel (/sys/kernel/btf/" +
                        module_name +
                        " missing): it was built without BTF and cannot offer struct_ops; "
                        "rebuild it against headers that ship vmlinux");
}

Result<ModuleBtf> load_module_btf(const std::string& module_name) {
  auto id = find_module_btf_id(module_name);
  if (!id)
    return std::move(id).error();
  ModuleBtf m;
  m.btf_id = *id;
  m.vmlinux.reset(btf__load_vmlinux_btf());
  if (!m.vmlinux)
    return errno_error(ErrorKind::unavailable, errno,
                       "cannot load the kernel's BTF (/sys/kernel/btf/vmlinux)");
  m.module.reset(btf__load_from_kernel_by_id_split(m.btf_id, m.vmlinux.get()));
  if (!m.module)
    return errno_error(errno, "cannot load " + module_name + "'s BTF");
  auto ops = find_kernel_ops(m.module.get());
  if (!ops)
    return std::move(ops).error();
  m.ops = *ops;
  return m;
}

}  // namespace structops
