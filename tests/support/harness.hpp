// Helpers for the tests that run inside the booted kernel (tests/vm/vm-run).
// They talk to the real module through its proc files (module_files.hpp)
// and to the real loader as a child process, exactly as a user would.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "module_files.hpp"

namespace structops::test {

struct RunResult {
  int exit_code = -1;  // exit status, or 128 + signal
  std::string out;
  std::string err;
};

// Run argv (argv[0] is a path) and collect its output and exit code.
RunResult run(const std::vector<std::string>& argv);

// Start argv in the background with stdout+stderr to out_file; returns pid.
int spawn(const std::vector<std::string>& argv, const std::string& out_file);
// In a forked child: stdout and stderr to out_file, then execv(argv);
// _exit(127) if either fails.  spawn()'s second half, for callers that
// prepare the child first (syscall_stop.cpp).
[[noreturn]] void exec_with_output(const std::vector<std::string>& argv,
                                   const std::string& out_file);
// A whole file as a string ("" if it cannot be read).
std::string slurp(const std::string& path);
// Wait for a spawned child: its exit code, or 128 + signal.
int wait_child(int pid);

// Polls pred every few milliseconds until it holds (true) or timeout has
// passed (false, after one last try): the one way the tests wait for
// something the kernel does asynchronously.
bool wait_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout);

// Run the structops-load under test with the given arguments.
RunResult loader(const std::vector<std::string>& args);

// Its --status --json, parsed (nlohmann); throws, failing the calling
// test, if that is not JSON.
nlohmann::json loader_status_json();

// Paths handed over by CMake through the environment.
std::string loader_path();
std::string module_path();
std::string policy_dir();
// Any other such variable (e.g. STRUCTOPS_CORPUS_DIR where a test's
// registration sets it); throws std::runtime_error when it is not set.
std::string env_path(const char* name);

bool module_loaded();
// insmod the module under test unless it is loaded: 0 or an exit code.
int load_module();
int unload_module();
// The same once nothing holds the module any more, waiting up to 5 s for
// that: after a detach the kernel frees the policy's map and programs only
// after RCU grace periods, and a policy that calls the module's kfunc
// holds the module until its programs are freed (under TCG, up to about a
// second after --detach returns).  For tests that detached first.
int unload_module_once_released();

// Detach whatever policy is attached, through the loader: 0 (also when
// nothing was attached) or the loader's exit code, which a test's
// clean-up must check like any other step.
int detach_policy();

// The state every policy test starts from: the module under test loaded,
// no policy attached, the built policies found by name.  0 or an exit code.
int start_clean();

// The shipped policies' names in an order of swaps that walks every ordered
// pair exactly once (an Eulerian circuit of the complete directed graph);
// front() == back().
std::vector<std::string> every_pair_walk();

// Count BPF objects of one kind ("prog", "map" or "link") through bpftool.
int bpf_object_count(const std::string& kind);

// The whole kernel log (dmesg) as it is now; callers look only at what
// follows a line they noted (see module_test.cpp).
std::string kernel_log();

}  // namespace structops::test
