#include "module_io.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace structops::bench {
namespace {

constexpr const char* kStatus = "/proc/bpf_testmod_status";

std::string errno_text(const std::string& what) {
  return what + ": " + std::strerror(errno);
}

UniqueFd open_or_throw(const char* path, int flags) {
  UniqueFd fd(::open(path, flags | O_CLOEXEC));
  if (!fd)
    throw BenchError(errno_text(std::string("cannot open ") + path));
  return fd;
}

}  // namespace

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

test::Status StatusFile::read() const {
  return test::status_from_text(read_text());
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

}  // namespace structops::bench
