// The module's proc files, opened once and reused: a benchmark that paid
// for open() on every trigger would measure the VFS, not the module.
#pragma once

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>

#include "unique_fd.hpp"

namespace structops::bench {

// Any failure of the environment the benchmark needs; main() reports it.
struct BenchError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class TriggerFile {
 public:
  TriggerFile();
  // One write of payload; throws on any error.
  void fire(const std::string& payload) const;

 private:
  UniqueFd fd_;
};

// /proc/bpf_testmod_status, parsed.  Reading restarts from offset 0 on
// the same descriptor, so a read is one syscall plus the seq_file work.
class StatusFile {
 public:
  StatusFile();
  std::map<std::string, std::string> read() const;
  // Raw text, for the trigger loop's cheaper parse.
  const std::string& read_text() const;
  int64_t number(const std::string& key) const;

 private:
  UniqueFd fd_;
  mutable std::string buf_;
};

// Looks up one key in status text ("key: value\n" lines); empty if absent.
std::string status_field(const std::string& text, const std::string& key);

// Loads the module from ko_path unless bpf_testmod is loaded already.
void ensure_module(const std::string& ko_path);

// Sets /sys/module/bpf_testmod/parameters/log_results for its lifetime and
// restores the previous value after: the trigger figures must not measure
// printk, and the machine must be left as it was found.
class QuietLog {
 public:
  QuietLog();
  ~QuietLog();
  QuietLog(const QuietLog&) = delete;
  QuietLog& operator=(const QuietLog&) = delete;

 private:
  std::string saved_;
};

}  // namespace structops::bench
