#include "system/privileges.hpp"

#include <linux/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace structops {
namespace {

bool has_cap(const __user_cap_data_struct (&data)[2], int cap) {
  return data[cap / 32].effective & (1u << (cap % 32));
}

}  // namespace

Privileges current_privileges() {
  // capget(2) directly: one syscall is not worth a libcap dependency.
  __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  Privileges p;
  if (syscall(SYS_capget, &header, data) != 0)
    return p;
  p.bpf = has_cap(data, CAP_BPF);
  p.sys_admin = has_cap(data, CAP_SYS_ADMIN);
  return p;
}

Result<void> require_bpf_privileges(const std::string& doing) {
  Privileges p = current_privileges();
  if (p.bpf && p.sys_admin)
    return {};
  return make_error(ErrorKind::not_permitted, doing + " needs root (CAP_BPF and CAP_SYS_ADMIN)");
}

}  // namespace structops
