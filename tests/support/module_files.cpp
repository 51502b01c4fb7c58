#include "module_files.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <structops/bpf_testmod.h>

#include "system/module.hpp"

namespace structops::test {
namespace {

constexpr const char* kLogParam = "/sys/module/" BPF_TESTMOD_MODULE_NAME "/parameters/log_results";

std::string read_file(const char* path, bool* ok) {
  std::ifstream in(path);
  *ok = static_cast<bool>(in);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

Status status_from_text(const std::string& text) {
  Status status;
  for (auto& [key, value] : parse_key_values(text))
    status.emplace(std::move(key), std::move(value));
  return status;
}

Status read_status() {
  auto fields = structops::read_status();
  if (!fields)
    throw std::runtime_error(fields.error().message);
  Status status;
  for (auto& [key, value] : *fields)
    status.emplace(std::move(key), std::move(value));
  return status;
}

std::string status_text() {
  bool ok;
  return read_file(BPF_TESTMOD_STATUS_PATH, &ok);
}

long long status_number(const Status& status, const std::string& key) {
  auto it = status.find(key);
  if (it == status.end())
    throw std::runtime_error("status has no key " + key);
  return std::stoll(it->second);
}

TriggerFile::TriggerFile() : fd_(::open(BPF_TESTMOD_TRIGGER_PATH, O_WRONLY | O_CLOEXEC)) {
  if (fd_ < 0)
    throw std::runtime_error(std::string("cannot open " BPF_TESTMOD_TRIGGER_PATH ": ") +
                             std::strerror(errno));
}

TriggerFile::~TriggerFile() {
  ::close(fd_);
}

int TriggerFile::write(const void* data, size_t size) const {
  ssize_t n = ::write(fd_, data, size);
  if (n < 0)
    return errno;
  return static_cast<size_t>(n) == size ? 0 : EIO;
}

void TriggerFile::fire(const std::string& payload) const {
  if (int err = write(payload))
    throw std::runtime_error("trigger '" + payload + "' failed: " + std::strerror(err));
}

int trigger(const std::string& payload) {
  int fd = ::open(BPF_TESTMOD_TRIGGER_PATH, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return errno;
  ssize_t n = ::write(fd, payload.data(), payload.size());
  int err = n < 0 ? errno : (static_cast<size_t>(n) == payload.size() ? 0 : EIO);
  ::close(fd);
  return err;
}

QuietKernelLog::QuietKernelLog() {
  bool ok;
  saved_ = read_file(kLogParam, &ok);
  if (!ok)
    throw std::runtime_error(std::string("cannot read ") + kLogParam);
  saved_.erase(saved_.find_last_not_of(" \t\n") + 1);
  std::ofstream(kLogParam) << "N\n";
}

QuietKernelLog::~QuietKernelLog() {
  // Nothing to restore once the module is gone (a test unloaded it).
  if (!saved_.empty() && ::access("/sys/module/" BPF_TESTMOD_MODULE_NAME, F_OK) == 0)
    std::ofstream(kLogParam) << saved_ << "\n";
}

}  // namespace structops::test
