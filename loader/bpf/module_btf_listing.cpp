#include "bpf/module_btf_listing.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <dlfcn.h>

#include <cerrno>

namespace structops {
namespace {

// The one BTF id libbpf is shown while a ModuleBtfListing lives; 0: all.
// The loader is single-threaded, and only libbpf reads this.
uint32_t listed_only_id = 0;

using NextIdFn = int (*)(__u32, __u32*);

// libbpf's own bpf_btf_get_next_id: the definition after this program's.
NextIdFn libbpf_next_id() {
  static const auto next = reinterpret_cast<NextIdFn>(dlsym(RTLD_NEXT, "bpf_btf_get_next_id"));
  return next;
}

}  // namespace

bool libbpf_revalidates_base_btf(unsigned major, unsigned minor) {
  return major == 0 || (major == 1 && minor < 5);
}

int next_listed_btf_id(uint32_t only_id, uint32_t start_id, uint32_t* next_id) {
  if (start_id < only_id) {
    *next_id = only_id;
    return 0;
  }
  errno = ENOENT;
  return -ENOENT;
}

ModuleBtfListing ModuleBtfListing::only(const std::string& module_name) {
  if (!libbpf_revalidates_base_btf(libbpf_major_version(), libbpf_minor_version()))
    return ModuleBtfListing();
  auto id = find_module_btf_id(module_name);
  if (!id)
    return ModuleBtfListing();
  return ModuleBtfListing(*id);
}

ModuleBtfListing::ModuleBtfListing(uint32_t btf_id) : active_(true) {
  listed_only_id = btf_id;
}

ModuleBtfListing::ModuleBtfListing(ModuleBtfListing&& other) noexcept : active_(other.active_) {
  other.active_ = false;
}

ModuleBtfListing::~ModuleBtfListing() {
  if (active_)
    listed_only_id = 0;
}

}  // namespace structops

// libbpf's exported function, defined here so that libbpf's own calls come
// here too (module_btf_listing.hpp says why).  Same contract: 0 and
// *next_id, or a negative errno with errno set.
int bpf_btf_get_next_id(__u32 start_id, __u32* next_id) {
  if (structops::listed_only_id != 0)
    return structops::next_listed_btf_id(structops::listed_only_id, start_id, next_id);
  const structops::NextIdFn next = structops::libbpf_next_id();
  if (!next) {
    errno = ENOSYS;
    return -ENOSYS;
  }
  return next(start_id, next_id);
}
