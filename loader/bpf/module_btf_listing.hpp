// What libbpf sees when it lists the kernel's BTF objects during
// bpf_object__load(): with a libbpf older than 1.5, only the module that
// owns the struct_ops type.
//
// Why: a policy names bpf_testmod_ops and the SDK's kfunc, which vmlinux
// lacks, so libbpf loads the BTF of every kernel module (load_module_btfs())
// to find them.  Before 1.5 each of those loads re-validates all of
// vmlinux's types, not only the module's own (btf_sanity_check() starts at
// type 1; libbpf 1.5 starts at the split BTF's first type): about 19.5 M
// instructions per module under 6.12, most of a first attach with
// bookworm's libbpf 1.4.6 and about 2 G on a machine with a hundred modules.
//
// How: libbpf lists them with its exported bpf_btf_get_next_id(), and calls
// it through its PLT like any other caller, so the definition in this
// program is the one it runs (ELF symbol interposition; libbpf itself is
// untouched).  Outside a ModuleBtfListing, or with libbpf 1.5 and later, it
// passes every call to libbpf's own.  The price, with an old libbpf only: a
// policy may use types and kfuncs of vmlinux and bpf_testmod, not of a
// third module, which no bpf_testmod_ops policy needs.
#pragma once

#include <cstdint>
#include <string>

#include "bpf/module_btf.hpp"

namespace structops {

class ModuleBtfListing {
 public:
  // Lists only module_name's BTF while alive, if libbpf needs it (older
  // than 1.5) and the module is loaded; otherwise changes nothing, and
  // libbpf reports a missing module as it always does.
  static ModuleBtfListing only(const std::string& module_name = kModuleName);
  ~ModuleBtfListing();

  ModuleBtfListing(ModuleBtfListing&& other) noexcept;
  ModuleBtfListing& operator=(ModuleBtfListing&&) = delete;
  ModuleBtfListing(const ModuleBtfListing&) = delete;
  ModuleBtfListing& operator=(const ModuleBtfListing&) = delete;

  // Whether this listing restricts libbpf's view.
  bool active() const { return active_; }

 private:
  explicit ModuleBtfListing(uint32_t btf_id);
  ModuleBtfListing() = default;
  bool active_ = false;
};

// Whether this libbpf (major, minor) re-validates vmlinux's types for each
// module BTF it loads.
bool libbpf_revalidates_base_btf(unsigned major, unsigned minor);

// The next id after start_id in a listing that holds only only_id, as
// bpf_btf_get_next_id() answers: 0 and *next_id, or -ENOENT at the end.
int next_listed_btf_id(uint32_t only_id, uint32_t start_id, uint32_t* next_id);

}  // namespace structops
