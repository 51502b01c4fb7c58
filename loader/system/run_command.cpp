#include "system/run_command.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/unique_fd.hpp"

extern char** environ;

namespace structops {
namespace {

std::vector<std::string> c_locale_environment() {
  std::vector<std::string> env;
  for (char** e = environ; *e; e++)
    if (std::strncmp(*e, "LC_", 3) != 0 && std::strncmp(*e, "LANG=", 5) != 0 &&
        std::strncmp(*e, "LANGUAGE=", 9) != 0)
      env.emplace_back(*e);
  env.emplace_back("LC_ALL=C");
  return env;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> p;
  for (std::string& s : strings)
    p.push_back(s.data());
  p.push_back(nullptr);
  return p;
}

}  // namespace

int run_command(const std::vector<std::string>& argv, std::string* output, size_t max_output) {
  output->clear();
  int pipefd[2];
  if (argv.empty() || pipe2(pipefd, O_CLOEXEC) != 0) {
    *output = "cannot create a pipe to run " + (argv.empty() ? std::string("a command") : argv[0]);
    return -1;
  }
  UniqueFd rd(pipefd[0]), wr(pipefd[1]);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, wr.get(), STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, wr.get(), STDERR_FILENO);
  std::vector<std::string> args(argv), env = c_locale_environment();
  std::vector<char*> argp = pointers(args), envp = pointers(env);
  pid_t pid;
  int err = posix_spawnp(&pid, argv[0].c_str(), &actions, nullptr, argp.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  wr.reset();
  if (err) {
    *output = "cannot run " + argv[0] + ": " + strerror(err);
    return err == ENOENT ? 127 : -1;
  }
  char buf[4096];
  ssize_t n;
  while ((n = read(rd.get(), buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
    if (n > 0 && output->size() < max_output)
      output->append(buf, std::min(static_cast<size_t>(n), max_output - output->size()));
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  size_t end = output->find_last_not_of(" \t\r\n");
  output->resize(end == std::string::npos ? 0 : end + 1);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace structops
