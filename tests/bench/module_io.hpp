// The status file as the benchmarks read it, opened once and reused: a
// benchmark that paid for open() on every read would measure the VFS, not
// the module.  The trigger file and the quiet kernel log are the tests'
// (tests/support/module_files.hpp).
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

#include "common/unique_fd.hpp"
#include "module_files.hpp"

namespace structops::bench {

// Any failure of the environment the benchmark needs; main() reports it.
struct BenchError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// /proc/bpf_testmod_status, parsed.  Reading restarts from offset 0 on
// the same descriptor, so a read is one syscall plus the seq_file work.
class StatusFile {
 public:
  StatusFile();
  test::Status read() const;
  // Raw text, for the trigger loop's cheaper parse (status_field).
  const std::string& read_text() const;
  int64_t number(const std::string& key) const;

 private:
  UniqueFd fd_;
  mutable std::string buf_;
};

// Looks up one key in status text ("key: value\n" lines); empty if absent.
// No map built: the trigger loop reads the status after every trigger and
// wants only the record's fields.
std::string status_field(const std::string& text, const std::string& key);

// Loads the module from ko_path unless bpf_testmod is loaded already.
void ensure_module(const std::string& ko_path);

}  // namespace structops::bench
