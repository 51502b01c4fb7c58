// Owning pointers for libbpf objects, with stateless deleters so that a
// unique_ptr costs one pointer and cannot be handed the wrong free function.
#pragma once

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include <memory>

namespace structops {

struct BpfObjectDeleter {
  void operator()(bpf_object* obj) const { bpf_object__close(obj); }
};
using BpfObjectPtr = std::unique_ptr<bpf_object, BpfObjectDeleter>;

struct BtfDeleter {
  void operator()(btf* b) const { btf__free(b); }
};
using BtfPtr = std::unique_ptr<btf, BtfDeleter>;

// Destroying a libbpf link detaches it unless bpf_link__disconnect() ran.
struct BpfLinkDeleter {
  void operator()(bpf_link* link) const { bpf_link__destroy(link); }
};
using BpfLinkPtr = std::unique_ptr<bpf_link, BpfLinkDeleter>;

}  // namespace structops
