// Where policies are found: a NAME is searched as NAME.bpf.o in a list of
// directories; a value with '/' or ending in ".bpf.o" is a file.
#pragma once

#include <string>
#include <vector>

#include "common/error.hpp"

namespace structops {

inline constexpr const char* kPolicySuffix = ".bpf.o";

// The search path in order: $STRUCTOPS_POLICY_PATH's entries (env_path may
// be null; empty entries are skipped), then the system directories.  A
// loader run from its build tree finds that tree's policies only through
// $STRUCTOPS_POLICY_PATH (the tests set it): nothing of the build tree is
// compiled into the binary.
std::vector<std::string> policy_search_dirs(const char* env_path,
                                            const std::vector<std::string>& system_dirs);

bool is_policy_path(const std::string& value);

// "dir/scale.bpf.o" -> "scale"; any other file name -> its name.
std::string policy_name_from_path(const std::string& path);

// The file a --policy/--verify value refers to.  Not found is a usage
// error whose message lists the directories searched.
Result<std::string> find_policy(const std::string& value, const std::vector<std::string>& dirs);

struct PolicyEntry {
  std::string name;
  std::string path;
};

// Every NAME.bpf.o in dirs, sorted by name; a name found in several
// directories is listed once, from the first (the one --policy NAME uses).
std::vector<PolicyEntry> find_policy_files(const std::vector<std::string>& dirs);

}  // namespace structops
