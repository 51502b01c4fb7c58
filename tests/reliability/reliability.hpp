// Shared pieces of the reliability tests (tests/reliability): run sizes,
// the figures the summary line prints, and checks of the module's and the
// loader's state that the load, fault and bad-input tests all make.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "expected.hpp"
#include "harness.hpp"
#include "loader_paths.hpp"

namespace structops::test {

// How much each test does.  "ci" (the default) fits the CI budget; "long"
// (STRUCTOPS_RELIABILITY_SIZE=long, ctest label "stress") is the issue's
// long run.
struct Sizes {
  std::string name;
  int triggers_per_writer;  // stress: each of the 2 writer threads
  int swaps;                // stress: swaps through all pairs
  // stress: every Nth swap by the loader binary; prime to the 20 swaps of
  // the all-pairs walk, so the loader's swaps visit different pairs.
  int loader_swap_every;
  int race_rounds;  // two loaders racing
  int kill_rounds;  // kill -9 rounds per phase (attach, swap)
  int foreground_kills;
  int fuzz_writes;
};
const Sizes& sizes();

// What the summary line reports; every test adds to it.
struct Figures {
  std::atomic<long long> triggers_sent{0};
  std::atomic<long long> swaps_done{0};
  std::atomic<long long> violations{0};
  std::atomic<long long> faults_injected{0};
  std::atomic<long long> states_checked{0};
  std::atomic<long long> bad_inputs_tried{0};
  // Issue 13: --rollback and --probation.
  std::atomic<long long> rollbacks_done{0};
  std::atomic<long long> probations_passed{0};
  std::atomic<long long> probations_failed{0};
  std::atomic<long long> kills_during_rollback{0};
};
Figures& figures();

// A broken invariant: counted for the summary and reported as a failure.
void violation(const std::string& what);

// The shipped policy of that name, or nullptr.
const PolicyAnswers* find_policy(const std::string& name);

// Whether the status record (last_policy, last_test_1..3) is one trigger
// of payload "Hello" answered wholly by one shipped policy; else why not.
bool hello_record_consistent(const Status& s, std::string* why);

// What `structops-load --status` (text form) says.
struct LoaderStatus {
  int exit_code = -1;
  std::string policy;     // "none" when nothing is attached
  std::string pin_state;  // absent, stale, active, unknown
  std::string text;       // stdout + stderr, for messages
};
LoaderStatus loader_status(const std::vector<std::string>& prefix = {});

// The pinned link as the loader's library classifies it.
struct PinView {
  std::string state;  // absent, stale, active, error
  std::string reason;
  uint32_t link_id = 0, map_id = 0;
};
PinView pin_view();

// Entries of /sys/fs/bpf/structops other than "link" and the previous
// policy's "previous" and "previous_next" (leftovers).
std::vector<std::string> pin_dir_leftovers();

// Counts of BPF programs, maps and links (bpftool).
struct BpfCounts {
  int progs = 0, maps = 0, links = 0;
  bool operator==(const BpfCounts& o) const {
    return progs == o.progs && maps == o.maps && links == o.links;
  }
  std::string str() const;
};
BpfCounts bpf_counts();
// The counts once no struct_ops program or map is left: those of a policy
// detached a moment ago are freed after RCU grace periods (seconds under
// an emulated CPU), so a baseline taken at once may still count them.
BpfCounts settled_bpf_counts();
// Polls until the counts equal want (objects of a dead process go away
// asynchronously); false with the last counts in *last after timeout.
bool wait_for_counts(const BpfCounts& want, std::chrono::milliseconds timeout, BpfCounts* last);

// delete_module("bpf_testmod", O_NONBLOCK): 0, or the errno (EWOULDBLOCK
// while a policy holds it).
int try_unload_module();

bool bpffs_mounted();
// Mounts bpffs at /sys/fs/bpf unless it is there: tests that unmount it
// put it back.
void ensure_bpffs();

// start_clean() (harness.hpp), then removes whatever it could not detach
// at the pin path, so that every test starts from "module loaded, nothing
// attached", whatever the test before it left.
void reset_to_no_policy();

// Common fixture: module loaded, policies found by name, nothing attached.
class ReliabilityTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;
  static void attach(const std::string& policy);
  // expect_answering() (answering.hpp), counted for the summary.
  static void expect_answering(const std::string& policy);
};

// The seed of a test's random choices: $STRUCTOPS_SEED, else a fresh one;
// printed with the test's name, so that a failing run can be replayed.
uint64_t test_seed();

std::string first_line(const std::string& text);
int count_lines(const std::string& text);

}  // namespace structops::test
