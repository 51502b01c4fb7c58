#include "system/atomic_file.hpp"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "common/unique_fd.hpp"

namespace structops {
namespace {

// dir and its missing parents, each 0755 (whatever the umask).
Result<void> make_directories(const std::filesystem::path& dir) {
  std::filesystem::path at;
  for (const std::filesystem::path& part : dir) {
    at /= part;
    if (mkdir(at.c_str(), 0755) != 0 && errno != EEXIST)
      return errno_error(errno, "cannot create " + at.string());
  }
  return {};
}

}  // namespace

Result<void> write_file_atomically(const std::string& path, std::string_view content, mode_t mode) {
  const std::filesystem::path target(path);
  std::filesystem::path dir = target.parent_path();
  if (dir.empty())
    dir = ".";
  if (auto r = make_directories(dir); !r)
    return r;
  // Hidden, so that a directory listing (policy lookup) never shows it.
  std::string tmp_name = (dir / ("." + target.filename().string() + ".XXXXXX")).string();
  UniqueFd fd(mkostemp(tmp_name.data(), O_CLOEXEC));
  if (!fd)
    return errno_error(errno, "cannot create a temporary file in " + dir.string());
  // From here on, a failure must not leave the temporary file behind.
  auto fail = [&](int err, const std::string& what) -> Result<void> {
    unlink(tmp_name.c_str());
    return errno_error(err, what);
  };
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = write(fd.get(), content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return fail(errno, "cannot write " + tmp_name);
    done += n;
  }
  if (fchmod(fd.get(), mode) != 0)
    return fail(errno, "cannot chmod " + tmp_name);
  if (fsync(fd.get()) != 0)
    return fail(errno, "cannot sync " + tmp_name);
  if (close(fd.release()) != 0)
    return fail(errno, "cannot close " + tmp_name);
  if (rename(tmp_name.c_str(), path.c_str()) != 0)
    return fail(errno, "cannot replace " + path);
  // Make the rename itself durable.
  UniqueFd dfd(open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dfd)
    fsync(dfd.get());
  return {};
}

}  // namespace structops
