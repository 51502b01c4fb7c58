#include "bpf/policy_stats.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <memory>
#include <set>

#include "bpf/btf_util.hpp"
#include "bpf/libbpf_ptr.hpp"
#include "common/unique_fd.hpp"

namespace structops {
namespace {

// Longer arrays are cut: status is for people.
constexpr uint32_t kMaxArray = 64;

bool is_stats_section(const std::string& name) {
  return name == ".bss" || name == ".data" || name.rfind(".data.", 0) == 0;
}

// A per-CPU array of one struct of integer counters (scx_simple's
// stat_inc): the struct's members, each summed over the CPUs.  values holds
// one value_size-rounded-up-to-8 copy per possible CPU.
std::vector<StatVar> decode_percpu_struct(const btf* b, uint32_t type_id,
                                          const std::vector<char>& values, size_t stride,
                                          int ncpus) {
  std::vector<StatVar> vars;
  const btf_type* t = resolved_type(b, type_id);
  if (!t || !btf_is_struct(t))
    return vars;
  const btf_member* m = btf_members(t);
  for (uint32_t i = 0; i < btf_vlen(t); i++, m++) {
    const uint32_t off = btf_member_bit_offset(t, i) / 8;
    uint32_t count = 1, elem_type = m->type;
    const btf_type* mt = resolved_type(b, m->type);
    if (mt && btf_is_array(mt)) {
      count = btf_array(mt)->nelems;
      elem_type = btf_array(mt)->type;
    }
    auto info = int_info(b, elem_type);
    if (!info || info->is_bool || info->is_char || btf_member_bitfield_size(t, i) ||
        off + uint64_t{count} * info->size > stride)
      continue;
    StatVar v;
    v.name = btf__name_by_offset(b, m->name_off);
    v.type = int_type_text(*info);
    if (mt && btf_is_array(mt)) {
      v.type += "[" + std::to_string(count) + "]";
      v.shape = StatVar::Shape::array;
    }
    for (uint32_t k = 0; k < std::min(count, kMaxArray); k++) {
      uint64_t sum = 0;
      for (int cpu = 0; cpu < ncpus; cpu++)
        sum += load_uint(values.data() + cpu * stride + off + k * info->size, info->size);
      char buf[8];
      store_uint(buf, info->size, sum);
      v.values.push_back(format_int(buf, *info));
    }
    vars.push_back(std::move(v));
  }
  return vars;
}

}  // namespace

std::vector<StatVar> decode_datasec(const btf* b, uint32_t datasec_id, const void* data,
                                    size_t size) {
  std::vector<StatVar> vars;
  const btf_type* sec = btf__type_by_id(b, datasec_id);
  if (!sec || !btf_is_datasec(sec))
    return vars;
  const auto* bytes = static_cast<const char*>(data);
  const btf_var_secinfo* vsi = btf_var_secinfos(sec);
  for (uint32_t i = 0; i < btf_vlen(sec); i++, vsi++) {
    const btf_type* var = btf__type_by_id(b, vsi->type);
    if (!var || !btf_is_var(var) || vsi->offset + vsi->size > size)
      continue;
    StatVar v;
    v.name = btf__name_by_offset(b, var->name_off);
    const char* p = bytes + vsi->offset;
    if (auto info = int_info(b, var->type)) {
      v.type = int_type_text(*info);
      v.values.push_back(format_int(p, *info));
      vars.push_back(std::move(v));
      continue;
    }
    const btf_type* t = resolved_type(b, var->type);
    if (!t || !btf_is_array(t))
      continue;
    const struct btf_array* arr = btf_array(t);
    auto elem = int_info(b, arr->type);
    if (!elem || uint64_t{arr->nelems} * elem->size > vsi->size)
      continue;
    v.type = int_type_text(*elem) + "[" + std::to_string(arr->nelems) + "]";
    if (elem->is_char && elem->size == 1) {
      v.shape = StatVar::Shape::text;
      v.values.emplace_back(p, strnlen(p, arr->nelems));
    } else {
      v.shape = StatVar::Shape::array;
      for (uint32_t k = 0; k < std::min(arr->nelems, kMaxArray); k++)
        v.values.push_back(format_int(p + k * elem->size, *elem));
    }
    vars.push_back(std::move(v));
  }
  return vars;
}

Result<PolicyVars> read_policy_vars(const std::vector<uint32_t>& prog_ids) {
  std::set<uint32_t> map_ids;
  for (uint32_t prog_id : prog_ids) {
    UniqueFd fd(bpf_prog_get_fd_by_id(prog_id));
    if (!fd)
      return errno_error(errno, "cannot open program " + std::to_string(prog_id));
    bpf_prog_info info = {};
    uint32_t len = sizeof(info);
    if (bpf_prog_get_info_by_fd(fd.get(), &info, &len))
      return errno_error(errno, "cannot read program " + std::to_string(prog_id));
    std::vector<uint32_t> ids(info.nr_map_ids);
    if (ids.empty())
      continue;
    info = {};
    info.nr_map_ids = ids.size();
    info.map_ids = reinterpret_cast<uintptr_t>(ids.data());
    len = sizeof(info);
    if (bpf_prog_get_info_by_fd(fd.get(), &info, &len))
      return errno_error(errno, "cannot read program " + std::to_string(prog_id));
    ids.resize(std::min<size_t>(ids.size(), info.nr_map_ids));
    map_ids.insert(ids.begin(), ids.end());
  }

  PolicyVars out;
  std::map<uint32_t, BtfPtr> btfs;  // by BTF object id: the maps share one
  for (uint32_t map_id : map_ids) {
    UniqueFd fd(bpf_map_get_fd_by_id(map_id));
    if (!fd)
      continue;
    bpf_map_info info = {};
    uint32_t len = sizeof(info);
    if (bpf_map_get_info_by_fd(fd.get(), &info, &len) ||
        (info.type != BPF_MAP_TYPE_ARRAY && info.type != BPF_MAP_TYPE_PERCPU_ARRAY) ||
        !info.btf_id || !info.btf_value_type_id || info.max_entries != 1)
      continue;
    auto& b = btfs[info.btf_id];
    if (!b)
      b.reset(btf__load_from_kernel_by_id(info.btf_id));
    if (!b)
      continue;
    if (info.type == BPF_MAP_TYPE_PERCPU_ARRAY) {
      const int ncpus = libbpf_num_possible_cpus();
      const size_t stride = (info.value_size + 7) / 8 * 8;
      if (ncpus <= 0)
        continue;
      std::vector<char> values(stride * ncpus);
      uint32_t zero = 0;
      if (bpf_map_lookup_elem(fd.get(), &zero, values.data()))
        continue;
      auto vars = decode_percpu_struct(b.get(), info.btf_value_type_id, values, stride, ncpus);
      out.statistics.insert(out.statistics.end(), vars.begin(), vars.end());
      continue;
    }
    const btf_type* sec = btf__type_by_id(b.get(), info.btf_value_type_id);
    if (!sec || !btf_is_datasec(sec))
      continue;
    const std::string sec_name = btf__name_by_offset(b.get(), sec->name_off);
    const bool stats = is_stats_section(sec_name);
    if (!stats && sec_name != ".rodata")
      continue;
    std::vector<char> value(info.value_size);
    uint32_t zero = 0;
    if (bpf_map_lookup_elem(fd.get(), &zero, value.data()))
      continue;
    auto vars = decode_datasec(b.get(), info.btf_value_type_id, value.data(), value.size());
    auto& dest = stats ? out.statistics : out.knobs;
    dest.insert(dest.end(), vars.begin(), vars.end());
  }
  return out;
}

}  // namespace structops
