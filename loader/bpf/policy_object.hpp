// One policy object file: open it, check it is a swappable bpf_testmod_ops
// policy, set its knobs, load it (verifier log captured), and hand out what
// attaching needs.
#pragma once

#include <bpf/libbpf.h>

#include <memory>
#include <string>
#include <vector>

#include "bpf/knobs.hpp"
#include "bpf/libbpf_ptr.hpp"
#include "bpf/policy_stats.hpp"
#include "bpf/struct_ops_value.hpp"
#include "common/error.hpp"

namespace structops {

class PolicyObject {
 public:
  // Opens and checks the object without the kernel: exactly one struct_ops
  // map, of type bpf_testmod_ops, declared in SEC(".struct_ops.link").
  static Result<PolicyObject> open(const std::string& path);

  PolicyObject(PolicyObject&&) = default;
  PolicyObject& operator=(PolicyObject&&) = default;
  PolicyObject(const PolicyObject&) = delete;
  PolicyObject& operator=(const PolicyObject&) = delete;

  const std::string& path() const { return path_; }
  // The ops struct's `name` member, or the file name without .bpf.o.
  const std::string& name() const { return name_; }

  Result<void> set_knobs(const std::vector<std::string>& settings);
  // The knob values the object will load with (.rodata after set_knobs),
  // decoded as --status decodes an attached policy's.
  std::vector<StatVar> knob_values() const;

  // Verifier rejections are invalid_policy errors carrying the verifier
  // log of the rejected program in Error::log.
  Result<void> load();

  bpf_map* map() const { return map_; }
  int map_fd() const { return bpf_map__fd(map_); }
  size_t program_count() const;

  // The policy's side of the value (see struct_ops_value.hpp).
  LocalOps local_ops() const;

 private:
  PolicyObject() = default;

  BpfObjectPtr obj_;
  bpf_map* map_ = nullptr;  // owned by obj_
  std::string path_;
  std::string name_;
  uint32_t type_id_ = 0;
  size_t type_size_ = 0;
  bool loaded_ = false;
  // One verifier log buffer per program; libbpf writes into it only when
  // a load fails (it then retries with log_level 1).
  std::vector<std::unique_ptr<char[]>> log_bufs_;
};

}  // namespace structops
