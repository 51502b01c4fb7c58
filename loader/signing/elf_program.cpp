#include "signing/elf_program.hpp"

#include <fcntl.h>
#include <gelf.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>

namespace structops {
namespace {

// .BTF.ext's header (libbpf's struct btf_ext_header, UAPI-stable since
// CO-RE was added): offsets count from the end of the header.
constexpr uint16_t kBtfExtMagic = 0xeB9F;
constexpr size_t kBtfExtCoreHeaderLen = 32;

// libbpf's own rule (bpf_object__elf_collect): a section is a global-data
// map if it is .data/.rodata/.bss or one of them followed by a dot.
bool is_data_section(const std::string& name) {
  for (const char* base : {".data", ".rodata", ".bss"}) {
    const size_t n = std::strlen(base);
    if (name.compare(0, n, base) == 0 && (name.size() == n || name[n] == '.'))
      return true;
  }
  return false;
}

uint32_t load_u32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

struct Section {
  Elf_Scn* scn = nullptr;
  GElf_Shdr shdr{};
  std::string name;
};

std::optional<Section> section_at(Elf* elf, size_t shstrndx, size_t index) {
  Section s;
  s.scn = elf_getscn(elf, index);
  if (!s.scn || !gelf_getshdr(s.scn, &s.shdr))
    return std::nullopt;
  const char* name = elf_strptr(elf, shstrndx, s.shdr.sh_name);
  s.name = name ? name : "";
  return s;
}

}  // namespace

Result<ElfObject> ElfObject::open(const std::string& path) {
  ElfObject o;
  o.path_ = path;
  if (elf_version(EV_CURRENT) == EV_NONE)
    return make_error(ErrorKind::other, std::string("libelf: ") + elf_errmsg(-1));
  o.fd_.reset(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!o.fd_) {
    const int err = errno;
    return errno_error(err == ENOENT ? ErrorKind::usage : ErrorKind::other, err,
                       "cannot open " + path);
  }
  o.elf_.reset(elf_begin(o.fd_.get(), ELF_C_READ, nullptr));
  GElf_Ehdr ehdr;
  if (!o.elf_ || elf_kind(o.elf_.get()) != ELF_K_ELF || !gelf_getehdr(o.elf_.get(), &ehdr))
    return make_error(ErrorKind::invalid_policy, path + " is not an ELF object");
  // The digest encodes little-endian fields: a big-endian object's
  // instructions would have to be swapped first, and nothing builds one.
  if (ehdr.e_machine != EM_BPF || ehdr.e_ident[EI_CLASS] != ELFCLASS64 ||
      ehdr.e_ident[EI_DATA] != ELFDATA2LSB)
    return make_error(ErrorKind::invalid_policy,
                      path + " is not a little-endian 64-bit BPF object (clang -target bpf)");
  return o;
}

Result<ElfProgram> ElfObject::program(const std::string& section, const std::string& name,
                                      const btf* types) const {
  Elf* elf = elf_.get();
  auto malformed = [&](const std::string& what) {
    return make_error(ErrorKind::invalid_policy,
                      path_ + ": program '" + name + "': " + what + " (malformed object)");
  };
  size_t shstrndx = 0, nsections = 0;
  if (elf_getshdrstrndx(elf, &shstrndx) || elf_getshdrnum(elf, &nsections))
    return malformed("no section table");

  std::vector<Section> sections;
  std::optional<size_t> prog_index, symtab_index, btf_ext_index;
  for (size_t i = 0; i < nsections; i++) {
    auto s = section_at(elf, shstrndx, i);
    if (!s)
      return malformed("unreadable section header " + std::to_string(i));
    if (s->shdr.sh_type == SHT_SYMTAB)
      symtab_index = i;
    else if (s->name == section && s->shdr.sh_type == SHT_PROGBITS)
      prog_index = i;
    else if (s->name == ".BTF.ext")
      btf_ext_index = i;
    sections.push_back(std::move(*s));
  }
  if (!prog_index || !symtab_index)
    return malformed("no section " + section + " or no symbol table");
  const Section& symtab = sections[*symtab_index];
  Elf_Data* syms = elf_getdata(symtab.scn, nullptr);
  Elf_Data* code = elf_getdata(sections[*prog_index].scn, nullptr);
  if (!syms || !code || !code->d_buf)
    return malformed("unreadable section " + section);
  const size_t nsyms = symtab.shdr.sh_entsize ? symtab.shdr.sh_size / symtab.shdr.sh_entsize : 0;

  // The program: its STT_FUNC symbol's range in its section.
  std::optional<GElf_Sym> func;
  for (size_t i = 0; i < nsyms && !func; i++) {
    GElf_Sym sym;
    const char* sname =
        gelf_getsym(syms, i, &sym) ? elf_strptr(elf, symtab.shdr.sh_link, sym.st_name) : nullptr;
    if (sname && name == sname && GELF_ST_TYPE(sym.st_info) == STT_FUNC &&
        sym.st_shndx == *prog_index)
      func = sym;
  }
  if (!func)
    return malformed("no function symbol in section " + section);
  const uint64_t begin = func->st_value, end = begin + func->st_size;
  if (begin % sizeof(bpf_insn) || func->st_size % sizeof(bpf_insn) || func->st_size == 0 ||
      end > code->d_size || end < begin)
    return malformed("its symbol's range is not whole instructions inside " + section);
  ElfProgram prog;
  prog.insns.resize(func->st_size / sizeof(bpf_insn));
  std::memcpy(prog.insns.data(), static_cast<const uint8_t*>(code->d_buf) + begin, func->st_size);

  // Its relocations: libbpf reads only SHT_REL sections (BPF has no RELA).
  for (const Section& rel : sections) {
    if (rel.shdr.sh_type != SHT_REL || rel.shdr.sh_info != *prog_index)
      continue;
    Elf_Data* data = elf_getdata(rel.scn, nullptr);
    const size_t n = rel.shdr.sh_entsize ? rel.shdr.sh_size / rel.shdr.sh_entsize : 0;
    for (size_t i = 0; data && i < n; i++) {
      GElf_Rel r;
      GElf_Sym sym;
      if (!gelf_getrel(data, i, &r))
        return malformed("unreadable relocation in " + rel.name);
      if (r.r_offset < begin || r.r_offset >= end)
        continue;
      if ((r.r_offset - begin) % sizeof(bpf_insn))
        return malformed("a relocation inside an instruction");
      if (!gelf_getsym(syms, GELF_R_SYM(r.r_info), &sym))
        return malformed("a relocation's symbol is out of range");
      ProgramReloc pr;
      pr.insn = (r.r_offset - begin) / sizeof(bpf_insn);
      pr.type = GELF_R_TYPE(r.r_info);
      const char* sname = elf_strptr(elf, symtab.shdr.sh_link, sym.st_name);
      pr.symbol = sname ? sname : "";
      if (sym.st_shndx == SHN_UNDEF) {
        pr.target = RelocTarget::external;
      } else if (sym.st_shndx < sections.size()) {
        pr.section = sections[sym.st_shndx].name;
        if (pr.symbol.empty())
          pr.symbol = pr.section;  // a section symbol (a static's or a string's)
        pr.target = pr.section == ".maps"         ? RelocTarget::map
                    : is_data_section(pr.section) ? RelocTarget::data
                                                  : RelocTarget::other;
      }
      prog.relocs.push_back(std::move(pr));
    }
  }
  std::sort(prog.relocs.begin(), prog.relocs.end(),
            [](const ProgramReloc& a, const ProgramReloc& b) { return a.insn < b.insn; });

  // CO-RE relocations: libbpf rewrites those instructions per kernel, so
  // the caller must know.  Layout: libbpf's btf_ext_info_sec records.
  if (!btf_ext_index)
    return prog;
  Elf_Data* ext = elf_getdata(sections[*btf_ext_index].scn, nullptr);
  if (!ext || !ext->d_buf || ext->d_size < 8)
    return malformed("truncated .BTF.ext");
  const auto* p = static_cast<const uint8_t*>(ext->d_buf);
  uint16_t magic;
  std::memcpy(&magic, p, sizeof(magic));
  const uint32_t hdr_len = load_u32(p + 4);
  if (magic != kBtfExtMagic || hdr_len > ext->d_size)
    return malformed("bad .BTF.ext header");
  if (hdr_len < kBtfExtCoreHeaderLen)
    return prog;  // written before CO-RE existed
  const uint64_t core_off = hdr_len + uint64_t{load_u32(p + 24)};
  const uint64_t core_len = load_u32(p + 28);
  if (core_len == 0)
    return prog;
  if (core_off + core_len > ext->d_size || core_len < 4)
    return malformed("bad .BTF.ext CO-RE section");
  const uint8_t* q = p + core_off;
  const uint8_t* q_end = q + core_len;
  const uint32_t record_size = load_u32(q);
  q += 4;
  if (record_size < 4)
    return malformed("bad .BTF.ext CO-RE record size");
  while (q < q_end) {
    if (q_end - q < 8)
      return malformed("truncated .BTF.ext CO-RE section");
    const uint32_t sec_name_off = load_u32(q), count = load_u32(q + 4);
    q += 8;
    if (uint64_t{count} * record_size > static_cast<uint64_t>(q_end - q))
      return malformed("truncated .BTF.ext CO-RE section");
    const char* sec_name = types ? btf__name_by_offset(types, sec_name_off) : nullptr;
    // Without names (no BTF), count every record: refusing is the safe side.
    const bool ours = !types || (sec_name && section == sec_name);
    for (uint32_t i = 0; i < count; i++, q += record_size) {
      const uint32_t insn_off = load_u32(q);
      if (ours && insn_off >= begin && insn_off < end)
        prog.core_relocs++;
    }
  }
  return prog;
}

}  // namespace structops
