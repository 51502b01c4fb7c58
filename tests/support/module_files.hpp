// The module's files as the booted-kernel tests and the benchmarks use
// them: the status file parsed (by the loader's own parser, so a test reads
// it exactly as structops-load does), the trigger file held open for many
// writes, and the log_results parameter set for a scope.
#pragma once

#include <cstddef>
#include <map>
#include <string>

namespace structops::test {

// Parsed /proc/bpf_testmod_status ("key: value" lines).
using Status = std::map<std::string, std::string>;

// Status text to fields (structops::parse_key_values); a key twice keeps the first.
Status status_from_text(const std::string& text);
// Read and parsed; throws std::runtime_error when the file cannot be read.
Status read_status();
// The status file's raw text ("" when it cannot be read), to compare before
// and after a write.
std::string status_text();
// A field as a number; throws std::runtime_error when it is absent.
long long status_number(const Status& status, const std::string& key);

// An open /proc/bpf_testmod_trigger: many writes without reopening (a
// benchmark that paid for open() on every trigger would measure the VFS).
class TriggerFile {
 public:
  // Throws std::runtime_error when the file cannot be opened.
  TriggerFile();
  ~TriggerFile();
  TriggerFile(const TriggerFile&) = delete;
  TriggerFile& operator=(const TriggerFile&) = delete;

  // One write(): 0 if it wrote everything, else the errno (EIO if short).
  int write(const void* data, size_t size) const;
  int write(const std::string& bytes) const { return write(bytes.data(), bytes.size()); }
  // The same for callers that expect no failure: throws std::runtime_error.
  void fire(const std::string& payload) const;

 private:
  int fd_;
};

// One write to /proc/bpf_testmod_trigger, opened for it: 0 on success,
// else the errno (of the open or of the write).
int trigger(const std::string& payload);

// The module's log_results parameter off for a scope, the previous value
// restored after (if the module is still loaded): a long run with a kernel
// log line per callback would only measure printk, and the machine must be
// left as it was found.  Throws std::runtime_error if it cannot be read.
class QuietKernelLog {
 public:
  QuietKernelLog();
  ~QuietKernelLog();
  QuietKernelLog(const QuietKernelLog&) = delete;
  QuietKernelLog& operator=(const QuietKernelLog&) = delete;

 private:
  std::string saved_;
};

}  // namespace structops::test
