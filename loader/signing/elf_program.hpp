// One BPF program's bytes and relocations exactly as the compiler left them
// in the object file, read with libelf.  The policy digest needs them
// because libbpf does not publish its relocations, and the digest must be
// computable offline (no kernel, no root: the postinst signs in a chroot).
#pragma once

#include <bpf/btf.h>
#include <libelf.h>
#include <linux/bpf.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "common/unique_fd.hpp"

namespace structops {

// What a relocation's symbol is, by the section it is defined in: libbpf
// turns each into a different ld_imm64 or call (src_reg) at load.
enum class RelocTarget {
  map,       // in .maps: a map fd (BPF_PSEUDO_MAP_FD)
  data,      // in .data, .rodata, .bss or a .data./.rodata./.bss. section: a map value
  external,  // undefined: a __ksym, kfunc or .kconfig extern
  other,     // code or any other section: a function address, a subprogram
};

struct ProgramReloc {
  uint32_t insn = 0;  // index into ElfProgram::insns
  uint32_t type = 0;  // R_BPF_64_64, R_BPF_64_32, ...
  RelocTarget target = RelocTarget::other;
  std::string symbol;   // the symbol's name ("" for an unnamed one)
  std::string section;  // the section it is defined in ("" when external)
};

struct ElfProgram {
  std::vector<bpf_insn> insns;
  std::vector<ProgramReloc> relocs;  // in instruction order
  uint32_t core_relocs = 0;          // CO-RE relocations (.BTF.ext) in its range
};

// An object file open for reading; copies deleted, moves defaulted.
class ElfObject {
 public:
  static Result<ElfObject> open(const std::string& path);
  ElfObject(ElfObject&&) = default;
  ElfObject& operator=(ElfObject&&) = default;
  ElfObject(const ElfObject&) = delete;
  ElfObject& operator=(const ElfObject&) = delete;

  // The function symbol `name` in section `section` (bpf_program__name()
  // and bpf_program__section_name()).  types (the object's BTF) names the
  // sections of its CO-RE relocations.  Errors are invalid_policy.
  Result<ElfProgram> program(const std::string& section, const std::string& name,
                             const btf* types) const;

 private:
  ElfObject() = default;

  struct ElfDeleter {
    void operator()(Elf* e) const { elf_end(e); }
  };

  std::string path_;
  UniqueFd fd_;                           // declared first: closed after elf_end()
  std::unique_ptr<Elf, ElfDeleter> elf_;  // reads fd_
};

}  // namespace structops
