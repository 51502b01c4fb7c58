#include "bpf/struct_ops_value.hpp"

#include <algorithm>
#include <cstring>

#include "bpf/btf_util.hpp"

namespace structops {
namespace {

Error invalid(const std::string& message) {
  return make_error(ErrorKind::invalid_policy, message);
}

bool all_zero(const uint8_t* p, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (p[i])
      return false;
  return true;
}

}  // namespace

Result<KernelOps> find_kernel_ops(const btf* kernel_btf, const std::string& ops_type) {
  const std::string value_name = "bpf_struct_ops_" + ops_type;
  int id = find_struct_own_first(kernel_btf, value_name);
  if (id < 0)
    return make_error(ErrorKind::unavailable, "the kernel's BTF has no struct " + value_name +
                                                  " (struct_ops type " + ops_type +
                                                  " is not registered)");
  const btf_type* vt = btf__type_by_id(kernel_btf, id);
  uint32_t index = 0;
  const btf_member* data = find_member(kernel_btf, vt, "data", &index);
  if (!data)
    return make_error(ErrorKind::unavailable, "struct " + value_name + " has no 'data' member");
  const int ops_id = btf__resolve_type(kernel_btf, data->type);
  const btf_type* ot = ops_id < 0 ? nullptr : btf__type_by_id(kernel_btf, ops_id);
  const char* ops_name = ot ? btf__name_by_offset(kernel_btf, ot->name_off) : nullptr;
  if (!ot || !btf_is_struct(ot) || !ops_name || ops_type != ops_name)
    return make_error(ErrorKind::unavailable,
                      "struct " + value_name + "'s 'data' is not struct " + ops_type);
  KernelOps k;
  k.types = kernel_btf;
  k.value_type_id = id;
  k.ops_type_id = ops_id;
  k.data_offset = btf_member_bit_offset(vt, index) / 8;
  k.value_size = vt->size;
  if (k.data_offset + ot->size > k.value_size)
    return make_error(ErrorKind::unavailable, "struct " + value_name + " is malformed");
  return k;
}

OpsLayout ops_layout_of(const KernelOps& kernel, uint32_t btf_id) {
  OpsLayout l;
  l.btf_id = btf_id;
  l.value_type_id = kernel.value_type_id;
  l.value_size = kernel.value_size;
  const btf_type* kt = btf__type_by_id(kernel.types, kernel.ops_type_id);
  if (!kt)
    return l;
  const btf_member* m = btf_members(kt);
  for (uint32_t i = 0; i < btf_vlen(kt); i++, m++) {
    OpsMember om;
    const char* name = btf__name_by_offset(kernel.types, m->name_off);
    om.name = name ? name : "";
    om.offset = kernel.data_offset + btf_member_bit_offset(kt, i) / 8;
    if (btf_member_bitfield_size(kt, i)) {
      om.kind = OpsMember::Kind::bitfield;
    } else if (is_func_ptr(kernel.types, m->type)) {
      om.kind = OpsMember::Kind::func;
      om.size = sizeof(uint64_t);
    } else {
      const long long size = btf__resolve_size(kernel.types, m->type);
      om.size = size > 0 ? static_cast<uint32_t>(size) : 0;
    }
    // A member that does not fit is left out: the kernel would refuse it.
    if (om.name.empty() || uint64_t{om.offset} + om.size > kernel.value_size)
      continue;
    if (om.kind == OpsMember::Kind::func)
      l.prog_slots.push_back(om.offset);
    if (om.kind == OpsMember::Kind::data && om.name == "name" && om.size > 0) {
      l.name_offset = om.offset;
      l.name_size = om.size;
    }
    l.members.push_back(std::move(om));
  }
  return l;
}

Result<std::vector<uint8_t>> build_struct_ops_value(const LocalOps& local, const OpsLayout& kernel,
                                                    const ProgramFd& program_fd) {
  const btf_type* lt = btf__type_by_id(local.types, local.type_id);
  if (!lt || !btf_is_struct(lt))
    return invalid("policy's struct_ops type is not a struct");
  if (!local.data || local.size < lt->size)
    return invalid("policy's struct_ops data is missing or short");

  std::vector<uint8_t> value(kernel.value_size, 0);
  const auto* ldata = static_cast<const uint8_t*>(local.data);

  const btf_member* m = btf_members(lt);
  for (uint32_t i = 0; i < btf_vlen(lt); i++, m++) {
    const std::string name = btf__name_by_offset(local.types, m->name_off);
    const uint32_t moff = btf_member_bit_offset(lt, i) / 8;
    const long long msize = btf__resolve_size(local.types, m->type);
    if (msize < 0 || moff + msize > lt->size)
      return invalid("cannot size member '" + name + "' of the policy's " + kOpsType);
    if (btf_member_bitfield_size(lt, i))
      return invalid("member '" + name + "' is a bitfield; struct_ops has none");

    auto km = std::find_if(kernel.members.begin(), kernel.members.end(),
                           [&name](const OpsMember& k) { return k.name == name; });
    if (km == kernel.members.end()) {
      // Like libbpf: a member the running module lacks is fine if unset.
      if (all_zero(ldata + moff, msize))
        continue;
      return invalid("the policy sets '" + name + "', which the running module's " + kOpsType +
                     " does not have (policy built for a newer module?)");
    }
    if (km->kind == OpsMember::Kind::bitfield)
      return invalid("kernel member '" + name + "' is a bitfield");
    // ops_layout_of() and parse_ops_layout() keep only members inside the
    // value; this guards a layout built by hand.
    if (uint64_t{km->offset} + km->size > value.size())
      return invalid("kernel member '" + name + "' is out of bounds");

    const bool local_fn = is_func_ptr(local.types, m->type);
    const bool kernel_fn = km->kind == OpsMember::Kind::func;
    if (local_fn != kernel_fn)
      return invalid("member '" + name + "' is a function pointer on one side only " +
                     "(policy and module disagree on " + kOpsType + ")");

    if (local_fn) {
      const bpf_program* prog = nullptr;
      std::memcpy(&prog, ldata + moff, sizeof(prog));
      if (!prog)
        continue;  // unimplemented callback: the module's built-in answers
      auto fd = program_fd(prog);
      if (!fd)
        return std::move(fd).error();
      // The kernel reads the slot as an unsigned long holding the prog fd.
      uint64_t slot = static_cast<uint64_t>(*fd);
      std::memcpy(value.data() + km->offset, &slot, sizeof(slot));
      continue;
    }

    if (km->size != static_cast<uint64_t>(msize))
      return invalid("member '" + name + "' is " + std::to_string(msize) +
                     " bytes in the policy but " + std::to_string(km->size) + " in the module");
    std::memcpy(value.data() + km->offset, ldata + moff, msize);
  }
  return value;
}

Result<std::vector<uint8_t>> build_struct_ops_value(const LocalOps& local, const KernelOps& kernel,
                                                    const ProgramFd& program_fd) {
  return build_struct_ops_value(local, ops_layout_of(kernel, 0), program_fd);
}

std::string ops_name_in_value(const OpsLayout& layout, const std::vector<uint8_t>& value) {
  if (!layout.name_size || layout.name_offset + uint64_t{layout.name_size} > value.size())
    return {};
  const char* p = reinterpret_cast<const char*>(value.data() + layout.name_offset);
  return std::string(p, strnlen(p, layout.name_size));
}

std::vector<uint32_t> prog_ids_in_value(const OpsLayout& layout,
                                        const std::vector<uint8_t>& value) {
  std::vector<uint32_t> ids;
  for (uint32_t off : layout.prog_slots) {
    if (off + sizeof(uint64_t) > value.size())
      continue;
    uint64_t id;
    std::memcpy(&id, value.data() + off, sizeof(id));
    if (id)
      ids.push_back(static_cast<uint32_t>(id));
  }
  return ids;
}

}  // namespace structops
