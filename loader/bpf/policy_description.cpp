#include "bpf/policy_description.hpp"

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>

#include <memory>

#include "common/unique_fd.hpp"

namespace structops {
namespace {

struct ElfDeleter {
  void operator()(Elf* elf) const { elf_end(elf); }
};
using ElfPtr = std::unique_ptr<Elf, ElfDeleter>;

// The longest description --list shows; the rest is cut.
constexpr size_t kMaxDescription = 200;

}  // namespace

Result<std::string> read_policy_description(const std::string& path) {
  if (elf_version(EV_CURRENT) == EV_NONE)
    return make_error(ErrorKind::other, std::string("libelf: ") + elf_errmsg(-1));
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd)
    return errno_error(errno, "cannot open " + path);
  ElfPtr elf(elf_begin(fd.get(), ELF_C_READ, nullptr));
  if (!elf || elf_kind(elf.get()) != ELF_K_ELF)
    return make_error(ErrorKind::invalid_policy, path + " is not an ELF object");
  size_t shstrndx = 0;
  if (elf_getshdrstrndx(elf.get(), &shstrndx) != 0)
    return make_error(ErrorKind::invalid_policy,
                      path + ": no section name table: " + elf_errmsg(-1));

  for (Elf_Scn* scn = elf_nextscn(elf.get(), nullptr); scn; scn = elf_nextscn(elf.get(), scn)) {
    GElf_Shdr shdr;
    if (!gelf_getshdr(scn, &shdr))
      continue;
    const char* name = elf_strptr(elf.get(), shstrndx, shdr.sh_name);
    if (!name || std::string(name) != kDescriptionSection || shdr.sh_type == SHT_NOBITS)
      continue;
    Elf_Data* data = elf_getdata(scn, nullptr);
    if (!data || !data->d_buf)
      return std::string();
    const char* p = static_cast<const char*>(data->d_buf);
    std::string text;
    for (size_t i = 0; i < data->d_size && p[i] != '\0' && text.size() < kMaxDescription; i++) {
      unsigned char c = static_cast<unsigned char>(p[i]);
      // One line on a terminal: control characters become spaces.
      text += (c < 0x20 || c == 0x7f) ? ' ' : static_cast<char>(c);
    }
    return text;
  }
  return std::string();
}

}  // namespace structops
