#include "bpf/knobs.hpp"

#include <cerrno>
#include <limits>

namespace structops {
namespace {

constexpr const char* kRodata = ".rodata";

bool parse_magnitude(const std::string& digits, int base, uint64_t* out) {
  if (digits.empty())
    return false;
  uint64_t v = 0;
  for (char c : digits) {
    int d;
    if (c >= '0' && c <= '9')
      d = c - '0';
    else if (base == 16 && c >= 'a' && c <= 'f')
      d = c - 'a' + 10;
    else if (base == 16 && c >= 'A' && c <= 'F')
      d = c - 'A' + 10;
    else
      return false;
    if (v > (std::numeric_limits<uint64_t>::max() - d) / base)
      return false;
    v = v * base + d;
  }
  *out = v;
  return true;
}

}  // namespace

bpf_map* find_rodata_map(bpf_object* obj) {
  const btf* b = bpf_object__btf(obj);
  const int datasec_id = b ? btf__find_by_name_kind(b, kRodata, BTF_KIND_DATASEC) : -1;
  if (datasec_id <= 0)
    return nullptr;
  bpf_map* map;
  bpf_object__for_each_map(map, obj) {
    if (bpf_map__is_internal(map) && bpf_map__btf_value_type_id(map) == (uint32_t)datasec_id)
      return map;
  }
  return nullptr;
}

std::vector<Knob> find_knobs(const btf* b) {
  std::vector<Knob> knobs;
  int sec_id = btf__find_by_name_kind(b, kRodata, BTF_KIND_DATASEC);
  if (sec_id < 0)
    return knobs;
  const btf_type* sec = btf__type_by_id(b, sec_id);
  const btf_var_secinfo* vsi = btf_var_secinfos(sec);
  for (uint32_t i = 0; i < btf_vlen(sec); i++, vsi++) {
    const btf_type* var = btf__type_by_id(b, vsi->type);
    if (!var || !btf_is_var(var) || btf_var(var)->linkage != BTF_VAR_GLOBAL_ALLOCATED)
      continue;
    auto info = int_info(b, var->type);
    if (!info || info->size != vsi->size)
      continue;
    knobs.push_back({btf__name_by_offset(b, var->name_off), vsi->offset, *info});
  }
  return knobs;
}

std::string describe_knobs(const std::vector<Knob>& knobs, const void* rodata, size_t rodata_size) {
  if (knobs.empty())
    return "no knobs";
  std::string out;
  for (const Knob& k : knobs) {
    if (!out.empty())
      out += ", ";
    out += k.name + " (" + int_type_text(k.type);
    if (rodata && k.offset + k.type.size <= rodata_size)
      out += ", " + format_int(static_cast<const char*>(rodata) + k.offset, k.type);
    out += ")";
  }
  return out;
}

Result<uint64_t> parse_knob_value(const Knob& knob, const std::string& text) {
  const std::string what = "knob '" + knob.name + "' (" + int_type_text(knob.type) + ")";
  if (knob.type.is_bool) {
    if (text == "1" || text == "true")
      return uint64_t{1};
    if (text == "0" || text == "false")
      return uint64_t{0};
    return make_error(ErrorKind::usage, what + " takes 0, 1, true or false, not '" + text + "'");
  }
  bool negative = !text.empty() && text[0] == '-';
  std::string rest = negative ? text.substr(1) : text;
  int base = 10;
  if (rest.size() > 2 && rest[0] == '0' && (rest[1] == 'x' || rest[1] == 'X')) {
    base = 16;
    rest = rest.substr(2);
  }
  uint64_t mag = 0;
  if (!parse_magnitude(rest, base, &mag))
    return make_error(ErrorKind::usage,
                      what + " wants a decimal or 0x-hex integer, not '" + text + "'");

  const uint32_t bits = knob.type.size * 8;
  if (knob.type.is_signed) {
    // Signed range [-2^(bits-1), 2^(bits-1) - 1], compared on magnitudes.
    const uint64_t max_pos = (uint64_t{1} << (bits - 1)) - 1;
    const uint64_t max_neg = uint64_t{1} << (bits - 1);
    if ((!negative && mag > max_pos) || (negative && mag > max_neg))
      return make_error(ErrorKind::usage, what + ": " + text + " is out of range " + "-" +
                                              std::to_string(max_neg) + ".." +
                                              std::to_string(max_pos));
    uint64_t v = negative ? (~mag + 1) : mag;  // two's complement
    return bits == 64 ? v : (v & ((uint64_t{1} << bits) - 1));
  }
  const uint64_t max =
      bits == 64 ? std::numeric_limits<uint64_t>::max() : (uint64_t{1} << bits) - 1;
  if (negative && mag != 0)
    return make_error(ErrorKind::usage, what + " is unsigned: " + text + " is out of range 0.." +
                                            std::to_string(max));
  if (mag > max)
    return make_error(ErrorKind::usage,
                      what + ": " + text + " is out of range 0.." + std::to_string(max));
  return mag;
}

Result<KnobSetting> parse_setting(const std::string& text) {
  size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0)
    return make_error(ErrorKind::usage, "--set wants KEY=VALUE, not '" + text + "'");
  return KnobSetting{text.substr(0, eq), text.substr(eq + 1)};
}

Result<void> apply_knob_settings(bpf_object* obj, const std::string& policy_name,
                                 const std::vector<std::string>& settings) {
  if (settings.empty())
    return {};
  const btf* b = bpf_object__btf(obj);
  std::vector<Knob> knobs = b ? find_knobs(b) : std::vector<Knob>{};
  void* data = nullptr;
  size_t size = 0;
  if (bpf_map* rodata = knobs.empty() ? nullptr : find_rodata_map(obj))
    data = bpf_map__initial_value(rodata, &size);

  for (const std::string& s : settings) {
    auto setting = parse_setting(s);
    if (!setting)
      return std::move(setting).error();
    const Knob* knob = nullptr;
    for (const Knob& k : knobs)
      if (k.name == setting->key)
        knob = &k;
    if (!knob) {
      if (knobs.empty())
        return make_error(ErrorKind::usage, "policy '" + policy_name + "' has no knobs; '" +
                                                setting->key + "' cannot be set");
      return make_error(ErrorKind::usage, "policy '" + policy_name + "' has no knob '" +
                                              setting->key +
                                              "'; its knobs: " + describe_knobs(knobs, data, size));
    }
    if (!data || knob->offset + knob->type.size > size)
      return make_error(ErrorKind::invalid_policy,
                        "policy '" + policy_name + "': knob '" + knob->name +
                            "' is not in a writable .rodata map (object built oddly?)");
    auto value = parse_knob_value(*knob, setting->value);
    if (!value)
      return std::move(value).error();
    store_uint(static_cast<char*>(data) + knob->offset, knob->type.size, *value);
  }
  return {};
}

}  // namespace structops
