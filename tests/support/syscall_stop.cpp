#include "syscall_stop.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>

namespace structops::test {
namespace {

int exit_code_of(int status) {
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

StoppedChild spawn_stopped_at(const std::vector<std::string>& argv, const std::string& out_file,
                              const SyscallPoint& point) {
  pid_t pid = ::fork();
  if (pid < 0)
    throw std::runtime_error("fork failed");
  if (pid == 0) {
    int fd = ::open(out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || ::ptrace(PTRACE_TRACEME, 0, nullptr, nullptr) != 0)
      ::_exit(127);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    std::vector<char*> args;
    for (const auto& a : argv)
      args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());  // stops with SIGTRAP once the new image is in place
    ::_exit(127);
  }
  StoppedChild child;
  child.pid = pid;
  int status = 0;
  if (::waitpid(pid, &status, 0) < 0 || !WIFSTOPPED(status)) {
    child.exit_code = exit_code_of(status);
    return child;
  }
  if (::ptrace(PTRACE_SETOPTIONS, pid, nullptr,
               PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL) != 0) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    throw std::runtime_error("PTRACE_SETOPTIONS failed");
  }
  bool in_point = false;  // between the point's entry and its exit
  int deliver = 0;        // a signal the child got, passed on
  for (;;) {
    if (::ptrace(PTRACE_SYSCALL, pid, nullptr, deliver) != 0)
      throw std::runtime_error("PTRACE_SYSCALL failed");
    deliver = 0;
    if (::waitpid(pid, &status, 0) < 0)
      throw std::runtime_error("waitpid on a traced child failed");
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
      throw std::runtime_error("PTRACE_GET_SYSCALL_INFO failed");
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
    throw std::runtime_error("PTRACE_DETACH failed");
}

}  // namespace structops::test
