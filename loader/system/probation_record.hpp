// The running probation, recorded where --status can read it: a small
// "key: value" file under /run (pid, policy, deadline, check), written
// when the probation begins and removed when it ends.  A record whose pid
// is gone is a probation whose loader was killed: its policy stays
// attached and the previous one kept.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/error.hpp"

namespace structops {

inline constexpr const char* kProbationFile = "/run/structops/probation";

struct ProbationRecord {
  int pid = 0;
  std::string policy;
  int64_t deadline = 0;  // Unix time, seconds
  std::string check;     // "" when none was given
};

std::string format_probation_record(const ProbationRecord& r);
std::optional<ProbationRecord> parse_probation_record(const std::string& text);

// Written atomically (atomic_file.hpp): a reader, or a crash, sees all or
// nothing.  Creates the directory.
Result<void> write_probation_record(const std::string& path, const ProbationRecord& r);
std::optional<ProbationRecord> read_probation_record(const std::string& path);
// Removes the record if it is pid's (a later probation may own it now).
void remove_probation_record(const std::string& path, int pid);

bool process_alive(int pid);

}  // namespace structops
