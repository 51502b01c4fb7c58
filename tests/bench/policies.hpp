// Policies loaded and verified once, in this process, through the
// loader's own library (prepare_policy: the same READY maps that
// structops-load attaches and swaps), and the one link they hang on.
// Lets the benchmark time the link operations alone, without a process
// start and a verification around each.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "commands.hpp"
#include "unique_fd.hpp"

namespace structops::bench {

class Policies {
 public:
  Policies(const std::string& policy_dir, const std::vector<std::string>& names);

  // BPF_LINK_CREATE of name's map: the module's reg().
  void attach(const std::string& name);
  // BPF_LINK_UPDATE to name's map, compare-and-swap against the current
  // one: the module's update().  Returns the syscall's time in ns.
  double swap(const std::string& name);
  // What detach-and-reattach tools do: BPF_LINK_DETACH (the module's
  // unreg(): no policy from here on), then a new link for name's map.
  // Returns the time from the detach call to the new link, in ns.
  double detach_attach(const std::string& name);
  // BPF_LINK_DETACH and close; no-op when nothing is attached.
  void detach();

  const std::string& current() const { return current_; }

 private:
  int map_fd(const std::string& name) const;

  std::map<std::string, PreparedPolicy> prepared_;
  UniqueFd link_;
  std::string current_;
};

}  // namespace structops::bench
