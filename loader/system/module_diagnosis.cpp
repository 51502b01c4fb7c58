#include "system/module_diagnosis.hpp"

#include "system/kernel_release.hpp"

namespace structops {

Error diagnose_module(const ModuleFacts& f) {
  const std::string& r = f.kernel_release;
  std::string msg;
  if (!kernel_at_least(r, 6, 9)) {
    msg = "kernel " + r +
          " is older than 6.9 and cannot register struct_ops types from modules; "
          "boot a 6.9 or newer kernel (Debian bookworm: linux-image-amd64 from bookworm-backports)";
  } else if (!f.module_support) {
    msg = "kernel " + r +
          " has no loadable module support (CONFIG_MODULES is off), so bpf_testmod cannot be "
          "loaded";
  } else if (f.loaded && !f.btf) {
    msg =
        "bpf_testmod is loaded but has no BTF (/sys/kernel/btf/bpf_testmod is missing), so it "
        "offers no struct_ops type; rebuild it against headers that ship vmlinux "
        "(dkms remove/install), then rmmod and modprobe it";
  } else if (!f.loaded && !f.module_file) {
    msg = "no bpf_testmod module for kernel " + r +
          ": is bpf-testmod-dkms installed and built for this kernel? check `dkms status` "
          "(the headers for " +
          r + " are needed)";
  } else {
    msg = "modprobe bpf_testmod failed";
    if (!f.modprobe_output.empty())
      msg += ": " + f.modprobe_output;
    msg += " (see dmesg)";
  }
  return make_error(ErrorKind::unavailable, msg);
}

}  // namespace structops
