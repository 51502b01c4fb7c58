#include "bpf/policy_object.hpp"

#include <linux/bpf.h>

#include <cerrno>
#include <cstring>

#include "bpf/btf_util.hpp"
#include "bpf/module_btf_listing.hpp"
#include "bpf/policy_lookup.hpp"
#include "system/kernel_security.hpp"

namespace structops {
namespace {

// Big enough for the whole log of any program a policy author writes; since
// 6.4 the kernel keeps the log's tail when it overflows, which is the part
// that says why.  Only pages the kernel writes are ever touched.
constexpr size_t kLogSize = 4u << 20;

Error invalid(const std::string& message) {
  return make_error(ErrorKind::invalid_policy, message);
}

// "struct_ops/test_3" -> "test_3".
std::string callback_of(const bpf_program* prog) {
  std::string sec = bpf_program__section_name(prog);
  size_t slash = sec.rfind('/');
  return slash == std::string::npos ? sec : sec.substr(slash + 1);
}

// The helper a verifier log refuses, as it names it: "program of this type
// cannot use helper bpf_probe_read#4" -> "bpf_probe_read#4"; "" if none.
std::string unavailable_helper(const char* log) {
  static constexpr char kSays[] = "cannot use helper ";
  const char* p = std::strstr(log, kSays);
  if (!p)
    return {};
  p += sizeof(kSays) - 1;
  return std::string(p, std::strcspn(p, " \n"));
}

// The helpers that read kernel memory, which lockdown=confidentiality
// withholds from BPF (LOCKDOWN_BPF_READ_KERNEL).  libbpf calls
// bpf_probe_read where its probe of bpf_probe_read_kernel failed, as it
// does under that lockdown, so the log may name either.
bool reads_kernel_memory(const std::string& helper) {
  const std::string name = helper.substr(0, helper.find('#'));
  return name == "bpf_probe_read" || name == "bpf_probe_read_str" ||
         name == "bpf_probe_read_kernel" || name == "bpf_probe_read_kernel_str";
}

}  // namespace

Result<PolicyObject> PolicyObject::open(const std::string& path) {
  PolicyObject p;
  p.path_ = path;
  const std::string file_name = policy_name_from_path(path);
  p.obj_.reset(bpf_object__open_file(path.c_str(), nullptr));
  if (!p.obj_) {
    int err = errno;
    if (err == ENOENT)
      return errno_error(ErrorKind::usage, err, "cannot open " + path);
    if (err == EACCES || err == EPERM)
      return errno_error(err, "cannot open " + path);
    return errno_error(ErrorKind::invalid_policy, err,
                       path + " is not a BPF object libbpf can open");
  }

  bpf_map* map;
  int count = 0;
  bpf_object__for_each_map(map, p.obj_.get()) {
    if (bpf_map__type(map) != BPF_MAP_TYPE_STRUCT_OPS)
      continue;
    count++;
    p.map_ = map;
  }
  if (count == 0)
    return invalid("policy '" + file_name + "' (" + path +
                   ") has no struct_ops map; declare one with STRUCTOPS_POLICY()");
  if (count > 1)
    return invalid("policy '" + file_name + "' declares " + std::to_string(count) +
                   " struct_ops maps; a policy has exactly one");

  const btf* b = bpf_object__btf(p.obj_.get());
  // Before load, a struct_ops map's BTF value type is the object's own type.
  p.type_id_ = bpf_map__btf_value_type_id(p.map_);
  const btf_type* t = b ? btf__type_by_id(b, p.type_id_) : nullptr;
  const char* tname = t ? btf__name_by_offset(b, t->name_off) : nullptr;
  if (!t || !btf_is_struct(t) || !tname)
    return invalid("policy '" + file_name + "': cannot find its struct_ops type in BTF");
  if (std::string(tname) != kOpsType)
    return invalid("policy '" + file_name + "' is for struct_ops type '" + tname + "', not " +
                   kOpsType);
  if (!(bpf_map__map_flags(p.map_) & BPF_F_LINK))
    return invalid("policy '" + file_name +
                   "' uses SEC(\".struct_ops\"); use SEC(\".struct_ops.link\") "
                   "(STRUCTOPS_POLICY()) so it can be swapped");
  p.type_size_ = t->size;

  // Name: what the module will report in its status file.
  p.name_ = file_name;
  size_t size = 0;
  const auto* data = static_cast<const char*>(bpf_map__initial_value(p.map_, &size));
  uint32_t index = 0;
  if (const btf_member* m = find_member(b, t, "name", &index); m && data) {
    const uint32_t off = btf_member_bit_offset(t, index) / 8;
    const long long msize = btf__resolve_size(b, m->type);
    if (msize > 0 && off + static_cast<size_t>(msize) <= p.type_size_ && data[off] != '\0')
      p.name_ = std::string(data + off, strnlen(data + off, msize));
  }
  return p;
}

std::vector<StatVar> PolicyObject::knob_values() const {
  const btf* b = bpf_object__btf(obj_.get());
  bpf_map* map = find_rodata_map(obj_.get());
  size_t size = 0;
  const void* data = map ? bpf_map__initial_value(map, &size) : nullptr;
  if (!data)
    return {};
  return decode_datasec(b, bpf_map__btf_value_type_id(map), data, size);
}

Result<void> PolicyObject::set_knobs(const std::vector<std::string>& settings) {
  if (loaded_)
    return make_error(ErrorKind::other, "knobs must be set before the policy is loaded");
  return apply_knob_settings(obj_.get(), name_, settings);
}

size_t PolicyObject::program_count() const {
  size_t n = 0;
  bpf_program* prog;
  bpf_object__for_each_program(prog, obj_.get()) {
    if (bpf_program__autoload(prog))
      n++;
  }
  return n;
}

Result<void> PolicyObject::load() {
  bpf_program* prog;
  log_bufs_.clear();
  bpf_object__for_each_program(prog, obj_.get()) {
    std::unique_ptr<char[]> buf(new char[kLogSize]);  // not zeroed: see kLogSize
    buf[0] = '\0';
    if (int err = bpf_program__set_log_buf(prog, buf.get(), kLogSize))
      return errno_error(err, "cannot set a verifier log buffer");
    log_bufs_.push_back(std::move(buf));
  }

  int err;
  {
    // With bookworm's libbpf, loading every module's BTF costs most of the
    // load (module_btf_listing.hpp).
    const ModuleBtfListing listing = ModuleBtfListing::only();
    err = bpf_object__load(obj_.get());
  }
  if (!err) {
    loaded_ = true;
    return {};
  }

  // The rejected program is the one whose log libbpf filled.
  size_t i = 0;
  bpf_object__for_each_program(prog, obj_.get()) {
    const char* log = log_bufs_[i++].get();
    if (log[0] == '\0')
      continue;
    // The module's check_member refuses sleepable programs: every callback
    // runs under rcu_read_lock().  The kernel only says "unsupported member".
    // libbpf passes BPF_F_SLEEPABLE for a "struct_ops.s/" section at load
    // without recording it in bpf_program__flags(), so look at both.
    const bool sleepable = (bpf_program__flags(prog) & BPF_F_SLEEPABLE) ||
                           std::strncmp(bpf_program__section_name(prog), "struct_ops.s/", 13) == 0;
    if (sleepable && std::strstr(log, "unsupported member"))
      return errno_error(ErrorKind::invalid_policy, err,
                         std::string("sleepable programs are not allowed for ") + kOpsType +
                             " callbacks: policy '" + name_ + "', program '" +
                             bpf_program__name(prog) + "' for member " + callback_of(prog) +
                             " (use SEC(\"struct_ops/" + callback_of(prog) + "\"))");
    // The module's check_member refuses programs no trusted key signed.
    if (-err == EKEYREJECTED)
      return errno_error(ErrorKind::invalid_policy, err,
                         "bpf_testmod requires signed policies and no trusted signature names "
                         "program '" +
                             std::string(bpf_program__name(prog)) + "' (callback " +
                             callback_of(prog) + ") of policy '" + name_ +
                             "': sign the policy with an enrolled key (structops-load --sign)");
    // A policy built before the module's kfunc reads test_3's buffer with
    // bpf_probe_read_kernel, which a kernel locked down for confidentiality
    // refuses: the raw log would only say the helper is unavailable.
    if (const std::string helper = unavailable_helper(log);
        reads_kernel_memory(helper) && lockdown_mode() == "confidentiality")
      return make_error(ErrorKind::invalid_policy, err,
                        "policy '" + name_ + "' (program '" + bpf_program__name(prog) +
                            "', callback " + callback_of(prog) +
                            ") reads kernel memory with helper " + helper +
                            ", which this kernel's lockdown (confidentiality) refuses; rebuild "
                            "the policy with the current SDK, whose structops_read_buf() needs "
                            "no helper");
    // The module withholds tail calls and bpf_printk from its callbacks.
    if (const std::string helper = unavailable_helper(log); !helper.empty())
      return make_error(ErrorKind::invalid_policy, err,
                        "policy '" + name_ + "' (program '" + bpf_program__name(prog) +
                            "', callback " + callback_of(prog) + ") calls helper " + helper +
                            ", which " + kOpsType +
                            " callbacks are not offered (no tail calls; instead of bpf_printk, "
                            "report through global variables, which --status shows)");
    Error e = errno_error(ErrorKind::invalid_policy, err,
                          "the verifier rejected policy '" + name_ + "' (program '" +
                              bpf_program__name(prog) + "', callback " + callback_of(prog) + ")");
    e.log = log;
    return e;
  }
  if (-err == EPERM)
    return errno_error(ErrorKind::not_permitted, err, "cannot load policy '" + name_ + "'");
  return errno_error(ErrorKind::invalid_policy, err,
                     "cannot load policy '" + name_ + "' (libbpf's messages above say why)");
}

LocalOps PolicyObject::local_ops() const {
  LocalOps l;
  l.types = bpf_object__btf(obj_.get());
  l.type_id = type_id_;
  l.data = bpf_map__initial_value(map_, nullptr);
  l.size = type_size_;
  return l;
}

}  // namespace structops
