#include "foreground.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <memory>
#include <optional>

#include "config.hpp"
#include "error_format.hpp"
#include "libbpf_ptr.hpp"
#include "link_manager.hpp"
#include "module.hpp"
#include "privileges.hpp"
#include "unique_fd.hpp"

namespace structops {
namespace {

using Clock = std::chrono::steady_clock;

// The tutorial's payload: the module runs test_1(), test_2(10, 20) and
// test_3(payload, len) for it.
constexpr const char kPayload[] = "Hello from userspace!";

// Signals are blocked and taken synchronously with sigtimedwait(): no
// handler, no async-signal-safety questions, and the wait doubles as the
// trigger timer.
class BlockedSignals {
 public:
  BlockedSignals() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    sigaddset(&set_, SIGHUP);
    sigprocmask(SIG_BLOCK, &set_, &old_);
  }
  // Signals still pending (say, a Ctrl-C while a failing attach was under
  // way) are consumed, not delivered on unblocking: the caller is already
  // on its way out with its own exit status.
  ~BlockedSignals() {
    timespec now = {0, 0};
    while (sigtimedwait(&set_, nullptr, &now) > 0) {
    }
    sigprocmask(SIG_SETMASK, &old_, nullptr);
  }
  BlockedSignals(const BlockedSignals&) = delete;
  BlockedSignals& operator=(const BlockedSignals&) = delete;

  // The signal taken, or 0 when the deadline passed.
  int wait_until(Clock::time_point deadline) const {
    for (;;) {
      auto left = deadline - Clock::now();
      if (left <= Clock::duration::zero())
        return 0;
      auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
      timespec ts = {static_cast<time_t>(ns / 1000000000), static_cast<long>(ns % 1000000000)};
      int sig = sigtimedwait(&set_, nullptr, &ts);
      if (sig > 0)
        return sig;
      if (errno != EINTR && errno != EAGAIN)
        return 0;
    }
  }

 private:
  sigset_t set_;
  sigset_t old_;
};

std::string field(const StatusFields& f, const char* key) {
  return status_value(f, key).value_or("?");
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

// The policy and knobs the config file names; `what` for messages.
Result<Config> configured(const Context& ctx) {
  auto config = read_config(ctx.config_path);
  if (!config)
    return std::move(config).error();
  if (!config->policy)
    return make_error(ErrorKind::usage, ctx.config_path + " names no policy");
  return config;
}

}  // namespace

Result<void> run_foreground(const Context& ctx, const ForegroundOptions& opts, std::ostream& out,
                            std::ostream& err) {
  if (auto r = require_bpf_privileges("attaching a policy"); !r)
    return std::move(r).error();
  std::string value = opts.policy;
  std::vector<std::string> sets = opts.sets;
  if (value.empty()) {
    auto config = configured(ctx);
    if (!config)
      return make_error(ErrorKind::usage, "--foreground needs --policy or a configured policy (" +
                                              config.error().message + ")");
    value = *config->policy;
    sets = config->sets;
    sets.insert(sets.end(), opts.sets.begin(), opts.sets.end());  // command line wins
  }

  // Blocked before attaching, so that a Ctrl-C from here on detaches
  // cleanly instead of killing the process between attach and loop.
  BlockedSignals signals;

  std::unique_ptr<PreparedPolicy> current;  // declared before link: outlives it
  {
    auto prepared = prepare_policy(ctx, value, sets);
    if (!prepared)
      return std::move(prepared).error();
    current = std::make_unique<PreparedPolicy>(std::move(prepared).value());
  }
  // libbpf's own attach: this process owns the link, so SIGHUP can use
  // bpf_link__update_map() on it.  The map is READY already; libbpf's
  // repeated update gets EBUSY, which it accepts for link maps.
  BpfLinkPtr link(bpf_map__attach_struct_ops(current->policy.map()));
  if (!link) {
    int e = errno;
    if (e == EBUSY)
      return make_error(ErrorKind::busy, e,
                        "bpf_testmod already runs a policy (see structops-load --status); "
                        "--foreground needs it free: structops-load --detach first");
    return errno_error(e, "cannot attach policy '" + current->policy.name() + "'");
  }
  auto link_id = link_id_of(bpf_link__fd(link.get()));
  out << "attached '" << current->policy.name() << "' (link " << (link_id ? *link_id : 0)
      << ", not pinned); writing " << kTriggerFile << " every " << opts.interval_s
      << " s; Ctrl-C detaches, SIGHUP re-reads " << ctx.config_path << std::endl;

  const auto period =
      std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(opts.interval_s));
  auto next = Clock::now();
  for (;;) {
    int sig = signals.wait_until(next);
    if (sig == 0) {
      trigger_once(out, err);
      next += period;
      if (next < Clock::now())  // fell behind (suspend, slow VM): don't burst
        next = Clock::now() + period;
      continue;
    }
    if (sig == SIGINT || sig == SIGTERM)
      break;

    // SIGHUP: every failure keeps the current policy attached.
    out << "SIGHUP: re-reading " << ctx.config_path << std::endl;
    auto config = configured(ctx);
    if (!config) {
      err << format_error(config.error(), ctx.verbose) << "structops-load: keeping '"
          << current->policy.name() << "'" << std::endl;
      continue;
    }
    auto prepared = prepare_policy(ctx, *config->policy, config->sets);
    if (!prepared) {
      err << format_error(prepared.error(), ctx.verbose) << "structops-load: keeping '"
          << current->policy.name() << "'" << std::endl;
      continue;
    }
    auto start = Clock::now();
    int rc = bpf_link__update_map(link.get(), prepared->policy.map());
    auto elapsed = Clock::now() - start;
    if (rc) {
      err << format_error(errno_error(rc, "cannot swap in '" + prepared->policy.name() + "'"),
                          ctx.verbose)
          << "structops-load: keeping '" << current->policy.name() << "'" << std::endl;
      continue;
    }
    out << "switched '" << current->policy.name() << "' -> '" << prepared->policy.name() << "' in "
        << (std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count() + 500) / 1000
        << " us" << std::endl;
    // The old object and its map go now; whole, so its module BTF is freed
    // split part first.
    current.reset();
    current = std::make_unique<PreparedPolicy>(std::move(prepared).value());
  }

  const std::string name = current->policy.name();
  link.reset();  // closes the only link fd: the module's unreg() runs
  out << "detached '" << name << "'" << std::endl;
  return {};
}

}  // namespace structops
