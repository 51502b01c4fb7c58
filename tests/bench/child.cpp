#include "child.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <sstream>

#include "module_io.hpp"

namespace structops::bench {

ChildRun run_child(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const std::string& a : argv)
    args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0)
    throw BenchError("pipe2 failed");
  auto start = std::chrono::steady_clock::now();
  pid_t pid = ::fork();
  if (pid < 0)
    throw BenchError("fork failed");
  if (pid == 0) {
    ::dup2(pipe_fds[1], 1);
    ::dup2(pipe_fds[1], 2);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  ::close(pipe_fds[1]);
  ChildRun r;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(pipe_fds[0], buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
    if (n > 0)
      r.output.append(buf, static_cast<size_t>(n));
  ::close(pipe_fds[0]);

  int status = 0;
  struct rusage ru = {};
  while (::wait4(pid, &status, 0, &ru) < 0)
    if (errno != EINTR)
      throw BenchError("wait4 failed");
  r.ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  r.maxrss_kb = ru.ru_maxrss;
  if (WIFEXITED(status)) {
    r.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    r.signal = WTERMSIG(status);
    r.exit_code = 128 + r.signal;
  }
  return r;
}

int spawn_main(const std::vector<std::string>& argv) {
  ChildRun r = run_child(argv);
  std::printf("%d %d %.6f %ld\n", r.exit_code, r.signal, r.ms, r.maxrss_kb);
  std::fwrite(r.output.data(), 1, r.output.size(), stdout);
  return 0;
}

ChildRun run_child_small(const std::vector<std::string>& argv) {
  std::vector<std::string> spawn = {"/proc/self/exe", kSpawnFlag};
  spawn.insert(spawn.end(), argv.begin(), argv.end());
  ChildRun outer = run_child(spawn);
  ChildRun r;
  std::istringstream in(outer.output);
  if (outer.exit_code != 0 || !(in >> r.exit_code >> r.signal >> r.ms >> r.maxrss_kb))
    throw BenchError("the spawn helper failed (" + std::to_string(outer.exit_code) +
                     "): " + outer.output);
  in.get();  // the newline
  r.output.assign(std::istreambuf_iterator<char>(in), {});
  return r;
}

}  // namespace structops::bench
