#include "harness.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <structops/bpf_testmod.h>

#include "expected.hpp"

namespace structops::test {
namespace {

std::string env_or_throw(const char* name) {
  const char* value = std::getenv(name);
  if (!value || !*value)
    throw std::runtime_error(std::string(name) + " is not set");
  return value;
}

// In a forked child: execv(argv), or exit 127.
[[noreturn]] void exec_child(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const auto& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  ::execv(args[0], args.data());
  ::_exit(127);
}

}  // namespace

RunResult run(const std::vector<std::string>& argv) {
  int out_pipe[2], err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) || ::pipe2(err_pipe, O_CLOEXEC))
    throw std::runtime_error("pipe failed");
  pid_t pid = ::fork();
  if (pid < 0)
    throw std::runtime_error("fork failed");
  if (pid == 0) {
    ::dup2(out_pipe[1], 1);
    ::dup2(err_pipe[1], 2);
    exec_child(argv);
  }
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  RunResult result;
  struct pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  int open_fds = 2;
  while (open_fds > 0) {
    if (::poll(fds, 2, -1) < 0 && errno != EINTR)
      break;
    for (int i = 0; i < 2; i++) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP)))
        continue;
      char buf[4096];
      ssize_t n = ::read(fds[i].fd, buf, sizeof(buf));
      if (n > 0) {
        sinks[i]->append(buf, n);
      } else {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        open_fds--;
      }
    }
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

void exec_with_output(const std::vector<std::string>& argv, const std::string& out_file) {
  int fd = ::open(out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0)
    ::_exit(127);
  ::dup2(fd, 1);
  ::dup2(fd, 2);
  exec_child(argv);
}

int spawn(const std::vector<std::string>& argv, const std::string& out_file) {
  pid_t pid = ::fork();
  if (pid < 0)
    throw std::runtime_error("fork failed");
  if (pid == 0)
    exec_with_output(argv, out_file);
  return pid;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int wait_child(int pid) {
  int status = 0;
  if (::waitpid(pid, &status, 0) < 0)
    return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

bool wait_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (pred())
      return true;
    if (std::chrono::steady_clock::now() >= deadline)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

RunResult loader(const std::vector<std::string>& args) {
  std::vector<std::string> argv{loader_path()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv);
}

nlohmann::json loader_status_json() {
  RunResult r = loader({"--status", "--json"});
  try {
    return nlohmann::json::parse(r.out);
  } catch (const nlohmann::json::parse_error& e) {
    throw std::runtime_error("structops-load --status --json (exit " + std::to_string(r.exit_code) +
                             ") printed no JSON: " + e.what() + "\n" + r.out + r.err);
  }
}

std::string loader_path() {
  return env_or_throw("STRUCTOPS_LOADER");
}
std::string module_path() {
  return env_or_throw("STRUCTOPS_KMOD");
}
std::string policy_dir() {
  return env_or_throw("STRUCTOPS_POLICY_DIR");
}
std::string env_path(const char* name) {
  return env_or_throw(name);
}

bool module_loaded() {
  return ::access("/sys/module/bpf_testmod", F_OK) == 0;
}

int load_module() {
  if (module_loaded())
    return 0;
  return run({"/usr/sbin/insmod", module_path()}).exit_code;
}

int unload_module() {
  return run({"/usr/sbin/rmmod", BPF_TESTMOD_MODULE_NAME}).exit_code;
}

int unload_module_once_released() {
  const std::string refcnt = std::string("/sys/module/") + BPF_TESTMOD_MODULE_NAME + "/refcnt";
  wait_until([&] { return slurp(refcnt) == "0\n"; }, std::chrono::seconds(5));
  return unload_module();
}

int detach_policy() {
  if (!module_loaded() || read_status()["policy"] == "none")
    return 0;
  return loader({"--detach"}).exit_code;
}

int start_clean() {
  if (int rc = load_module())
    return rc;
  ::setenv("STRUCTOPS_POLICY_PATH", policy_dir().c_str(), 1);
  return detach_policy();
}

std::vector<std::string> every_pair_walk() {
  std::vector<std::string> names;
  for (const auto& p : shipped_policies())
    names.push_back(p.name);
  // Hierholzer's algorithm.
  std::map<std::string, std::vector<std::string>> out;
  for (const auto& a : names)
    for (const auto& b : names)
      if (a != b)
        out[a].push_back(b);
  std::vector<std::string> stack{names[0]}, walk;
  while (!stack.empty()) {
    auto& next = out[stack.back()];
    if (next.empty()) {
      walk.push_back(stack.back());
      stack.pop_back();
    } else {
      stack.push_back(next.back());
      next.pop_back();
    }
  }
  return {walk.rbegin(), walk.rend()};
}

int bpf_object_count(const std::string& kind) {
  RunResult r = run({"/usr/sbin/bpftool", kind, "show"});
  if (r.exit_code != 0)
    throw std::runtime_error("bpftool " + kind + " show failed: " + r.err);
  // Every object's first line starts with its id: "12: struct_ops  ...".
  int count = 0;
  std::istringstream in(r.out);
  std::string line;
  while (std::getline(in, line))
    if (!line.empty() && isdigit(static_cast<unsigned char>(line[0])) &&
        line.find(": ") != std::string::npos)
      count++;
  return count;
}

std::string kernel_log() {
  return run({"/bin/dmesg"}).out;
}

}  // namespace structops::test
