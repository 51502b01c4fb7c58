#include "syscall_stop.hpp"

#include <signal.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "harness.hpp"

namespace structops::test {
namespace {

int exit_code_of(int status) {
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// A traced child left stopped would hang whoever waits for it: kill and
// reap it, then fail.
[[noreturn]] void abandon(pid_t pid, const std::string& what) {
  const int err = errno;
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  throw std::runtime_error(what + " failed: " + std::strerror(err));
}

}  // namespace

StoppedChild spawn_stopped_at(const std::vector<std::string>& argv, const std::string& out_file,
                              const SyscallPoint& point) {
  pid_t pid = ::fork();
  if (pid < 0)
    throw std::runtime_error("fork failed");
  if (pid == 0) {
    if (::ptrace(PTRACE_TRACEME, 0, nullptr, nullptr) != 0)
      ::_exit(127);
    exec_with_output(argv, out_file);  // stops with SIGTRAP once the new image is in place
  }
  StoppedChild child;
  child.pid = pid;
  int status = 0;
  if (::waitpid(pid, &status, 0) < 0 || !WIFSTOPPED(status)) {
    child.exit_code = exit_code_of(status);
    return child;
  }
  if (::ptrace(PTRACE_SETOPTIONS, pid, nullptr, PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL) != 0)
    abandon(pid, "PTRACE_SETOPTIONS");
  bool in_point = false;  // between the point's entry and its exit
  int deliver = 0;        // a signal the child got, passed on
  for (;;) {
    if (::ptrace(PTRACE_SYSCALL, pid, nullptr, deliver) != 0)
      abandon(pid, "PTRACE_SYSCALL");
    deliver = 0;
    if (::waitpid(pid, &status, 0) < 0)
      abandon(pid, "waitpid on a traced child");
    if (WIFEXITED(status) || WIFSIGNALED(status)) {
      child.exit_code = exit_code_of(status);
      return child;
    }
    if (WSTOPSIG(status) != (SIGTRAP | 0x80)) {
      deliver = WSTOPSIG(status) == SIGTRAP ? 0 : WSTOPSIG(status);
      continue;
    }
    __ptrace_syscall_info info = {};
    if (::ptrace(PTRACE_GET_SYSCALL_INFO, pid, sizeof(info), &info) <= 0)
      abandon(pid, "PTRACE_GET_SYSCALL_INFO");
    if (info.op == PTRACE_SYSCALL_INFO_ENTRY && static_cast<long>(info.entry.nr) == point.nr &&
        (!point.arg0 || info.entry.args[0] == *point.arg0)) {
      if (!point.at_exit) {
        child.reached = true;
        return child;
      }
      in_point = true;
    } else if (info.op == PTRACE_SYSCALL_INFO_EXIT && in_point) {
      child.reached = true;
      return child;
    }
  }
}

void resume_stopped(int pid) {
  if (::ptrace(PTRACE_DETACH, pid, nullptr, 0) != 0)
    abandon(pid, "PTRACE_DETACH");
}

}  // namespace structops::test
