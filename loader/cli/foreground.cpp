#include "cli/foreground.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <memory>
#include <optional>

#include "bpf/libbpf_ptr.hpp"
#include "bpf/link_manager.hpp"
#include "cli/error_format.hpp"
#include "common/unique_fd.hpp"
#include "system/config.hpp"
#include "system/module.hpp"
#include "system/privileges.hpp"
#include "system/signal_fd.hpp"

namespace structops {
namespace {

using Clock = std::chrono::steady_clock;

// The tutorial's payload: the module runs test_1(), test_2(10, 20) and
// test_3(payload, len) for it.
constexpr const char kPayload[] = "Hello from userspace!";

// What woke the loop: a signal, the link detached by someone else, or the
// trigger period.
struct Wake {
  int signal = 0;
  bool detached = false;
};

// Waits on the signalfd and the link fd together: since 6.10 a struct_ops
// link that another process detaches wakes poll() with EPOLLHUP, so the
// loop learns of it at once without looking at bpffs.
Wake wait_until(const SignalFd& signals, int link_fd, Clock::time_point deadline) {
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() < 0)
      return {};
    pollfd fds[2] = {{signals.fd(), POLLIN, 0}, {link_fd, POLLIN, 0}};
    int n = poll(fds, 2, static_cast<int>(left.count() + 1));
    if (n < 0 && errno != EINTR)
      return {};
    if (n <= 0)
      continue;
    if (fds[0].revents)
      if (int sig = signals.take())
        return {sig, false};
    if (fds[1].revents & (POLLHUP | POLLERR))
      return {0, true};
  }
}

std::string field(const StatusFields& f, const char* key) {
  return find_value(f, key).value_or("?");
}

void trigger_once(std::ostream& out, std::ostream& err) {
  UniqueFd fd(open(kTriggerFile, O_WRONLY | O_CLOEXEC));
  if (!fd || write(fd.get(), kPayload, sizeof(kPayload) - 1) < 0) {
    err << format_error(errno_error(errno, std::string("cannot write ") + kTriggerFile), false);
    return;
  }
  auto status = read_status();
  if (!status) {
    err << format_error(status.error(), false);
    return;
  }
  const StatusFields& f = *status;
  out << "test_1() = " << field(f, "last_test_1")
      << ", test_2(10, 20) = " << field(f, "last_test_2") << ", test_3(\"" << kPayload << "\", "
      << sizeof(kPayload) - 1 << ") = " << field(f, "last_test_3") << "  [policy '"
      << field(f, "last_policy") << "', trigger " << field(f, "last_seq") << "]" << std::endl;
}

// The policy and knobs the config file names; a usage error when it names
// no policy.
Result<Config> configured(const Context& ctx) {
  auto config = read_config(ctx.config_path);
  if (!config)
    return std::move(config).error();
  if (!config->policy)
    return make_error(ErrorKind::usage, ctx.config_path + " names no policy");
  return config;
}

// What --foreground runs first: --policy, else the config file's policy;
// the command line's --set values after the config file's, so they win.
Result<Config> policy_to_run(const Context& ctx, const ForegroundOptions& opts) {
  if (!opts.policy.empty())
    return Config{opts.policy, opts.sets};
  auto config = configured(ctx);
  if (!config)
    return make_error(ErrorKind::usage, "--foreground needs --policy or a configured policy (" +
                                            config.error().message + ")");
  config->sets.insert(config->sets.end(), opts.sets.begin(), opts.sets.end());
  return config;
}

// The attached policy, its link (this process's, not pinned) and the
// policy it replaced, which stays loaded and READY here (pinning it would
// keep the module busy after this process exits).  Exactly one previous:
// a swap frees the older.  Members go in reverse order: the link first.
struct Foreground {
  std::unique_ptr<PreparedPolicy> previous;
  std::unique_ptr<PreparedPolicy> current;
  BpfLinkPtr link;
  uint32_t link_id = 0;
};

Result<Foreground> attach_foreground(const Context& ctx, const Config& config) {
  Foreground fg;
  auto prepared = prepare_policy(ctx, *config.policy, config.sets);
  if (!prepared)
    return std::move(prepared).error();
  fg.current = std::make_unique<PreparedPolicy>(std::move(prepared).value());
  // libbpf's own attach: this process owns the link, so SIGHUP can use
  // bpf_link__update_map() on it.  The map is READY already; libbpf's
  // repeated update gets EBUSY, which it accepts for link maps.
  fg.link.reset(bpf_map__attach_struct_ops(fg.current->policy.map()));
  if (!fg.link) {
    int e = errno;
    if (e == EBUSY)
      return make_error(ErrorKind::busy, e,
                        "bpf_testmod already runs a policy (see structops-load --status); "
                        "--foreground needs it free: structops-load --detach first");
    return errno_error(e, "cannot attach policy '" + fg.current->policy.name() + "'");
  }
  if (auto id = link_id_of(bpf_link__fd(fg.link.get())))
    fg.link_id = *id;
  return fg;
}

// SIGHUP: swap to what the config file names now.  Every failure keeps
// the current policy attached and says so.
void swap_from_config(const Context& ctx, Foreground* fg, std::ostream& out, std::ostream& err) {
  out << "SIGHUP: re-reading " << ctx.config_path << std::endl;
  auto keep = [&](const Error& e) {
    err << format_error(e, ctx.verbose) << "structops-load: keeping '" << fg->current->policy.name()
        << "'" << std::endl;
  };
  auto config = configured(ctx);
  if (!config)
    return keep(config.error());
  auto prepared = prepare_policy(ctx, *config->policy, config->sets);
  if (!prepared)
    return keep(prepared.error());
  auto start = Clock::now();
  int rc = bpf_link__update_map(fg->link.get(), prepared->policy.map());
  auto elapsed = Clock::now() - start;
  if (rc)
    return keep(errno_error(rc, "cannot swap in '" + prepared->policy.name() + "'"));
  out << "switched '" << fg->current->policy.name() << "' -> '" << prepared->policy.name()
      << "' in "
      << (std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count() + 500) / 1000
      << " us" << std::endl;
  // The older previous goes now; whole, so its module BTF is freed split
  // part first.
  fg->previous.reset();
  fg->previous = std::move(fg->current);
  fg->current = std::make_unique<PreparedPolicy>(std::move(prepared).value());
}

// Triggers every interval and swaps on SIGHUP until SIGINT or SIGTERM
// (ok), or until someone else detaches the link (an error).
Result<void> trigger_loop(const Context& ctx, const ForegroundOptions& opts,
                          const SignalFd& signals, Foreground* fg, std::ostream& out,
                          std::ostream& err) {
  const auto period =
      std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(opts.interval_s));
  auto next = Clock::now();
  for (;;) {
    Wake wake = wait_until(signals, bpf_link__fd(fg->link.get()), next);
    if (wake.detached)
      return make_error(ErrorKind::other, "policy '" + fg->current->policy.name() + "' (link " +
                                              std::to_string(fg->link_id) +
                                              ") was detached by another process; exiting");
    if (wake.signal == SIGINT || wake.signal == SIGTERM)
      return {};
    if (wake.signal != 0) {
      swap_from_config(ctx, fg, out, err);
      continue;
    }
    trigger_once(out, err);
    next += period;
    if (next < Clock::now())  // fell behind (suspend, slow VM): don't burst
      next = Clock::now() + period;
  }
}

}  // namespace

Result<void> run_foreground(const Context& ctx, const ForegroundOptions& opts, std::ostream& out,
                            std::ostream& err) {
  if (auto r = require_bpf_privileges("attaching a policy"); !r)
    return std::move(r).error();
  auto config = policy_to_run(ctx, opts);
  if (!config)
    return std::move(config).error();
  // Blocked before attaching, so that a Ctrl-C from here on detaches
  // cleanly instead of killing the process between attach and loop.
  SignalFd signals;
  if (signals.fd() < 0)
    return errno_error(errno, "cannot create a signalfd");
  auto fg = attach_foreground(ctx, *config);
  if (!fg)
    return std::move(fg).error();
  out << "attached '" << fg->current->policy.name() << "' (link " << fg->link_id
      << ", not pinned); writing " << kTriggerFile << " every " << opts.interval_s
      << " s; Ctrl-C detaches, SIGHUP re-reads " << ctx.config_path << std::endl;
  if (auto r = trigger_loop(ctx, opts, signals, &*fg, out, err); !r)
    return r;  // fg goes: the link, then the policies
  const std::string name = fg->current->policy.name();
  fg->link.reset();  // closes the only link fd: the module's unreg() runs
  out << "detached '" << name << "'" << std::endl;
  return {};
}

}  // namespace structops
