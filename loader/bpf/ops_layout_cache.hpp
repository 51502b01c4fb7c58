// The running module's OpsLayout, kept under /run so that --status reads
// a struct_ops value, and a swap writes one, without parsing any BTF.  The
// layout comes from the module's BTF, which libbpf can load only on top of
// all of vmlinux's (about 45 M instructions with libbpf 1.4.6, 100x what
// the rest of --status costs, a fifth of a swap); it changes only when the
// module is reloaded, and a reloaded module gets a new BTF object id,
// which keys the file.  A command that loads the module's BTF anyway
// (--verify, --foreground) writes it; a reader that finds it missing or of
// another module instance loads the BTF itself and writes it.
#pragma once

#include <optional>
#include <string>

#include "bpf/struct_ops_value.hpp"
#include "common/error.hpp"

namespace structops {

inline constexpr const char* kOpsLayoutFile = "/run/structops/ops-layout";

// "key: value" lines; parse returns nullopt for anything malformed or
// with an offset outside the value.
std::string format_ops_layout(const OpsLayout& layout);
std::optional<OpsLayout> parse_ops_layout(const std::string& text);

// Written atomically (atomic_file.hpp).
Result<void> save_ops_layout(const std::string& path, const OpsLayout& layout);

// The layout for the module instance whose BTF object is btf_id: the
// file's when it was written for that instance, else from the module's
// BTF (and then saved, best effort).  Needs CAP_SYS_ADMIN.
Result<OpsLayout> load_ops_layout(const std::string& path, uint32_t btf_id);

}  // namespace structops
