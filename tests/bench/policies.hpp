// Policies loaded and verified once, in this process, through the
// loader's own library (prepare_policy: the same READY maps that
// structops-load attaches and swaps), and the one link they hang on.
// Lets the benchmark time the link operations alone, without a process
// start and a verification around each.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "common/unique_fd.hpp"

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
  // name attached however things stand: attach() when nothing is, swap()
  // otherwise; "none" is detach().
  void use(const std::string& name);

  const std::string& current() const { return current_; }

 private:
  int map_fd(const std::string& name) const;

  std::map<std::string, PreparedPolicy> prepared_;
  UniqueFd link_;
  std::string current_;
};

// The rounds of one figure: round(i) for i in [0, rounds), each starting
// and ending with no policy attached, a progress line per round on stderr
// ("bench: <what> round i/rounds").  Rounds interleave every target, so
// drift in the emulator's speed shows as spread in all of them rather than
// as a bias in one.
void run_rounds(Policies& policies, int rounds, const std::string& what,
                const std::function<void(int)>& round);

}  // namespace structops::bench
