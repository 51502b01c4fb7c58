#include "system/module.hpp"

#include <sys/utsname.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>
#include <thread>

#include "system/module_trust.hpp"
#include "system/run_command.hpp"

namespace structops {
namespace fs = std::filesystem;
namespace {

constexpr const char* kModule = BPF_TESTMOD_MODULE_NAME;

bool exists(const std::string& path) {
  std::error_code ec;
  return fs::exists(path, ec);
}

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos)
    return {};
  size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

std::string kernel_release() {
  utsname u{};
  return uname(&u) == 0 ? u.release : "";
}

bool module_file_exists(const std::string& release) {
  std::error_code ec;
  fs::recursive_directory_iterator it("/lib/modules/" + release, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (name.rfind(std::string(kModule) + ".ko", 0) == 0)
      return true;
  }
  return false;
}

}  // namespace

StatusFields parse_status(const std::string& text) {
  StatusFields fields;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    size_t colon = line.find(':');
    if (colon == std::string::npos || colon == 0)
      continue;
    fields.emplace_back(trim(line.substr(0, colon)), trim(line.substr(colon + 1)));
  }
  return fields;
}

std::optional<std::string> status_value(const StatusFields& fields, const std::string& key) {
  for (const auto& [k, v] : fields)
    if (k == key)
      return v;
  return std::nullopt;
}

Result<StatusFields> read_status(const std::string& path) {
  std::ifstream in(path);
  if (!in)
    return errno_error(ErrorKind::unavailable, errno, "cannot read " + path);
  std::stringstream text;
  text << in.rdbuf();
  return parse_status(text.str());
}

bool kernel_at_least(const std::string& release, int major, int minor) {
  int ma = 0, mi = 0;
  if (std::sscanf(release.c_str(), "%d.%d", &ma, &mi) != 2)
    return true;
  return ma > major || (ma == major && mi >= minor);
}

Error diagnose_module(const ModuleFacts& f) {
  const std::string& r = f.kernel_release;
  std::string msg;
  if (!kernel_at_least(r, 6, 9)) {
    msg = "kernel " + r +
          " is older than 6.9 and cannot register struct_ops types from modules; "
          "boot a 6.9 or newer kernel (Debian bookworm: linux-image-amd64 from bookworm-backports)";
  } else if (!f.module_support) {
    msg = "kernel " + r +
          " has no loadable module support (CONFIG_MODULES is off), so bpf_testmod cannot be "
          "loaded";
  } else if (f.loaded && !f.btf) {
    msg =
        "bpf_testmod is loaded but has no BTF (/sys/kernel/btf/bpf_testmod is missing), so it "
        "offers no struct_ops type; rebuild it against headers that ship vmlinux "
        "(dkms remove/install), then rmmod and modprobe it";
  } else if (!f.loaded && !f.module_file) {
    msg = "no bpf_testmod module for kernel " + r +
          ": is bpf-testmod-dkms installed and built for this kernel? check `dkms status` "
          "(the headers for " +
          r + " are needed)";
  } else {
    msg = "modprobe bpf_testmod failed";
    if (!f.modprobe_output.empty())
      msg += ": " + f.modprobe_output;
    msg += " (see dmesg)";
  }
  return make_error(ErrorKind::unavailable, msg);
}

std::string status_policy_name() {
  auto fields = read_status();
  if (!fields)
    return {};
  auto p = status_value(*fields, "policy");
  return (p && *p != "none") ? *p : std::string();
}

bool module_loaded() {
  return exists(std::string("/sys/module/") + kModule);
}

bool wait_module_unused(std::chrono::milliseconds timeout) {
  const std::string refcnt = std::string("/sys/module/") + kModule + "/refcnt";
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    std::ifstream in(refcnt);
    std::string n;
    if (!(in >> n) || n == "0")
      return true;  // unloaded meanwhile, or free
    if (std::chrono::steady_clock::now() >= deadline)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

Result<void> ensure_module_loaded() {
  ModuleFacts f;
  f.kernel_release = kernel_release();
  const std::string btf_path = std::string("/sys/kernel/btf/") + kModule;
  f.loaded = module_loaded();
  if (!f.loaded) {
    int status = run_command({"modprobe", kModule}, &f.modprobe_output);
    f.loaded = status == 0 && module_loaded();
    // A signature or lockdown refusal has its own explanation and exit
    // code: the fix is enrolling a key, not installing something.
    Refusal refusal = classify_modprobe_output(f.modprobe_output);
    if (!f.loaded && refusal != Refusal::none)
      return make_error(ErrorKind::module_refused, explain_refusal(gather_module_trust(refusal)));
  }
  f.btf = exists(btf_path);
  if (f.loaded && f.btf)
    return {};
  f.module_support = exists("/proc/modules");
  f.module_file = f.module_support && module_file_exists(f.kernel_release);
  return diagnose_module(f);
}

}  // namespace structops
