#include "module_io.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace structops::bench {
namespace {

constexpr const char* kTrigger = "/proc/bpf_testmod_trigger";
constexpr const char* kStatus = "/proc/bpf_testmod_status";
constexpr const char* kLogParam = "/sys/module/bpf_testmod/parameters/log_results";

std::string errno_text(const std::string& what) {
  return what + ": " + std::strerror(errno);
}

UniqueFd open_or_throw(const char* path, int flags) {
  UniqueFd fd(::open(path, flags | O_CLOEXEC));
  if (!fd)
    throw BenchError(errno_text(std::string("cannot open ") + path));
  return fd;
}

std::string read_file(const char* path) {
  std::ifstream in(path);
  if (!in)
    throw BenchError(std::string("cannot read ") + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_file(const char* path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  out.flush();
  if (!out)
    throw BenchError(std::string("cannot write ") + path);
}

}  // namespace

TriggerFile::TriggerFile() : fd_(open_or_throw(kTrigger, O_WRONLY)) {}

void TriggerFile::fire(const std::string& payload) const {
  ssize_t n = ::write(fd_.get(), payload.data(), payload.size());
  if (n != static_cast<ssize_t>(payload.size()))
    throw BenchError(errno_text("trigger '" + payload + "' failed"));
}

StatusFile::StatusFile() : fd_(open_or_throw(kStatus, O_RDONLY)) {
  buf_.reserve(4096);
}

const std::string& StatusFile::read_text() const {
  // seq_file: a read at offset 0 regenerates the whole file.
  char chunk[4096];
  buf_.clear();
  off_t off = 0;
  for (;;) {
    ssize_t n = ::pread(fd_.get(), chunk, sizeof(chunk), off);
    if (n < 0)
      throw BenchError(errno_text("cannot read /proc/bpf_testmod_status"));
    buf_.append(chunk, static_cast<size_t>(n));
    off += n;
    // A short read is the end: seq_file hands out all it has.  Saves the
    // second syscall on every read the trigger loop makes.
    if (n < static_cast<ssize_t>(sizeof(chunk)))
      break;
  }
  return buf_;
}

std::map<std::string, std::string> StatusFile::read() const {
  std::map<std::string, std::string> fields;
  std::istringstream in(read_text());
  std::string line;
  while (std::getline(in, line)) {
    auto colon = line.find(": ");
    if (colon != std::string::npos)
      fields[line.substr(0, colon)] = line.substr(colon + 2);
  }
  return fields;
}

int64_t StatusFile::number(const std::string& key) const {
  std::string v = status_field(read_text(), key);
  if (v.empty())
    throw BenchError("the status file has no '" + key + "'");
  return std::stoll(v);
}

std::string status_field(const std::string& text, const std::string& key) {
  const std::string needle = key + ": ";
  size_t pos = 0;
  while ((pos = text.find(needle, pos)) != std::string::npos) {
    if (pos == 0 || text[pos - 1] == '\n') {
      size_t start = pos + needle.size();
      size_t end = text.find('\n', start);
      return text.substr(start, end == std::string::npos ? std::string::npos : end - start);
    }
    pos += needle.size();
  }
  return {};
}

void ensure_module(const std::string& ko_path) {
  struct stat st = {};
  if (::stat("/sys/module/bpf_testmod", &st) == 0)
    return;
  UniqueFd fd(::open(ko_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd)
    throw BenchError(errno_text("cannot open module " + ko_path));
  if (::syscall(SYS_finit_module, fd.get(), "", 0) != 0)
    throw BenchError(errno_text("cannot load module " + ko_path));
}

QuietLog::QuietLog() : saved_(read_file(kLogParam)) {
  write_file(kLogParam, "0");
}

QuietLog::~QuietLog() {
  try {
    write_file(kLogParam, saved_);
  } catch (const BenchError&) {
    // Nothing sensible to do in a destructor; the module is going away.
  }
}

}  // namespace structops::bench
