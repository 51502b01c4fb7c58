// Faults: the loader killed with SIGKILL at random points of an attach and
// of a swap, a --foreground loader killed, the module unloaded and reloaded
// under a pin, and a pin path that is unmounted, missing or occupied.
#include <bpf/bpf.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <random>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "bpf/link_manager.hpp"
#include "cli/commands.hpp"
#include "reliability.hpp"

namespace structops::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

class FaultTest : public ReliabilityTest {
 protected:
  // The policy the module runs once the effects of a killed loader have
  // settled: its link either pinned (attached) or gone with the process
  // (the kernel releases a dead process's link from a work queue).
  static std::string settled_policy() {
    std::string policy;
    wait_until(
        [&] {
          policy = read_status()["policy"];
          struct stat st;
          return (policy == "none") == (::lstat(kPinLink, &st) != 0);
        },
        3s);
    return policy;
  }

  // The checks after every fault: one of the allowed policies runs and
  // answers, the loader's --status agrees, nothing half-done is left.
  static std::string check_consistent(const std::set<std::string>& allowed) {
    const std::string policy = settled_policy();
    figures().states_checked++;
    if (!allowed.count(policy)) violation("after the kill the module runs '" + policy + "'");
    expect_answering(policy);
    LoaderStatus ls = loader_status();
    const std::string want_pin = policy == "none" ? "absent" : "active";
    if (ls.exit_code != 0 || ls.policy != policy || ls.pin_state != want_pin)
      violation("module runs '" + policy + "' but --status says policy '" + ls.policy +
                "', pin " + ls.pin_state + ":\n" + ls.text);
    for (const std::string& left : pin_dir_leftovers()) violation("leftover in " + std::string(kPinDir) + ": " + left);
    return policy;
  }

  // Detach, then the BPF object counts must come back to the baseline.
  static void detach_and_expect_baseline(const BpfCounts& baseline) {
    RunResult d = loader({"--detach"});
    if (d.exit_code != 0) violation("--detach after a kill exited " + std::to_string(d.exit_code) + ": " + d.err);
    BpfCounts now;
    if (!wait_for_counts(baseline, 10s, &now))
      violation("BPF objects did not return to the baseline (" + baseline.str() + "): " + now.str());
  }

  // Runs the loader with args and SIGKILLs it after delay: its exit code,
  // 137 when the kill landed.
  static int run_and_kill(const std::vector<std::string>& args, std::chrono::microseconds delay) {
    std::vector<std::string> argv{loader_path()};
    argv.insert(argv.end(), args.begin(), args.end());
    int pid = spawn(argv, "/tmp/killed-loader.out");
    std::this_thread::sleep_for(delay);
    ::kill(pid, SIGKILL);
    return wait_child(pid);
  }

  // Kill points: every other one uniform over the whole run; the rest
  // around the commit point (the map update, link creation and pin, or
  // the swap), which is only milliseconds wide: its bounds are learnt from
  // the outcomes so far.  A kill that left the old policy came before the
  // commit, one that left the new policy came after it.
  struct KillPoints {
    double run_s, lo, hi;
    explicit KillPoints(double run) : run_s(run), lo(0), hi(1.05 * run) {}
    double next(std::mt19937_64& rng, int round) {
      if (round % 2 == 0) return std::uniform_real_distribution<double>(0, 1.05 * run_s)(rng);
      double jitter = 0.03 * run_s;
      return std::uniform_real_distribution<double>(std::max(0.0, lo - jitter), hi + jitter)(rng);
    }
    void learn(double at, bool committed) {
      if (committed)
        hi = std::min(hi, at);
      else
        lo = std::max(lo, at);
      if (lo > hi) std::swap(lo, hi);  // timing noise: keep a sane window
    }
  };

  // phase "attach": nothing attached, kill `--policy saturate`.
  // phase "swap": default attached, kill `--policy saturate`.
  void kill_rounds(const std::string& phase) {
    const bool swap = phase == "swap";
    const BpfCounts baseline = settled_bpf_counts();
    const std::string old_policy = swap ? "default" : "none";
    std::mt19937_64 rng(test_seed());

    // One undisturbed run measures how long the loader takes here.
    if (swap) attach("default");
    auto t0 = Clock::now();
    attach("saturate");
    const double run_s = seconds_since(t0);
    detach_and_expect_baseline(baseline);

    std::map<std::string, int> outcome;
    KillPoints points(run_s);
    int killed = 0, finished = 0, killed_after_commit = 0;
    for (int round = 0; round < sizes().kill_rounds; round++) {
      if (swap) attach("default");
      const double at = points.next(rng, round);
      int rc = run_and_kill({"--policy", "saturate"},
                            std::chrono::microseconds(static_cast<long long>(at * 1e6)));
      if (rc == 128 + SIGKILL) {
        killed++;
        figures().faults_injected++;
      } else if (rc == 0) {
        finished++;  // the kill came too late: still a state to check
      } else {
        violation(phase + " round " + std::to_string(round) + ": loader exited " + std::to_string(rc) +
                  ": " + slurp("/tmp/killed-loader.out"));
      }
      const std::string now = check_consistent({old_policy, "saturate"});
      outcome[now]++;
      points.learn(at, now == "saturate");
      killed_after_commit += rc == 128 + SIGKILL && now == "saturate";
      detach_and_expect_baseline(baseline);
    }
    std::printf(
        "[ figures  ] kill -9 during %s: %d rounds, %d killed (%d of them after the commit), %d "
        "finished first; undisturbed run %.2f s, commit at %.3f-%.3f s; afterwards %s %d times, "
        "saturate %d times; BPF objects back to the baseline (%s) after each --detach\n",
        phase.c_str(), sizes().kill_rounds, killed, killed_after_commit, finished, run_s, points.lo,
        points.hi, old_policy.c_str(), outcome[old_policy], outcome["saturate"],
        baseline.str().c_str());
    EXPECT_GT(killed, 0);
  }
};

TEST_F(FaultTest, KillNineDuringAttachLeavesNoPolicyOrTheNewOne) { kill_rounds("attach"); }

TEST_F(FaultTest, KillNineDuringSwapLeavesTheOldPolicyOrTheNewOne) { kill_rounds("swap"); }

// The module is released with no further action once the only holder of
// the policy dies.  How soon is a figure, not a check: a wall-clock bound
// would pass or fail with the host's load under TCG.  The 10 s waits only
// keep a broken release from hanging the suite.
TEST_F(FaultTest, ForegroundKilledWithSigkillReleasesTheModule) {
  std::vector<double> gone_s, unload_s;
  for (int i = 0; i < sizes().foreground_kills; i++) {
    int pid = spawn({loader_path(), "--foreground", "--policy", "default", "--interval", "0.2"},
                    "/tmp/foreground.out");
    ASSERT_TRUE(wait_until([] { return read_status()["policy"] == "default"; }, 30s))
        << slurp("/tmp/foreground.out");
    // Two periodic triggers answered by the policy (counted, not slept).
    const long long before = status_number(read_status(), "triggers");
    EXPECT_TRUE(
        wait_until([&] { return status_number(read_status(), "triggers") >= before + 2; }, 30s))
        << slurp("/tmp/foreground.out");
    EXPECT_EQ(read_status()["last_policy"], "default") << slurp("/tmp/foreground.out");
    struct stat st;
    EXPECT_NE(::lstat(kPinLink, &st), 0) << "--foreground must not pin";
    EXPECT_EQ(try_unload_module(), EWOULDBLOCK) << "rmmod must be refused while attached";

    auto t0 = Clock::now();
    ASSERT_EQ(::kill(pid, SIGKILL), 0);
    EXPECT_EQ(wait_child(pid), 128 + SIGKILL);
    figures().faults_injected++;
    ASSERT_TRUE(wait_until([] { return read_status()["policy"] == "none"; }, 10s));
    gone_s.push_back(seconds_since(t0));
    ASSERT_TRUE(wait_until([] { return try_unload_module() == 0; }, 10s))
        << "bpf_testmod still in use 10 s after its only user died";
    unload_s.push_back(seconds_since(t0));
    figures().states_checked++;
    ASSERT_EQ(load_module(), 0);
  }
  std::sort(unload_s.begin(), unload_s.end());
  std::printf(
      "[ figures  ] --foreground killed with -9, %zu times: policy gone after %.3f s (first), "
      "rmmod succeeded after %.3f s min, %.3f s median, %.3f s max\n",
      unload_s.size(), gone_s.front(), unload_s.front(), unload_s[unload_s.size() / 2],
      unload_s.back());
}

TEST_F(FaultTest, RmmodIsRefusedWhileAttachedAndWorksAfterDetachAndReload) {
  attach("default");
  RunResult r = run({"/usr/sbin/rmmod", "bpf_testmod"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("in use"), std::string::npos) << r.err;
  expect_answering("default");

  ASSERT_EQ(loader({"--detach"}).exit_code, 0);
  auto t0 = Clock::now();
  // default calls the module's kfunc: its programs hold the module until
  // the kernel frees them, RCU grace periods after the detach.
  ASSERT_TRUE(wait_until([] { return try_unload_module() == 0; }, 5s))
      << "rmmod refused after --detach";
  const double unload_s = seconds_since(t0);
  LoaderStatus ls = loader_status();
  EXPECT_EQ(ls.exit_code, 0);
  EXPECT_NE(ls.text.find("bpf_testmod not loaded"), std::string::npos) << ls.text;

  ASSERT_EQ(load_module(), 0);
  attach("saturate");
  expect_answering("saturate");
  std::printf("[ figures  ] rmmod after --detach succeeded after %.3f s\n", unload_s);
}

TEST_F(FaultTest, APinLeftFromAnEarlierModuleInstanceIsReportedNotTrusted) {
  // A real way to get one: detach the pinned link behind the loader's back
  // (bpftool), which lets the module go while the pin stays.
  attach("default");
  PinView old_pin = pin_view();
  ASSERT_EQ(old_pin.state, "active");
  RunResult d = run({"/usr/sbin/bpftool", "link", "detach", "pinned", kPinLink});
  ASSERT_EQ(d.exit_code, 0) << d.err;
  EXPECT_EQ(read_status()["policy"], "none");
  ASSERT_TRUE(wait_until([] { return try_unload_module() == 0; }, 5s));
  ASSERT_EQ(load_module(), 0);
  figures().faults_injected++;

  LoaderStatus ls = loader_status();
  EXPECT_EQ(ls.exit_code, 0);
  EXPECT_EQ(ls.policy, "none");
  EXPECT_EQ(ls.pin_state, "stale") << ls.text;
  EXPECT_NE(ls.text.find("is detached"), std::string::npos) << ls.text;

  RunResult r = loader({"--policy", "saturate"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("replacing the stale pin"), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find("switched"), std::string::npos) << "a stale pin must not be swapped: " << r.out;
  PinView new_pin = pin_view();
  EXPECT_EQ(new_pin.state, "active");
  EXPECT_NE(new_pin.link_id, old_pin.link_id);
  expect_answering("saturate");

  // --detach of a stale pin removes it and says so.
  ASSERT_EQ(run({"/usr/sbin/bpftool", "link", "detach", "pinned", kPinLink}).exit_code, 0);
  r = loader({"--detach"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("removed the stale pin"), std::string::npos) << r.err;
  struct stat st;
  EXPECT_NE(::lstat(kPinLink, &st), 0);
  figures().states_checked += 3;
}

// bpffs and the pin path, each case from "nothing attached".
class PinPathTest : public ReliabilityTest {
 protected:
  void TearDown() override {
    // Undo the stacked mounts of the tmpfs case, then put bpffs back.
    while (::umount2("/sys/fs/bpf", MNT_DETACH) == 0) {
    }
    ensure_bpffs();
    ReliabilityTest::TearDown();
  }
};

TEST_F(PinPathTest, BpffsNotMountedGetsMountedByTheLoader) {
  ASSERT_EQ(::umount2("/sys/fs/bpf", 0), 0);
  ASSERT_FALSE(bpffs_mounted());
  figures().faults_injected++;
  LoaderStatus ls = loader_status();
  EXPECT_EQ(ls.exit_code, 0) << ls.text;
  EXPECT_EQ(ls.pin_state, "absent") << ls.text;
  RunResult r = loader({"--policy", "default"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(bpffs_mounted());
  EXPECT_EQ(pin_view().state, "active");
  expect_answering("default");
}

TEST_F(PinPathTest, UnmountingBpffsUnderAPolicyDetachesItConsistently) {
  attach("default");
  ASSERT_EQ(::umount2("/sys/fs/bpf", 0), 0);
  figures().faults_injected++;
  // The pin held the only reference to the link.
  EXPECT_TRUE(wait_until([] { return read_status()["policy"] == "none"; }, 3s));
  LoaderStatus ls = loader_status();
  EXPECT_EQ(ls.exit_code, 0);
  EXPECT_EQ(ls.policy, "none") << ls.text;
  EXPECT_EQ(ls.pin_state, "absent") << ls.text;
  RunResult r = loader({"--detach"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("no policy attached"), std::string::npos) << r.out;
  attach("saturate");
  expect_answering("saturate");
}

TEST_F(PinPathTest, MissingPinDirectoryIsCreated) {
  ::rmdir(kPinDir);
  struct stat st;
  ASSERT_NE(::stat(kPinDir, &st), 0);
  attach("default");
  ASSERT_EQ(::stat(kPinDir, &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  expect_answering("default");
}

constexpr const char* kScratchFile = "/tmp/structops-reliability-file";

struct OccupiedPin {
  std::string what;
  std::function<void()> setup;
  int exit_code;             // of `structops-load --policy default`
  std::string message;       // in its stderr
  std::string status_state;  // --status's pin state
};

TEST_F(PinPathTest, SomethingElseAtThePinPathIsReportedOrReplaced) {
  std::ofstream(kScratchFile) << "not a BPF object\n";
  ASSERT_EQ(::mkdir(kPinDir, 0700) == 0 || errno == EEXIST, true);
  // A READY struct_ops map of this module that is not attached: the decoy
  // below names its id, which a loader that reads any fd's info as a
  // link's would take for "the attached policy".
  Context ctx;
  ctx.search_dirs = {policy_dir()};
  ctx.pin_path = kPinLink;
  auto decoy = prepare_policy(ctx, "stats", {});
  ASSERT_TRUE(decoy) << decoy.error().message;
  bpf_map_info info = {};
  uint32_t len = sizeof(info);
  ASSERT_EQ(bpf_map_get_info_by_fd(decoy->policy.map_fd(), &info, &len), 0);
  const std::string decoy_id = std::to_string(info.id);

  auto bpftool_map = [](const std::string& type, const std::string& entries) {
    RunResult r = run({"/usr/sbin/bpftool", "map", "create", kPinLink, "type", type, "key", "4",
                       "value", "4", "entries", entries, "name", "squatter"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  };
  const std::vector<OccupiedPin> cases = {
      {"a pinned BPF map", [&] { bpftool_map("array", "1"); }, 0,
       "replacing the stale pin " + std::string(kPinLink) +
           ": the pinned object is a BPF map, not a link",
       "stale"},
      {"a pinned map whose info reads like a struct_ops link",
       [&] { bpftool_map("lru_hash", decoy_id); }, 0, "the pinned object is a BPF map, not a link",
       "stale"},
      {"a symlink to a regular file", [] { ASSERT_EQ(::symlink(kScratchFile, kPinLink), 0); }, 0,
       "replacing the stale pin " + std::string(kPinLink) + ": it is not a pinned BPF object",
       "stale"},
      {"a symlink to a read-only file", [] { ASSERT_EQ(::symlink("/etc/passwd", kPinLink), 0); }, 0,
       "replacing the stale pin " + std::string(kPinLink) + ": it is not a pinned BPF object",
       "stale"},
      {"a dangling symlink", [] { ASSERT_EQ(::symlink("/nonexistent", kPinLink), 0); }, 0, "",
       "absent"},
      {"a directory", [] { ASSERT_EQ(::mkdir(kPinLink, 0700), 0); }, 1,
       "structops-load: " + std::string(kPinLink) + " is a directory, not a pinned link; remove it",
       "unknown"},
      {"a regular file on a tmpfs where bpffs belongs",
       [] {
         ASSERT_EQ(::umount2("/sys/fs/bpf", 0), 0);
         ASSERT_EQ(::mount("tmpfs", "/sys/fs/bpf", "tmpfs", 0, "mode=0700"), 0);
         ASSERT_EQ(::mkdir(kPinDir, 0700), 0);
         std::ofstream(kPinLink) << "stale\n";
       },
       0, "replacing the stale pin " + std::string(kPinLink) + ": it is not a pinned BPF object",
       "stale"},
  };
  for (const OccupiedPin& c : cases) {
    SCOPED_TRACE(c.what);
    c.setup();
    figures().bad_inputs_tried++;
    LoaderStatus ls = loader_status();
    EXPECT_EQ(ls.exit_code, 0) << ls.text;
    EXPECT_EQ(ls.pin_state, c.status_state) << ls.text;
    RunResult r = loader({"--policy", "default"});
    EXPECT_EQ(r.exit_code, c.exit_code) << r.out << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << r.err;
    if (c.exit_code == 0) {
      EXPECT_EQ(pin_view().state, "active");
      expect_answering("default");
    } else {
      EXPECT_EQ(count_lines(r.err), 1) << r.err;
      expect_answering("none");
    }
    figures().states_checked++;
    reset_to_no_policy();
    while (::umount2("/sys/fs/bpf", MNT_DETACH) == 0) {
    }
    ensure_bpffs();
    ::mkdir(kPinDir, 0700);
  }
}

}  // namespace
}  // namespace structops::test
