// The bpf_testmod module from user space: its status file, whether it is
// loaded, and loading it with modprobe (module_diagnosis.hpp says why,
// when it cannot be had).
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include <structops/bpf_testmod.h>

#include "common/error.hpp"
#include "system/key_value.hpp"

namespace structops {

inline constexpr const char* kStatusFile = BPF_TESTMOD_STATUS_PATH;
inline constexpr const char* kTriggerFile = BPF_TESTMOD_TRIGGER_PATH;

// The module's status file: "key: value" lines (key_value.hpp).
using StatusFields = KeyValues;
Result<StatusFields> read_status(const std::string& path = kStatusFile);
// One of its fields.  (find_value() under the name status.cpp knows.)
inline std::optional<std::string> status_value(const StatusFields& fields, const std::string& key) {
  return find_value(fields, key);
}

// Loaded with BTF, running modprobe if it is not loaded.
Result<void> ensure_module_loaded();

bool module_loaded();

// Waits, up to timeout, until nothing holds bpf_testmod (its refcnt is 0,
// so rmmod works); true at once when it is not loaded.
bool wait_module_unused(std::chrono::milliseconds timeout);

// The attached policy's name per the module's status file; "" if none.
std::string status_policy_name();

}  // namespace structops
