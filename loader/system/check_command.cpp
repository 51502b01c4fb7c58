#include "system/check_command.hpp"

#include <fcntl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "common/unique_fd.hpp"

namespace structops {
namespace {

using Clock = std::chrono::steady_clock;

void write_all(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return;  // a closed stderr must not stop the probation
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
}

// Copies what is readable now, at most 1 MiB so that an endless writer
// cannot keep the caller from its timeout; false at end of file.
bool pump(int from, const CheckSpec& spec, CheckRun* run) {
  char buf[16384];
  for (int i = 0; i < 64; i++) {
    ssize_t n = read(from, buf, sizeof(buf));
    if (n == 0)
      return false;
    if (n < 0)
      return errno == EAGAIN || errno == EINTR;
    size_t room = spec.max_output > run->output_bytes ? spec.max_output - run->output_bytes : 0;
    size_t copy = std::min(room, static_cast<size_t>(n));
    write_all(spec.out_fd, buf, copy);
    run->output_bytes += static_cast<size_t>(n);
    run->output_dropped += static_cast<size_t>(n) - copy;
  }
  return true;
}

}  // namespace

Result<CheckRun> run_check(const CheckSpec& spec, const std::vector<pollfd>& watch) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0)
    return errno_error(errno, "cannot create a pipe for the check command");
  UniqueFd read_end(p[0]), write_end(p[1]);
  const auto start = Clock::now();
  pid_t pid = fork();
  if (pid < 0)
    return errno_error(errno, "cannot start the check command");
  if (pid == 0) {
    setpgid(0, 0);
    sigprocmask(SIG_SETMASK, &spec.child_mask, nullptr);
    int null_fd = open("/dev/null", O_RDONLY);
    if (null_fd >= 0)
      dup2(null_fd, 0);
    dup2(write_end.get(), 1);
    dup2(write_end.get(), 2);
    execl("/bin/sh", "sh", "-c", spec.command.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  setpgid(pid, pid);  // also here: the kill below must find the group at once
  write_end.reset();
  fcntl(read_end.get(), F_SETFL, O_NONBLOCK);
  UniqueFd pidfd(static_cast<int>(syscall(SYS_pidfd_open, pid, 0)));

  CheckRun run;
  bool exited = false, killed = false;
  const auto deadline = start + spec.timeout;
  while (!exited) {
    std::vector<pollfd> fds = watch;
    for (pollfd& f : fds)
      f.revents = 0;
    const size_t pipe_at = fds.size();
    fds.push_back({read_end ? read_end.get() : -1, POLLIN, 0});
    const size_t pid_at = fds.size();
    fds.push_back({pidfd ? pidfd.get() : -1, POLLIN, 0});
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    int wait_ms = static_cast<int>(std::max<long long>(0, left.count() + 1));
    if (!pidfd)
      wait_ms = std::min(wait_ms, 10);  // no pidfd: poll the child
    int n = poll(fds.data(), fds.size(), wait_ms);
    if (n < 0 && errno != EINTR)
      break;
    for (size_t i = 0; i < watch.size() && !killed; i++)
      if (fds[i].revents) {
        run.end = CheckRun::End::interrupted;
        run.watch_index = i;
        killed = true;
      }
    if (read_end && fds[pipe_at].revents && !pump(read_end.get(), spec, &run))
      read_end.reset();
    if (killed)
      break;
    if (!pidfd || fds[pid_at].revents) {
      int status = 0;
      if (waitpid(pid, &status, WNOHANG) == pid) {
        exited = true;
        run.took = Clock::now() - start;
        if (WIFEXITED(status)) {
          run.end = CheckRun::End::exited;
          run.code = WEXITSTATUS(status);
        } else {
          run.end = CheckRun::End::signaled;
          run.code = WTERMSIG(status);
        }
      }
    }
    if (!exited && Clock::now() >= deadline) {
      run.end = CheckRun::End::timed_out;
      killed = true;
      break;
    }
  }
  if (killed) {
    run.took = Clock::now() - start;
    kill(-pid, SIGKILL);
    kill(pid, SIGKILL);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
  // What it printed just before exiting; descendants that keep the pipe
  // open are not waited for.
  if (read_end)
    pump(read_end.get(), spec, &run);
  return run;
}

std::string describe_check_failure(const std::string& command, const CheckRun& run) {
  const std::string cmd = "'" + command + "'";
  switch (run.end) {
    case CheckRun::End::exited:
      return cmd + " exited " + std::to_string(run.code) +
             (run.code == 127 ? " (command not found?)" : "");
    case CheckRun::End::signaled:
      return cmd + " was killed by signal " + std::to_string(run.code);
    case CheckRun::End::timed_out: {
      char t[32];
      std::snprintf(t, sizeof(t), "%.1f", std::chrono::duration<double>(run.took).count());
      return cmd + " did not finish within " + t + " s (killed)";
    }
    case CheckRun::End::interrupted:
      return cmd + " was interrupted";
  }
  return cmd + " failed";
}

}  // namespace structops
