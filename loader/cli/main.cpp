// structops-load: the command line.  The only place that prints results
// and errors and chooses exit codes; everything below returns values.
#include <cstdlib>
#include <iostream>

#include "bpf/libbpf_log.hpp"
#include "bpf/link_manager.hpp"
#include "bpf/ops_layout_cache.hpp"
#include "bpf/policy_lookup.hpp"
#include "cli/commands.hpp"
#include "cli/error_format.hpp"
#include "cli/foreground.hpp"
#include "cli/options.hpp"
#include "cli/probation.hpp"
#include "cli/rollback.hpp"
#include "report/status.hpp"
#include "report/status_prometheus.hpp"
#include "system/module_signer_cache.hpp"
#include "system/probation_record.hpp"

namespace {

using namespace structops;

// sysexits.h values, the ones the interface promises.
constexpr int kExitOk = 0;
constexpr int kExitOther = 1;
// Not a sysexits value: a probation that failed is an outcome, not an
// error of the tool (like diff's 1); the previous policy is attached again.
constexpr int kExitProbationFailed = 3;
constexpr int kExitUsage = 64;        // EX_USAGE
constexpr int kExitDataErr = 65;      // EX_DATAERR: invalid policy, verifier rejection
constexpr int kExitUnavailable = 69;  // EX_UNAVAILABLE: module or kernel support missing
constexpr int kExitTempFail = 75;     // EX_TEMPFAIL: lost a concurrent swap, retry
constexpr int kExitNoPerm = 77;       // EX_NOPERM
constexpr int kExitConfig =
    78;  // EX_CONFIG: Secure Boot/lockdown refused the module (enrol its key)

int exit_code(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::usage:
      return kExitUsage;
    case ErrorKind::invalid_policy:
      return kExitDataErr;
    case ErrorKind::unavailable:
      return kExitUnavailable;
    case ErrorKind::module_refused:
      return kExitConfig;
    case ErrorKind::busy:
      return kExitTempFail;
    case ErrorKind::not_permitted:
      return kExitNoPerm;
    case ErrorKind::other:
      break;
  }
  return kExitOther;
}

int fail(const Error& e, bool verbose) {
  std::cerr << format_error(e, verbose);
  return exit_code(e.kind);
}

int print(const Result<Outcome>& r, bool verbose) {
  if (!r)
    return fail(r.error(), verbose);
  for (const std::string& note : r->notes)
    std::cerr << "structops-load: " << note << std::endl;
  if (!r->message.empty())
    std::cout << r->message << std::endl;
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string default_config = std::string(STRUCTOPS_CONF_DIR) + "/structops.conf";
  auto parsed = parse_options(argc, argv, default_config);
  if (!parsed) {
    std::cerr << format_error(parsed.error(), false) << "Try 'structops-load --help'." << std::endl;
    return exit_code(parsed.error().kind);
  }
  const Options& opts = *parsed;
  install_libbpf_logger(opts.verbose);

  Context ctx;
  ctx.search_dirs =
      policy_search_dirs(std::getenv("STRUCTOPS_POLICY_PATH"),
                         {std::string(STRUCTOPS_CONF_DIR) + "/policies", STRUCTOPS_POLICY_DIR});
  ctx.pin_path = kPinPath;
  ctx.config_path = opts.config_path;
  ctx.probation_path = kProbationFile;
  ctx.ops_layout_path = kOpsLayoutFile;
  ctx.module_signer_path = kModuleSignerFile;
  ctx.verbose = opts.verbose;

  switch (opts.action) {
    case Action::help:
      std::cout << usage_text(default_config);
      return kExitOk;
    case Action::version:
      std::cout << "structops-load " << STRUCTOPS_VERSION << std::endl;
      return kExitOk;
    case Action::attach: {
      if (opts.probation_s > 0) {
        ProbationOptions p{opts.probation_s, opts.check, opts.check_interval_s};
        auto r = run_probation(ctx, opts.policy, opts.sets, p, std::cout, std::cerr);
        if (!r)
          return fail(r.error(), opts.verbose);
        std::cout << r->message << std::endl;
        if (!r->passed)
          return kExitProbationFailed;
        // --save records only a policy that passed.
        return opts.save ? print(save_policy(ctx, opts.policy, opts.sets), opts.verbose) : kExitOk;
      }
      auto r = attach_policy(ctx, opts.policy, opts.sets);
      int rc = print(r, opts.verbose);
      if (rc != kExitOk || !opts.save)
        return rc;
      // The policy is attached either way; a failed save is still a failure.
      return print(save_policy(ctx, opts.policy, opts.sets), opts.verbose);
    }
    case Action::verify:
      return print(verify_policy(ctx, opts.policy, opts.sets), opts.verbose);
    case Action::detach:
      return print(detach_policy(ctx), opts.verbose);
    case Action::restore:
      return print(restore_policy(ctx), opts.verbose);
    case Action::rollback:
      return print(rollback_policy(ctx), opts.verbose);
    case Action::list:
      return print(list_policies(ctx), opts.verbose);
    case Action::load_module:
      return print(load_module(), opts.verbose);
    case Action::sign:
      return print(sign_policy_file(ctx, opts.policy, opts.key_path, opts.cert_path),
                   opts.verbose);
    case Action::status: {
      StatusReport report = gather_status(ctx);
      std::cout << (opts.prometheus ? format_status_prometheus(report)
                    : opts.json     ? format_status_json(report)
                                    : format_status_text(report));
      return kExitOk;
    }
    case Action::foreground: {
      ForegroundOptions f{opts.policy, opts.sets, opts.interval_s};
      auto r = run_foreground(ctx, f, std::cout, std::cerr);
      return r ? kExitOk : fail(r.error(), opts.verbose);
    }
  }
  return kExitOther;
}
