#include "bpf/policy_lookup.hpp"

#include <algorithm>
#include <filesystem>
#include <map>
#include <sstream>
#include <system_error>

namespace structops {
namespace fs = std::filesystem;

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool is_file(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);
}

}  // namespace

std::vector<std::string> policy_search_dirs(const char* env_path,
                                            const std::vector<std::string>& system_dirs) {
  std::vector<std::string> dirs;
  if (env_path) {
    std::stringstream in(env_path);
    std::string dir;
    while (std::getline(in, dir, ':'))
      if (!dir.empty())
        dirs.push_back(dir);
  }
  dirs.insert(dirs.end(), system_dirs.begin(), system_dirs.end());
  return dirs;
}

bool is_policy_path(const std::string& value) {
  return value.find('/') != std::string::npos || ends_with(value, kPolicySuffix);
}

std::string policy_name_from_path(const std::string& path) {
  std::string file = fs::path(path).filename().string();
  if (ends_with(file, kPolicySuffix) && file.size() > std::string(kPolicySuffix).size())
    return file.substr(0, file.size() - std::string(kPolicySuffix).size());
  return file;
}

Result<std::string> find_policy(const std::string& value, const std::vector<std::string>& dirs) {
  if (value.empty())
    return make_error(ErrorKind::usage, "empty policy name");
  if (is_policy_path(value)) {
    if (!is_file(value))
      return make_error(ErrorKind::usage, "no policy file '" + value + "'");
    return value;
  }
  for (const std::string& dir : dirs) {
    fs::path candidate = fs::path(dir) / (value + kPolicySuffix);
    if (is_file(candidate))
      return candidate.string();
  }
  std::string searched;
  for (const std::string& dir : dirs)
    searched += (searched.empty() ? "" : ":") + dir;
  return make_error(ErrorKind::usage, "no policy named '" + value + "' (searched " +
                                          (searched.empty() ? "nothing" : searched) +
                                          "; see --list)");
}

std::vector<PolicyEntry> find_policy_files(const std::vector<std::string>& dirs) {
  std::map<std::string, std::string> found;  // name -> path; sorted, first wins
  for (const std::string& dir : dirs) {
    std::error_code ec;
    fs::directory_iterator it(dir, ec), end;
    std::vector<fs::path> files;
    for (; !ec && it != end; it.increment(ec)) {
      std::string file = it->path().filename().string();
      if (ends_with(file, kPolicySuffix) && file.size() > std::string(kPolicySuffix).size() &&
          is_file(it->path()))
        files.push_back(it->path());
    }
    for (const fs::path& p : files)
      found.emplace(policy_name_from_path(p.string()), p.string());
  }
  std::vector<PolicyEntry> out;
  for (auto& [name, path] : found)
    out.push_back({name, path});
  return out;
}

}  // namespace structops
