#include "system/module.hpp"

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>
#include <thread>

#include "system/kernel_release.hpp"
#include "system/module_diagnosis.hpp"
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

Result<StatusFields> read_status(const std::string& path) {
  std::ifstream in(path);
  if (!in)
    return errno_error(ErrorKind::unavailable, errno, "cannot read " + path);
  std::stringstream text;
  text << in.rdbuf();
  return parse_key_values(text.str());
}

std::string status_policy_name() {
  auto fields = read_status();
  if (!fields)
    return {};
  auto p = find_value(*fields, "policy");
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
