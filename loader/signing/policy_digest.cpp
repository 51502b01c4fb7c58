#include "signing/policy_digest.hpp"

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <elf.h>

#include <cstring>
#include <map>
#include <optional>

#include <structops/bpf_testmod.h>

#include "bpf/btf_util.hpp"
#include "bpf/policy_lookup.hpp"
#include "bpf/policy_object.hpp"
#include "signing/elf_program.hpp"
#include "signing/sha256.hpp"

namespace structops {
namespace {

constexpr uint8_t kLdImm64 = BPF_LD | BPF_IMM | BPF_DW;
constexpr uint8_t kCall = BPF_JMP | BPF_CALL;
// gotox (BPF_JMP | BPF_JA | BPF_X, newer kernels): its targets live in a
// map the digest does not cover.
constexpr uint8_t kGotox = BPF_JMP | BPF_JA | BPF_X;

// The module's kfuncs and the tokens the digest names them by: their BTF
// ids differ per kernel and per build.
struct Kfunc {
  const char* name;
  int32_t token;
};
constexpr Kfunc kKfuncs[] = {
    {BPF_TESTMOD_KFUNC_READ_TEST_3_BUF, BPF_TESTMOD_KFUNC_TOKEN_READ_TEST_3_BUF},
};

// An extern the table does not allow, described for the refusal: what the
// object's BTF says it is (a kfunc of another module, a .kconfig value, a
// __ksym variable).
std::string describe_extern(const btf* types, const std::string& name) {
  const int func = types ? btf__find_by_name_kind(types, name.c_str(), BTF_KIND_FUNC) : -1;
  if (func > 0)
    return "calls kfunc '" + name + "', which is not " BPF_TESTMOD_MODULE_NAME "'s";
  const int var = types ? btf__find_by_name_kind(types, name.c_str(), BTF_KIND_VAR) : -1;
  const int kconfig = types ? btf__find_by_name_kind(types, ".kconfig", BTF_KIND_DATASEC) : -1;
  if (var > 0 && kconfig > 0) {
    const btf_type* sec = btf__type_by_id(types, kconfig);
    const btf_var_secinfo* vi = btf_var_secinfos(sec);
    for (uint32_t i = 0; i < btf_vlen(sec); i++, vi++)
      if (vi->type == static_cast<uint32_t>(var))
        return "reads .kconfig extern '" + name + "'";
  }
  if (var > 0)
    return "uses kernel variable '" + name + "' (__ksym)";
  return "refers to extern symbol '" + name + "'";
}

// The token of the module's kfunc `name`, if the object declares it as a
// function (not, say, a __ksym variable that happens to share the name).
// The symbol is undefined, so a BTF function of that name is the extern;
// its linkage is no test: libbpf rewrites extern funcs' BTF at open.
std::optional<int32_t> kfunc_token(const btf* types, const std::string& name) {
  for (const Kfunc& k : kKfuncs)
    if (name == k.name && types && btf__find_by_name_kind(types, k.name, BTF_KIND_FUNC) > 0)
      return k.token;
  return std::nullopt;
}

// One program through the table.  `refuse` words the error.
template <typename Refuse>
Result<std::vector<bpf_insn>> normalise(const ElfProgram& prog, const btf* types,
                                        const Refuse& refuse) {
  if (prog.core_relocs)
    return refuse("has " + std::to_string(prog.core_relocs) +
                  " CO-RE relocation(s), which libbpf rewrites for each kernel");
  std::map<uint32_t, const ProgramReloc*> reloc_at;
  for (const ProgramReloc& r : prog.relocs)
    if (!reloc_at.emplace(r.insn, &r).second)
      return refuse("has two relocations on instruction " + std::to_string(r.insn));
  auto reloc = [&](size_t i) -> const ProgramReloc* {
    auto it = reloc_at.find(i);
    return it == reloc_at.end() ? nullptr : it->second;
  };

  std::vector<bpf_insn> out = prog.insns;
  for (size_t i = 0; i < out.size(); i++) {
    bpf_insn& insn = out[i];
    const std::string at = " (instruction " + std::to_string(i) + ")";
    const ProgramReloc* r = reloc(i);
    if (insn.code == kGotox)
      return refuse("uses gotox, an indirect jump through a map" + at);

    if (insn.code == kLdImm64) {
      if (i + 1 >= out.size())
        return refuse("ends inside a 16-byte ld_imm64" + at);
      if (reloc(i + 1))
        return refuse("has a relocation on an ld_imm64's second half" + at);
      bpf_insn& next = out[i + 1];
      i++;  // ld_imm64 takes two slots
      if (!r) {
        // libbpf passes an unrelocated ld_imm64 as compiled; clang emits
        // only constants (0) and, in hand-written code, function refs (4).
        if (insn.src_reg != 0 && insn.src_reg != BPF_PSEUDO_FUNC)
          return refuse("has an ld_imm64 with src_reg " + std::to_string(insn.src_reg) +
                        " and no relocation" + at);
        continue;
      }
      if (r->type != R_BPF_64_64 || insn.src_reg != 0)
        return refuse("has an ld_imm64 with an unexpected relocation (type " +
                      std::to_string(r->type) + ", src_reg " + std::to_string(insn.src_reg) + ")" +
                      at);
      switch (r->target) {
        case RelocTarget::map:
          insn.src_reg = BPF_PSEUDO_MAP_FD;
          insn.imm = 0;
          break;
        case RelocTarget::data:
          insn.src_reg = BPF_PSEUDO_MAP_VALUE;
          insn.imm = 0;
          break;
        case RelocTarget::external: {
          // bpf_ksym_exists(kfunc): the kernel sees the kfunc's address.
          const auto token = kfunc_token(types, r->symbol);
          if (!token)
            return refuse(describe_extern(types, r->symbol) + at);
          insn.src_reg = BPF_PSEUDO_BTF_ID;
          insn.imm = *token;
          break;
        }
        case RelocTarget::other:
          return refuse("takes the address of '" + r->symbol + "' in section " + r->section +
                        " (a callback or subprogram)" + at);
      }
      next.imm = 0;
      continue;
    }

    if (insn.code == kCall) {
      if (insn.src_reg == 0 && !r) {
        // A helper, by its stable UAPI id; libbpf loads
        // bpf_probe_read_kernel{,_str} as bpf_probe_read{,_str} where its
        // probe of the former fails (lockdown=confidentiality), so the two
        // are one name here and in the module.
        if (insn.imm == BPF_FUNC_probe_read)
          insn.imm = BPF_FUNC_probe_read_kernel;
        else if (insn.imm == BPF_FUNC_probe_read_str)
          insn.imm = BPF_FUNC_probe_read_kernel_str;
        continue;
      }
      // clang emits a kfunc call as a pseudo call relocated to the extern;
      // libbpf makes it src_reg 2 with the kernel's BTF id.
      if (insn.src_reg == BPF_PSEUDO_CALL && r && r->type == R_BPF_64_32 &&
          r->target == RelocTarget::external) {
        const auto token = kfunc_token(types, r->symbol);
        if (!token)
          return refuse(describe_extern(types, r->symbol) + at);
        insn.src_reg = BPF_PSEUDO_KFUNC_CALL;
        insn.off = 0;
        insn.imm = *token;
        continue;
      }
      if (insn.src_reg == BPF_PSEUDO_CALL)
        return refuse("calls another BPF function" + (r ? " ('" + r->symbol + "')" : "") + at);
      return refuse("has a call with src_reg " + std::to_string(insn.src_reg) +
                    (r ? " and a relocation" : "") + at);
    }

    if (r)
      return refuse("has a relocation on an instruction of code 0x" + lower_hex(&insn.code, 1) +
                    at);
  }
  return out;
}

}  // namespace

std::string lower_hex(const uint8_t* data, size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s;
  s.reserve(size * 2);
  for (size_t i = 0; i < size; i++) {
    s += kDigits[data[i] >> 4];
    s += kDigits[data[i] & 0xf];
  }
  return s;
}

std::string sha256_hex(const std::vector<uint8_t>& bytes) {
  const Sha256Digest md = sha256(bytes.data(), bytes.size());
  return lower_hex(md.data(), md.size());
}

std::vector<uint8_t> encode_insns(const std::vector<bpf_insn>& insns) {
  std::vector<uint8_t> out;
  out.reserve(insns.size() * 8);
  for (const bpf_insn& insn : insns) {
    const auto off = static_cast<uint16_t>(insn.off);
    const auto imm = static_cast<uint32_t>(insn.imm);
    out.push_back(insn.code);
    out.push_back(static_cast<uint8_t>(insn.dst_reg | insn.src_reg << 4));
    out.push_back(off & 0xff);
    out.push_back(off >> 8);
    for (int shift = 0; shift < 32; shift += 8)
      out.push_back((imm >> shift) & 0xff);
  }
  return out;
}

Result<std::vector<NormalisedProgram>> normalise_policy(const std::string& object_path) {
  auto policy = PolicyObject::open(object_path);
  if (!policy)
    return std::move(policy).error();
  auto elf = ElfObject::open(object_path);
  if (!elf)
    return std::move(elf).error();
  const std::string name = policy_name_from_path(object_path);
  const LocalOps ops = policy->local_ops();
  const btf_type* t = btf__type_by_id(ops.types, ops.type_id);

  std::vector<NormalisedProgram> out;
  const btf_member* m = btf_members(t);
  for (uint32_t i = 0; i < btf_vlen(t); i++, m++) {
    if (!is_func_ptr(ops.types, m->type))
      continue;
    const bpf_program* prog = nullptr;
    std::memcpy(&prog, static_cast<const uint8_t*>(ops.data) + btf_member_bit_offset(t, i) / 8,
                sizeof(prog));
    if (!prog)
      continue;  // left to the module's built-in
    NormalisedProgram np;
    np.member = btf__name_by_offset(ops.types, m->name_off);
    np.program = bpf_program__name(prog);
    auto refuse = [&](const std::string& why) {
      return make_error(ErrorKind::invalid_policy, "policy '" + name + "': program '" + np.program +
                                                       "' (" + np.member + ") " + why +
                                                       "; signed policies cannot (v1)");
    };
    auto raw = elf->program(bpf_program__section_name(prog), np.program, ops.types);
    if (!raw)
      return std::move(raw).error();
    // libbpf found the same program (its copy is the object's bytes until load).
    if (raw->insns.size() != bpf_program__insn_cnt(prog))
      return make_error(ErrorKind::other, "policy '" + name + "': libbpf and libelf disagree " +
                                              "on the length of program '" + np.program + "'");
    auto insns = normalise(*raw, ops.types, refuse);
    if (!insns)
      return std::move(insns).error();
    np.insns = std::move(*insns);
    out.push_back(std::move(np));
  }
  if (out.empty())
    return make_error(ErrorKind::invalid_policy,
                      "policy '" + name + "' sets no callback: there is nothing to sign");
  if (out.size() > BPF_TESTMOD_TRUST_MAX_PROGS)
    return make_error(ErrorKind::invalid_policy, "policy '" + name + "' sets " +
                                                     std::to_string(out.size()) +
                                                     " callbacks; a signature names at most " +
                                                     std::to_string(BPF_TESTMOD_TRUST_MAX_PROGS));
  return out;
}

Result<std::vector<ProgramDigest>> compute_policy_digests(const std::string& object_path) {
  auto programs = normalise_policy(object_path);
  if (!programs)
    return std::move(programs).error();
  std::vector<ProgramDigest> out;
  for (const NormalisedProgram& p : *programs)
    out.push_back({p.member, p.program, sha256_hex(encode_insns(p.insns))});
  return out;
}

}  // namespace structops
