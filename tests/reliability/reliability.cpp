#include "reliability.hpp"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <random>
#include <sstream>
#include <thread>

#include <structops/bpf_testmod.h>

#include "answering.hpp"
#include "bpf/link_manager.hpp"
#include "bpf/module_btf.hpp"

namespace structops::test {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

// Prints the summary once every test has run, whatever their outcome.
class SummaryEnvironment : public ::testing::Environment {
 public:
  void TearDown() override {
    Figures& f = figures();
    std::printf(
        "[ summary  ] %s run: triggers sent %lld, swaps done %lld, violations found %lld, "
        "faults injected %lld, states checked %lld, bad inputs tried %lld, rollbacks done %lld, "
        "probations passed %lld, probations failed %lld, kills during rollback %lld\n",
        sizes().name.c_str(), f.triggers_sent.load(), f.swaps_done.load(), f.violations.load(),
        f.faults_injected.load(), f.states_checked.load(), f.bad_inputs_tried.load(),
        f.rollbacks_done.load(), f.probations_passed.load(), f.probations_failed.load(),
        f.kills_during_rollback.load());
    std::fflush(stdout);
  }
};

[[maybe_unused]] ::testing::Environment* const summary_environment =
    ::testing::AddGlobalTestEnvironment(new SummaryEnvironment);

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\n");
  if (b == std::string::npos)
    return {};
  return s.substr(b, s.find_last_not_of(" \t\n") - b + 1);
}

}  // namespace

const Sizes& sizes() {
  static const Sizes s = [] {
    const char* env = std::getenv("STRUCTOPS_RELIABILITY_SIZE");
    std::string name = env && *env ? env : "ci";
    if (name == "long")
      // The long run: >= 100,000 triggers, >= 1,000 swaps,
      // >= 50 kill -9 rounds, >= 100,000 fuzz writes.
      return Sizes{name, 60000, 1200, 39, 60, 40, 5, 120000};
    if (name != "ci")
      throw std::runtime_error("STRUCTOPS_RELIABILITY_SIZE is ci or long, not " + name);
    return Sizes{name, 10000, 200, 39, 10, 4, 1, 5000};
  }();
  return s;
}

Figures& figures() {
  static Figures f;
  return f;
}

void violation(const std::string& what) {
  figures().violations++;
  ADD_FAILURE() << "violation: " << what;
}

const PolicyAnswers* find_policy(const std::string& name) {
  for (const PolicyAnswers& p : shipped_policies())
    if (p.name == name)
      return &p;
  return nullptr;
}

bool hello_record_consistent(const Status& s, std::string* why) {
  auto field = [&](const char* key) {
    auto it = s.find(key);
    return it == s.end() ? std::string("(missing)") : it->second;
  };
  const std::string who = field("last_policy");
  const PolicyAnswers* p = find_policy(who);
  if (!p) {
    *why = "last_policy is '" + who + "', not a shipped policy";
    return false;
  }
  const std::string got =
      field("last_test_1") + "/" + field("last_test_2") + "/" + field("last_test_3");
  const std::string want = std::to_string(p->test_1) + "/" + std::to_string(p->test_2) + "/" +
                           std::to_string(p->test_3_hello);
  if (got != want) {
    *why = "record of '" + who + "' is " + got + ", expected " + want + " (a mix of policies?)";
    return false;
  }
  return true;
}

LoaderStatus loader_status(const std::vector<std::string>& prefix) {
  std::vector<std::string> argv = prefix;
  argv.push_back(loader_path());
  argv.push_back("--status");
  RunResult r = run(argv);
  LoaderStatus s;
  s.exit_code = r.exit_code;
  s.text = r.out + r.err;
  std::istringstream in(r.out);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("policy:", 0) == 0)
      s.policy = trim(line.substr(7));
    if (line.rfind("pin:", 0) == 0) {
      // "pin:        /sys/fs/bpf/structops/link: stale (reason)"
      std::string rest = trim(line.substr(4));
      size_t colon = rest.find(": ");
      std::string state = colon == std::string::npos ? "" : rest.substr(colon + 2);
      s.pin_state = state.substr(0, state.find(' '));
    }
  }
  return s;
}

PinView pin_view() {
  PinView v;
  auto kernel = load_module_btf();
  auto pin = open_pinned_link(kPinLink, kernel ? kernel->btf_id : 0,
                              kernel ? kernel->ops.value_type_id : 0);
  if (!pin) {
    v.state = "error";
    v.reason = pin.error().message;
    return v;
  }
  v.state = pin->state == PinState::active  ? "active"
            : pin->state == PinState::stale ? "stale"
                                            : "absent";
  v.reason = pin->stale_reason;
  v.link_id = pin->link_id;
  v.map_id = pin->map_id;
  return v;
}

std::vector<std::string> pin_dir_leftovers() {
  std::vector<std::string> left;
  std::error_code ec;
  for (fs::directory_iterator it(kPinDir, ec), end; !ec && it != end; it.increment(ec))
    if (it->path().filename() != "link" && it->path().filename() != "previous" &&
        it->path().filename() != "previous_next")
      left.push_back(it->path().filename().string());
  return left;
}

std::string BpfCounts::str() const {
  return std::to_string(progs) + " programs, " + std::to_string(maps) + " maps, " +
         std::to_string(links) + " links";
}

BpfCounts bpf_counts() {
  return {bpf_object_count("prog"), bpf_object_count("map"), bpf_object_count("link")};
}

BpfCounts settled_bpf_counts() {
  auto ours_left = [] {
    for (const char* kind : {"prog", "map"})
      if (run({"/usr/sbin/bpftool", kind, "show"}).out.find(": struct_ops ") != std::string::npos)
        return true;
    return false;
  };
  wait_until([&] { return !ours_left(); }, 15s);
  return bpf_counts();
}

bool wait_for_counts(const BpfCounts& want, std::chrono::milliseconds timeout, BpfCounts* last) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    *last = bpf_counts();
    if (*last == want)
      return true;
    if (std::chrono::steady_clock::now() > deadline)
      return false;
    std::this_thread::sleep_for(50ms);
  }
}

int try_unload_module() {
  if (::syscall(SYS_delete_module, BPF_TESTMOD_MODULE_NAME, O_NONBLOCK) == 0)
    return 0;
  return errno;
}

bool bpffs_mounted() {
  struct statfs st = {};
  return ::statfs("/sys/fs/bpf", &st) == 0 && st.f_type == BPF_FS_MAGIC;
}

void ensure_bpffs() {
  if (!bpffs_mounted() && ::mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700") != 0)
    throw std::runtime_error("cannot mount bpffs at /sys/fs/bpf");
}

void reset_to_no_policy() {
  ensure_bpffs();
  // Its exit code aside: what --detach could not remove goes below.
  if (start_clean() != 0 && !module_loaded())
    throw std::runtime_error("cannot load bpf_testmod");
  struct stat st = {};
  if (::lstat(kPinLink, &st) == 0)
    loader({"--detach"});
  // What --detach cannot remove (it refuses directories, on purpose).
  if (::lstat(kPinLink, &st) == 0) {
    if (S_ISDIR(st.st_mode))
      ::rmdir(kPinLink);
    else
      ::unlink(kPinLink);
  }
  for (const std::string& left : pin_dir_leftovers())
    ::unlink((std::string(kPinDir) + "/" + left).c_str());
  for (const char* previous : {kPinPrevious, kPinPreviousNext})
    ::unlink(previous);
}

void ReliabilityTest::SetUp() {
  reset_to_no_policy();
  ASSERT_EQ(read_status()["policy"], "none");
}

void ReliabilityTest::TearDown() {
  reset_to_no_policy();
}

void ReliabilityTest::attach(const std::string& policy) {
  RunResult r = loader({"--policy", policy});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
}

void ReliabilityTest::expect_answering(const std::string& policy) {
  figures().states_checked++;
  figures().triggers_sent++;
  structops::test::expect_answering(policy);
}

std::string first_line(const std::string& text) {
  return text.substr(0, text.find('\n'));
}

int count_lines(const std::string& text) {
  int n = 0;
  for (char c : text)
    n += c == '\n';
  if (!text.empty() && text.back() != '\n')
    n++;
  return n;
}

uint64_t test_seed() {
  const char* env = std::getenv("STRUCTOPS_SEED");
  const uint64_t seed = env && *env ? std::strtoull(env, nullptr, 0) : std::random_device{}();
  const ::testing::TestInfo* t = ::testing::UnitTest::GetInstance()->current_test_info();
  std::printf("[ figures  ] %s.%s: seed %llu (STRUCTOPS_SEED=%llu replays it)\n",
              t ? t->test_suite_name() : "?", t ? t->name() : "?",
              static_cast<unsigned long long>(seed), static_cast<unsigned long long>(seed));
  return seed;
}

}  // namespace structops::test
