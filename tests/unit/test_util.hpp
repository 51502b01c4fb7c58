// Helpers shared by the unit tests: a temporary directory that cleans up
// after itself, and the test BPF objects built next to the tests.
#pragma once

#include <stdlib.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>

namespace structops::test {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "structops-unit.XXXXXX").string();
    // Without a directory every path below would be "/name": as root, a
    // test would write into the real root.  Fail the test instead.
    if (!mkdtemp(tmpl.data()))
      throw std::system_error(errno, std::generic_category(), "mkdtemp " + tmpl);
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline void write_file(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path) << text;
}

inline std::string read_file(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// unit_<name>.bpf.o, built by tests/unit/CMakeLists.txt from data/<name>.bpf.c.
inline std::string test_object(const std::string& name) {
  return std::string(STRUCTOPS_TEST_DATA_DIR) + "/unit_" + name + ".bpf.o";
}

// <name>.bpf.o from tests/corpus/: the policies broken on purpose.
inline std::string corpus_object(const std::string& name) {
  return std::string(STRUCTOPS_CORPUS_DIR) + "/" + name + ".bpf.o";
}

}  // namespace structops::test
