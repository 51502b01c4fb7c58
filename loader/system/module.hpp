// The bpf_testmod module from user space: its status file, whether it is
// loaded (loading it with modprobe if not), and, when it cannot be had,
// a diagnosis that names what is missing.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <structops/bpf_testmod.h>

#include "common/error.hpp"

namespace structops {

inline constexpr const char* kStatusFile = BPF_TESTMOD_STATUS_PATH;
inline constexpr const char* kTriggerFile = BPF_TESTMOD_TRIGGER_PATH;

// "key: value" lines in file order.
using StatusFields = std::vector<std::pair<std::string, std::string>>;

StatusFields parse_status(const std::string& text);
std::optional<std::string> status_value(const StatusFields& fields, const std::string& key);
Result<StatusFields> read_status(const std::string& path = kStatusFile);

// "6.12.95+deb12-amd64" >= 6.9?  Unparsable releases count as new enough
// (the kernel will say no itself).
bool kernel_at_least(const std::string& release, int major, int minor);

// What the diagnosis looks at; gathered by ensure_module_loaded().
struct ModuleFacts {
  std::string kernel_release;
  bool module_support = true;  // /proc/modules exists (CONFIG_MODULES)
  bool module_file = false;    // bpf_testmod.ko* under /lib/modules/<release>
  bool loaded = false;         // /sys/module/bpf_testmod
  bool btf = false;            // /sys/kernel/btf/bpf_testmod
  std::string modprobe_output;
};

// Why bpf_testmod cannot be used, most fundamental reason first.  Always
// an `unavailable` error.
Error diagnose_module(const ModuleFacts& facts);

// Loaded with BTF, running modprobe if it is not loaded.
Result<void> ensure_module_loaded();

bool module_loaded();

// Waits, up to timeout, until nothing holds bpf_testmod (its refcnt is 0,
// so rmmod works); true at once when it is not loaded.
bool wait_module_unused(std::chrono::milliseconds timeout);

// The attached policy's name per the module's status file; "" if none.
std::string status_policy_name();

}  // namespace structops
