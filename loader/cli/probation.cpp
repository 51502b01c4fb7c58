#include "cli/probation.hpp"

#include <bpf/bpf.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>

#include "bpf/link_manager.hpp"
#include "bpf/previous.hpp"
#include "system/check_command.hpp"
#include "system/probation_record.hpp"
#include "system/signal_fd.hpp"

namespace structops {
namespace {

using Clock = std::chrono::steady_clock;

std::string seconds_text(Clock::duration d) {
  char t[32];
  std::snprintf(t, sizeof(t), "%.1f s", std::chrono::duration<double>(d).count());
  return t;
}

std::string us_text(std::chrono::nanoseconds d) {
  return std::to_string((d.count() + 500) / 1000) + " us";
}

const char* signal_name(int sig) {
  switch (sig) {
    case SIGINT:
      return "SIGINT";
    case SIGTERM:
      return "SIGTERM";
    case SIGHUP:
      return "SIGHUP";
  }
  return "a signal";
}

uint32_t map_id_of(int map_fd) {
  bpf_map_info info = {};
  uint32_t len = sizeof(info);
  return bpf_map_get_info_by_fd(map_fd, &info, &len) ? 0 : info.id;
}

class Probation {
 public:
  Probation(const Context& ctx, Attached attached, const SignalFd& signals)
      : ctx_(ctx), a_(std::move(attached)), signals_(signals), start_(Clock::now()) {}

  // Why the probation failed, with the rollback done: the one line.
  Result<ProbationResult> fail(const std::string& reason) {
    const std::string head = "probation failed: " + reason + " after " +
                             seconds_text(Clock::now() - start_) + "; ";
    if (!a_.swapped) {
      // A first attach: nothing to go back to but the module's built-in code.
      auto pin = open_pinned_link(ctx_.pin_path, 0, 0);
      if (pin && pin->state == PinState::active && pin->link_id == a_.link_id)
        (void)remove_pin(ctx_.pin_path);
      if (auto r = detach_link(a_.link_fd.get()); !r)
        return std::move(r).error();
      return ProbationResult{false, head + "detached '" + a_.name + "' (there was no previous policy)"};
    }
    auto c = swap_keeping_previous(a_.link_fd.get(), a_.old_map_fd.get(), a_.map_fd.get(),
                                   ctx_.pin_path);
    if (!c) {
      Error e = std::move(c).error();
      e.message = head + "not rolled back: " + e.message;
      return e;
    }
    return ProbationResult{false, head + "rolled back '" + a_.name + "' -> '" + a_.old_name +
                                      "' in " + us_text(c->elapsed)};
  }

  // The link was detached by someone else: no link update can undo that.
  // If the previous policy is still pinned (the link alone was detached,
  // say with bpftool), it is attached again; if it is gone too, whoever
  // detached meant it (structops-load --detach), and nothing is attached.
  Result<ProbationResult> fail_detached() {
    const std::string head = "probation failed: the policy was detached by another process after " +
                             seconds_text(Clock::now() - start_) + "; ";
    if (!a_.swapped)
      return ProbationResult{false, head + "there was no previous policy to return to"};
    auto prev = open_previous(previous_pin_path(ctx_.pin_path), StructOpsType{});
    if (!prev || prev->state != PreviousState::ready ||
        prev->map_id != map_id_of(a_.old_map_fd.get()))
      return ProbationResult{false, head + "not rolled back: the previous policy was released too"};
    auto link = create_link(a_.old_map_fd.get());
    if (!link) {
      Error e = std::move(link).error();
      e.message = head + "not rolled back: " + e.message;
      return e;
    }
    if (auto r = pin_link(link->fd.get(), ctx_.pin_path); !r)
      return std::move(r).error();
    (void)pin_previous(a_.map_fd.get(), ctx_.pin_path);
    return ProbationResult{false, head + "rolled back '" + a_.name + "' -> '" + a_.old_name +
                                      "' (attached again as link " + std::to_string(link->id) +
                                      ")"};
  }

  // Waits until `until`; an empty optional when nothing happened.
  std::optional<Result<ProbationResult>> wait(Clock::time_point until) {
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
      if (left.count() < 0)
        return std::nullopt;
      std::vector<pollfd> fds = watch();
      int n = poll(fds.data(), fds.size(), static_cast<int>(left.count() + 1));
      if (n < 0 && errno != EINTR)
        return std::nullopt;
      if (n > 0) {
        if (auto r = woke(fds, 0, false))
          return r;
      }
    }
  }

  std::optional<Result<ProbationResult>> check(const ProbationOptions& opts, std::ostream& err) {
    CheckSpec spec;
    spec.command = opts.check;
    spec.timeout = std::chrono::duration_cast<std::chrono::nanoseconds>(
        std::chrono::duration<double>(std::max(opts.interval_s, kMinCheckTimeoutS)));
    spec.child_mask = signals_.old_mask();
    spec.out_fd = 2;
    err.flush();
    auto run = run_check(spec, watch());
    if (!run)
      return fail("the check could not be started (" + run.error().message + ")");
    if (run->output_dropped)
      err << "structops-load: the check printed " << run->output_bytes << " bytes; "
          << run->output_dropped << " not shown" << std::endl;
    if (run->end == CheckRun::End::interrupted) {
      std::vector<pollfd> fds = watch();
      poll(fds.data(), fds.size(), 0);
      if (auto r = woke(fds, run->watch_index, true))
        return r;
      return fail(describe_check_failure(opts.check, *run));
    }
    if (!run->passed())
      return fail(describe_check_failure(opts.check, *run));
    return std::nullopt;
  }

  const Attached& attached() const { return a_; }

 private:
  std::vector<pollfd> watch() const {
    return {{signals_.fd(), POLLIN, 0}, {a_.link_fd.get(), POLLIN, 0}};
  }

  std::optional<Result<ProbationResult>> woke(const std::vector<pollfd>& fds, size_t hint,
                                              bool use_hint) {
    if (fds[0].revents || (use_hint && hint == 0)) {
      int sig = signals_.take();
      if (sig)
        return fail(std::string("interrupted by ") + signal_name(sig));
    }
    if (fds[1].revents & (POLLHUP | POLLERR))
      return fail_detached();
    if (use_hint && hint == 1)
      return fail_detached();
    return std::nullopt;
  }

  const Context& ctx_;
  Attached a_;
  const SignalFd& signals_;
  Clock::time_point start_;
};

}  // namespace

Result<ProbationResult> run_probation(const Context& ctx, const std::string& value,
                                      const std::vector<std::string>& sets,
                                      const ProbationOptions& opts, std::ostream& out,
                                      std::ostream& err) {
  // Blocked before the swap: a Ctrl-C from here on is a rollback, never a
  // kill between the swap and the watch.
  SignalFd signals;
  if (signals.fd() < 0)
    return errno_error(errno, "cannot create a signalfd");
  auto attached = attach_or_swap(ctx, value, sets);
  if (!attached)
    return std::move(attached).error();
  for (const std::string& note : attached->outcome.notes)
    err << "structops-load: " << note << std::endl;
  out << attached->outcome.message << std::endl;

  const auto window = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(opts.seconds));
  ProbationRecord record;
  record.pid = getpid();
  record.policy = attached->name;
  record.deadline = std::chrono::duration_cast<std::chrono::seconds>(
                        std::chrono::system_clock::now().time_since_epoch() + window)
                        .count() +
                    1;
  record.check = opts.check;
  if (auto r = write_probation_record(ctx.probation_path, record); !r)
    err << "structops-load: --status will not show this probation: " << r.error().message
        << std::endl;
  struct RecordGuard {
    const std::string& path;
    ~RecordGuard() { remove_probation_record(path, getpid()); }
  } guard{ctx.probation_path};

  Probation p(ctx, std::move(attached).value(), signals);
  const auto start = Clock::now();
  const auto deadline = start + window;
  const auto interval = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(opts.interval_s));
  auto next = opts.check.empty() ? deadline : start + interval;
  while (next < deadline) {
    if (auto r = p.wait(next))
      return std::move(*r);
    if (auto r = p.check(opts, err))
      return std::move(*r);
    next += interval;
    if (next < Clock::now())  // the check took longer than the interval
      next = Clock::now() + interval;
  }
  if (auto r = p.wait(deadline))
    return std::move(*r);
  if (!opts.check.empty())
    if (auto r = p.check(opts, err))
      return std::move(*r);
  return ProbationResult{true, "probation passed: '" + p.attached().name + "' stays"};
}

}  // namespace structops
