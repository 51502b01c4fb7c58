// Why bpf_testmod cannot be used, in one sentence that names what is
// missing: from facts gathered by ensure_module_loaded() (module.hpp),
// pure so that each case is unit-tested.
#pragma once

#include <string>

#include "common/error.hpp"

namespace structops {

struct ModuleFacts {
  std::string kernel_release;
  bool module_support = true;  // /proc/modules exists (CONFIG_MODULES)
  bool module_file = false;    // bpf_testmod.ko* under /lib/modules/<release>
  bool loaded = false;         // /sys/module/bpf_testmod
  bool btf = false;            // /sys/kernel/btf/bpf_testmod
  std::string modprobe_output;
};

// The most fundamental reason first.  Always an `unavailable` error.
Error diagnose_module(const ModuleFacts& facts);

}  // namespace structops
