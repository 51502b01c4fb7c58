// Bad input: broken policy files, nonsensical command lines and an
// unprivileged user (the trigger file's fuzzer is trigger_fuzz_test.cpp).
// None of it may change the attached policy.
#include <fcntl.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>

#include <nlohmann/json.hpp>

#include "reliability.hpp"

namespace structops::test {
namespace {

namespace fs = std::filesystem;

std::string corpus_dir() {
  const char* d = std::getenv("STRUCTOPS_CORPUS_DIR");
  if (!d || !*d) throw std::runtime_error("STRUCTOPS_CORPUS_DIR is not set");
  return d;
}

// A scratch directory for inputs made at test time.
std::string scratch() {
  static const std::string dir = [] {
    char tmpl[] = "/tmp/structops-reliability-XXXXXX";
    if (!::mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
    return std::string(tmpl);
  }();
  return dir;
}

std::string write_file(const std::string& name, const std::string& bytes) {
  std::string path = scratch() + "/" + name;
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

// The attached policy and the module's policy counters, to prove a failed
// command changed nothing.
struct Snapshot {
  std::string policy;
  std::string attaches, detaches, swaps;
  uint32_t link_id = 0, map_id = 0;
  bool operator==(const Snapshot& o) const {
    return policy == o.policy && attaches == o.attaches && detaches == o.detaches &&
           swaps == o.swaps && link_id == o.link_id && map_id == o.map_id;
  }
};

Snapshot snapshot() {
  Status s = read_status();
  PinView v = pin_view();
  return {s["policy"], s["attaches"], s["detaches"], s["swaps"], v.link_id, v.map_id};
}

std::string describe(const Snapshot& s) {
  return "policy " + s.policy + ", link " + std::to_string(s.link_id) + ", map " +
         std::to_string(s.map_id) + ", attaches/detaches/swaps " + s.attaches + "/" + s.detaches +
         "/" + s.swaps;
}

class BadInputTest : public ReliabilityTest {};

struct BadPolicy {
  std::string what;
  std::string value;  // --policy / --verify argument
  int exit_code;
  std::string message;  // in stderr
};

TEST_F(BadInputTest, BrokenPoliciesFailWithTheirExitCodeAndLeaveThePolicyAlone) {
  const std::string c = corpus_dir();
  const std::string good = slurp(policy_dir() + "/default.bpf.o");
  ASSERT_GT(good.size(), 1000u);
  fs::create_directories(scratch() + "/dir.bpf.o");
  fs::copy_file("/usr/bin/true", scratch() + "/x86.bpf.o", fs::copy_options::overwrite_existing);
  const std::string not_bpf = "is not a BPF object libbpf can open";
  const std::vector<BadPolicy> corpus = {
      {"not an ELF file", write_file("text.bpf.o", "this is not an ELF file\n"), 65, not_bpf},
      {"an empty file", write_file("empty.bpf.o", ""), 65, not_bpf},
      {"an ELF file for another machine", scratch() + "/x86.bpf.o", 65, not_bpf},
      {"an object cut after its ELF header", write_file("cut64.bpf.o", good.substr(0, 64)), 65, not_bpf},
      {"an object cut in half", write_file("cut-half.bpf.o", good.substr(0, good.size() / 2)), 65,
       "structops-load: "},
      {"an object missing its last byte", write_file("cut-1.bpf.o", good.substr(0, good.size() - 1)),
       65, "structops-load: "},
      {"an object for another struct_ops type", c + "/other_type.bpf.o", 65,
       "is for struct_ops type 'structops_other_ops', not bpf_testmod_ops"},
      {"a .struct_ops (non-link) map", c + "/not_link.bpf.o", 65, "use SEC(\".struct_ops.link\")"},
      {"two struct_ops maps", c + "/two_maps.bpf.o", 65, "declares 2 struct_ops maps"},
      {"a program the verifier rejects", c + "/verifier_reject.bpf.o", 65,
       "the verifier rejected policy 'verifier_reject'"},
      {"a name of 32 bytes, not NUL-terminated", c + "/long_name.bpf.o", 65, "under 32 bytes"},
      {"a name with a control character", c + "/unprintable_name.bpf.o", 65, "printable"},
      {"no license", c + "/no_license.bpf.o", 65, "GPL compatible license"},
      {"no callback at all", c + "/empty_policy.bpf.o", 65, "at least one callback"},
      {"a sleepable callback", c + "/sleepable.bpf.o", 65,
       "sleepable programs are not allowed for bpf_testmod_ops callbacks: policy 'sleepable', "
       "program 'sleepable_test_1' for member test_1"},
      {"a tail call", c + "/tail_call.bpf.o", 65,
       "calls helper bpf_tail_call#12, which bpf_testmod_ops callbacks are not offered"},
      {"bpf_printk", c + "/printk.bpf.o", 65,
       "calls helper bpf_trace_printk#6, which bpf_testmod_ops callbacks are not offered"},
      {"a directory", scratch() + "/dir.bpf.o", 64, "no policy file"},
      {"a path that does not exist", scratch() + "/nonexistent.bpf.o", 64, "no policy file"},
      {"an unknown policy name", "no-such-policy", 64, "no policy named 'no-such-policy'"},
  };

  attach("default");
  const Snapshot before = snapshot();
  ASSERT_EQ(before.policy, "default");
  int tried = 0;
  for (const BadPolicy& bad : corpus) {
    for (const char* action : {"--policy", "--verify"}) {
      SCOPED_TRACE(std::string(action) + " " + bad.what + " (" + bad.value + ")");
      RunResult r = loader({action, bad.value});
      tried++;
      figures().bad_inputs_tried++;
      EXPECT_EQ(r.exit_code, bad.exit_code) << r.out << r.err;
      EXPECT_EQ(r.out, "") << "a failure prints nothing on stdout";
      EXPECT_NE(r.err.find("structops-load: "), std::string::npos) << r.err;
      EXPECT_NE(r.err.find(bad.message), std::string::npos) << r.err;
      // The loader's own message is one line; libbpf's warnings and a
      // verifier log tail may surround it.
      EXPECT_EQ(r.err.find("Unknown error"), std::string::npos) << r.err;
      Snapshot after = snapshot();
      EXPECT_EQ(after, before) << describe(after);
      expect_answering("default");
    }
  }
  std::printf("[ figures  ] bad policies: %zu inputs, %d loader runs, policy untouched\n",
              corpus.size(), tried);
}

TEST_F(BadInputTest, NonsensicalCommandLinesAreUsageErrorsWithAOneLineReason) {
  attach("stats");  // the combinations below name other policies
  const Snapshot before = snapshot();
  const std::string conf = scratch() + "/cli.conf";
  const std::vector<std::vector<std::string>> combos = {
      {},
      {"--policy", "default", "--detach"},
      {"--policy", "default", "--verify", "default"},
      {"--detach", "--list"},
      {"--list", "--status"},
      {"--status", "--restore"},
      {"--restore", "--detach"},
      {"--verify", "default", "--status"},
      {"--foreground", "--detach"},
      {"--foreground", "--list"},
      {"--foreground", "--status"},
      {"--foreground", "--restore"},
      {"--foreground", "--verify", "default"},
      {"--json"},
      {"--json", "--list"},
      {"--json", "--policy", "default"},
      {"--json", "--detach"},
      {"--save"},
      {"--save", "--verify", "default"},
      {"--save", "--foreground", "--policy", "default"},
      {"--save", "--detach"},
      {"--save", "--status"},
      {"--save", "--restore"},
      {"--set", "multiplier=3"},
      {"--set", "multiplier=3", "--detach"},
      {"--set", "multiplier=3", "--status"},
      {"--set", "multiplier=3", "--list"},
      {"--set", "multiplier=3", "--restore"},
      {"--interval", "1"},
      {"--interval", "1", "--policy", "default"},
      {"--interval", "1", "--status"},
      {"--foreground", "--interval", "0"},
      {"--foreground", "--interval", "-1"},
      {"--foreground", "--interval", "abc"},
      {"--foreground", "--interval", "1e3"},
      {"--foreground", "--interval", ""},
      {"--foreground", "--interval", "86401"},
      {"--foreground", "--interval", "nan"},
      {"--foreground", "--interval", "inf"},
      {"--config", conf, "--policy", "default"},
      {"--config", conf, "--detach"},
      {"--config", conf, "--list"},
      {"--config", conf, "--verify", "default"},
      {"--config", "", "--status"},
      {"--config", conf},
      {"--policy"},
      {"--verify"},
      {"--config"},
      {"--set"},
      {"--interval"},
      {"--policy", ""},
      {"--verify", ""},
      {"--policy", "default", "--policy", "saturate"},
      {"--status", "--status"},
      {"--bogus"},
      {"-x"},
      {"stray"},
      {"--status", "extra"},
      {"--pol", "default"},
      {"--detach=yes"},
      {"--", "--status"},
      // Rejected after parsing, before anything is loaded into the kernel.
      {"--policy", "scale", "--set", "multiplier"},
      {"--policy", "scale", "--set", "multiplier=abc"},
      {"--policy", "scale", "--set", "nope=1"},
      {"--policy", "default", "--set", "multiplier=3"},
  };
  for (const auto& args : combos) {
    std::string shown;
    for (const auto& a : args) shown += " '" + a + "'";
    SCOPED_TRACE("structops-load" + shown);
    RunResult r = loader(args);
    figures().bad_inputs_tried++;
    EXPECT_EQ(r.exit_code, 64) << r.out << r.err;
    EXPECT_EQ(r.out, "");
    // One line with the reason, optionally followed by the --help hint.
    const std::string reason = first_line(r.err);
    EXPECT_EQ(reason.rfind("structops-load: ", 0), 0u) << r.err;
    EXPECT_GT(reason.size(), std::string("structops-load: ").size() + 8) << r.err;
    const std::string rest = r.err.substr(std::min(r.err.size(), reason.size() + 1));
    EXPECT_TRUE(rest.empty() || rest == "Try 'structops-load --help'.\n") << r.err;
  }
  const Snapshot after = snapshot();
  EXPECT_EQ(after, before) << describe(after);
  expect_answering("stats");
  std::printf("[ figures  ] CLI: %zu nonsensical command lines, each exit 64 with a one-line reason\n",
              combos.size());
}

// Runs fn in a child that dropped to nobody (uid/gid 65534, no groups);
// returns the child's exit status.
int as_nobody(const std::function<int()>& fn) {
  pid_t pid = ::fork();
  if (pid == 0) {
    if (::setgroups(0, nullptr) || ::setresgid(65534, 65534, 65534) ||
        ::setresuid(65534, 65534, 65534))
      ::_exit(125);
    ::_exit(fn());
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

TEST_F(BadInputTest, AnUnprivilegedUserCannotTriggerOrAttachButCanReadStatus) {
  attach("default");
  const Snapshot before = snapshot();
  const std::string status_before = status_text();

  // The trigger file: open for writing fails with EACCES.
  int err = as_nobody([] {
    int fd = ::open("/proc/bpf_testmod_trigger", O_WRONLY);
    if (fd >= 0) return ::write(fd, "test_1", 6) < 0 ? 0 : 1;
    return errno;
  });
  figures().bad_inputs_tried++;
  EXPECT_EQ(err, EACCES) << "expected EACCES (" << EACCES << ")";
  EXPECT_EQ(status_text(), status_before);
  // Reading the status file is allowed.
  EXPECT_EQ(as_nobody([] { return ::access("/proc/bpf_testmod_status", R_OK) ? errno : 0; }), 0);

  const std::vector<std::string> nobody = {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534",
                                           "--clear-groups", loader_path()};
  auto run_as_nobody = [&](std::vector<std::string> args) {
    std::vector<std::string> argv = nobody;
    argv.insert(argv.end(), args.begin(), args.end());
    figures().bad_inputs_tried++;
    return run(argv);
  };
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"--policy", "saturate"}, {"--verify", "saturate"}, {"--detach"},
        {"--restore"}, {"--foreground", "--policy", "saturate"}}) {
    SCOPED_TRACE("unprivileged " + args[0]);
    RunResult r = run_as_nobody(args);
    EXPECT_EQ(r.exit_code, 77) << r.out << r.err;
    EXPECT_EQ(count_lines(r.err), 1) << r.err;
    EXPECT_NE(r.err.find("needs root (CAP_BPF and CAP_SYS_ADMIN)"), std::string::npos) << r.err;
  }

  // --status works read-only and says what the rest would need.
  RunResult s = run_as_nobody({"--status"});
  EXPECT_EQ(s.exit_code, 0) << s.err;
  EXPECT_NE(s.out.find("policy:     default"), std::string::npos) << s.out;
  EXPECT_NE(s.out.find("need root (CAP_BPF and CAP_SYS_ADMIN)"), std::string::npos) << s.out;
  RunResult j = run_as_nobody({"--status", "--json"});
  EXPECT_EQ(j.exit_code, 0) << j.err;
  EXPECT_TRUE(nlohmann::json::accept(j.out) && nlohmann::json::parse(j.out)["policy"] == "default")
      << j.out;

  const Snapshot after = snapshot();
  EXPECT_EQ(after, before) << describe(after);
  expect_answering("default");
  figures().states_checked++;
}

}  // namespace
}  // namespace structops::test
