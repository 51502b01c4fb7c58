#include "system/probation_record.hpp"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>

#include "system/atomic_file.hpp"
#include "system/key_value.hpp"

namespace structops {

std::string format_probation_record(const ProbationRecord& r) {
  std::string check = r.check;
  for (char& c : check)
    if (c == '\n' || c == '\r')
      c = ' ';
  return "pid: " + std::to_string(r.pid) + "\npolicy: " + r.policy +
         "\ndeadline: " + std::to_string(r.deadline) + "\ncheck: " + check + "\n";
}

std::optional<ProbationRecord> parse_probation_record(const std::string& text) {
  KeyValues f = parse_key_values(text);
  auto pid = find_value(f, "pid");
  auto policy = find_value(f, "policy");
  auto deadline = find_value(f, "deadline");
  if (!pid || !policy || !deadline)
    return std::nullopt;
  ProbationRecord r;
  try {
    size_t used = 0;
    r.pid = std::stoi(*pid, &used);
    if (used != pid->size() || r.pid <= 0)
      return std::nullopt;
    r.deadline = std::stoll(*deadline, &used);
    if (used != deadline->size())
      return std::nullopt;
  } catch (const std::exception&) {
    return std::nullopt;
  }
  r.policy = *policy;
  r.check = find_value(f, "check").value_or("");
  return r;
}

Result<void> write_probation_record(const std::string& path, const ProbationRecord& r) {
  return write_file_atomically(path, format_probation_record(r), 0644);
}

std::optional<ProbationRecord> read_probation_record(const std::string& path) {
  std::ifstream in(path);
  if (!in)
    return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_probation_record(ss.str());
}

void remove_probation_record(const std::string& path, int pid) {
  auto r = read_probation_record(path);
  if (r && r->pid == pid)
    unlink(path.c_str());
}

bool process_alive(int pid) {
  if (pid <= 0 || (kill(pid, 0) != 0 && errno != EPERM))
    return false;
  // A killed loader its parent has not reaped yet is a zombie: dead.
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(stat, line);
  size_t paren = line.rfind(')');
  return paren == std::string::npos || paren + 2 >= line.size() || line[paren + 2] != 'Z';
}

}  // namespace structops
