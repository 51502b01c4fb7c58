#include "system/kernel_security.hpp"

#include <fstream>
#include <iterator>
#include <sstream>

namespace structops {
namespace {

constexpr const char* kLockdownFile = "/sys/kernel/security/lockdown";
// EFI_GLOBAL_VARIABLE's SecureBoot: 4 bytes of attributes, then one byte.
constexpr const char* kSecureBootVar =
    "/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c";

std::string slurp(const char* path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return {};
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

std::string parse_lockdown(const std::string& text) {
  // "none [integrity] confidentiality": the active mode is bracketed.
  size_t open = text.find('[');
  size_t close = text.find(']', open == std::string::npos ? 0 : open);
  if (open == std::string::npos || close == std::string::npos)
    return {};
  return text.substr(open + 1, close - open - 1);
}

std::string lockdown_mode() {
  return parse_lockdown(slurp(kLockdownFile));
}

std::string secure_boot_state() {
  std::string v = slurp(kSecureBootVar);
  if (v.size() != 5)
    return {};
  return v[4] == 1 ? "enabled" : "disabled";
}

}  // namespace structops
