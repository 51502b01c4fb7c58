#include "cli/options.hpp"

#include <cmath>
#include <cstdlib>
#include <sstream>

#include <boost/program_options.hpp>

namespace structops {
namespace po = boost::program_options;

namespace {

po::options_description describe(const std::string& default_config) {
  po::options_description actions("Actions (exactly one)", 100, 50);
  // clang-format off
  actions.add_options()
    ("policy", po::value<std::string>()->value_name("NAME|PATH"),
     "load, verify and attach a policy; if one is attached, swap it in atomically")
    ("verify", po::value<std::string>()->value_name("NAME|PATH"),
     "load and verify a policy against the running kernel without attaching it")
    ("detach", "detach the attached policy; the module's built-in behaviour answers again")
    ("list", "list the policies found, the attached one marked with *")
    ("status", "module, attached policy, link/map/program ids, counters, policy statistics")
    ("restore", "attach the policy named in the config file (what boot runs)")
    ("rollback", "exchange the attached and the previous policy with one atomic link update")
    ("load-module", "load bpf_testmod (modprobe), or say in one line why the kernel refuses it")
    ("sign", po::value<std::string>()->value_name("NAME|PATH"),
     "sign a policy: write PATH.sig, which the module checks against the kernel's keys")
    ("foreground", "attach without pinning, trigger the module every --interval seconds, "
                   "detach on Ctrl-C; SIGHUP re-reads the config file and swaps")
    ("help,h", "show this help")
    ("version", "show the version");
  po::options_description opts("Options", 100, 50);
  opts.add_options()
    ("set", po::value<std::vector<std::string>>()->value_name("KEY=VALUE")->composing(),
     "set a policy knob before loading (repeatable)")
    ("save", "with --policy: record the policy and its --set values in the config file")
    ("config", po::value<std::string>()->value_name("FILE"),
     ("config file (default " + default_config + ")").c_str())
    ("json", "with --status: print JSON")
    ("format", po::value<std::string>()->value_name("FMT"),
     "with --status: text (default), json, or prometheus (text exposition format)")
    ("interval", po::value<std::string>()->value_name("SECS"),
     "with --foreground: seconds between triggers (default 2)")
    ("probation", po::value<std::string>()->value_name("SECS"),
     "with --policy: hold the new policy on probation; roll back if --check fails, the link "
     "is detached, or on SIGINT/SIGTERM")
    ("check", po::value<std::string>()->value_name("CMD"),
     "with --probation: run CMD (/bin/sh -c) every --check-interval and at the end; "
     "non-zero exit or a timeout rolls back")
    ("check-interval", po::value<std::string>()->value_name("SECS"),
     "with --check: seconds between checks (default 1); a check gets as long, at least 1 s")
    ("key", po::value<std::string>()->value_name("FILE"),
     "with --sign: the private key (PEM; default: DKMS's, as its framework.conf names it)")
    ("cert", po::value<std::string>()->value_name("FILE"),
     "with --sign: the key's certificate (PEM or DER; default: DKMS's)")
    ("verbose,v", "libbpf debug output and the full verifier log");
  // clang-format on
  po::options_description all;
  all.add(actions).add(opts);
  return all;
}

Error usage(const std::string& message) {
  return make_error(ErrorKind::usage, message);
}

// Strict positive decimal seconds ("2", "0.5"); no exponent, no sign.
bool parse_interval(const std::string& text, double* out) {
  if (text.empty() || text.find_first_not_of("0123456789.") != std::string::npos)
    return false;
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (*end != '\0' || !std::isfinite(v) || v <= 0 || v > 86400)
    return false;
  *out = v;
  return true;
}

// The command line into vm; anything it does not know is a usage error.
Result<void> parse_command_line(int argc, const char* const argv[],
                                const po::options_description& desc, po::variables_map* vm) {
  try {
    po::parsed_options parsed =
        po::command_line_parser(argc, argv)
            .options(desc)
            .style(po::command_line_style::default_style & ~po::command_line_style::allow_guessing)
            .allow_unregistered()
            .run();
    for (const std::string& arg :
         po::collect_unrecognized(parsed.options, po::include_positional)) {
      if (!arg.empty() && arg[0] == '-')
        return usage("unknown option '" + arg + "'");
      return usage("unexpected argument '" + arg + "'");
    }
    po::store(parsed, *vm);
    po::notify(*vm);
  } catch (const po::error& e) {
    return usage(e.what());
  }
  return {};
}

// The actions, as the command line names them; takes_policy: its value
// is the policy (Options::policy).
struct ActionOption {
  const char* name;
  Action action;
  bool takes_policy;
};
constexpr ActionOption kActions[] = {
    {"policy", Action::attach, true},      {"verify", Action::verify, true},
    {"detach", Action::detach, false},     {"list", Action::list, false},
    {"status", Action::status, false},     {"restore", Action::restore, false},
    {"rollback", Action::rollback, false}, {"load-module", Action::load_module, false},
    {"sign", Action::sign, true},          {"foreground", Action::foreground, false},
};

// The one action given, by its option name ("" for none); o->action and
// o->policy set from it.  No action leaves Action::help: the option rules
// then say what a stray --save or --json would need.
Result<std::string> choose_action(const po::variables_map& vm, Options* o) {
  std::vector<std::string> chosen;
  for (const ActionOption& a : kActions)
    if (vm.count(a.name) && std::string(a.name) != "foreground")
      chosen.push_back(a.name);
  // --foreground takes its policy from --policy, so that pair is one action.
  if (vm.count("foreground")) {
    if (vm.count("policy"))
      chosen.erase(chosen.begin());
    chosen.insert(chosen.begin(), "foreground");
  }
  if (chosen.size() > 1)
    return usage("--" + chosen[0] + " and --" + chosen[1] + " cannot be combined");
  if (chosen.empty())
    return std::string();
  for (const ActionOption& a : kActions) {
    if (chosen[0] != a.name)
      continue;
    o->action = a.action;
    if (a.takes_policy)
      o->policy = vm[a.name].as<std::string>();
  }
  if (o->action == Action::foreground && vm.count("policy"))
    o->policy = vm["policy"].as<std::string>();
  if ((o->action == Action::attach || o->action == Action::verify || o->action == Action::sign) &&
      o->policy.empty())
    return usage("--" + chosen[0] + " needs a policy name or path");
  return chosen[0];
}

// --set, --save, --key and --cert: what goes with a policy.
Result<void> apply_policy_options(const po::variables_map& vm, Options* o) {
  if (vm.count("set")) {
    if (o->action != Action::attach && o->action != Action::verify &&
        o->action != Action::foreground)
      return usage("--set applies to --policy, --verify and --foreground only");
    o->sets = vm["set"].as<std::vector<std::string>>();
  }
  if (vm.count("save")) {
    if (o->action != Action::attach)
      return usage("--save needs --policy (and not --foreground): it records the policy attached");
    o->save = true;
  }
  for (const char* name : {"key", "cert"}) {
    if (!vm.count(name))
      continue;
    if (o->action != Action::sign)
      return usage(std::string("--") + name + " applies to --sign only");
    (name[0] == 'k' ? o->key_path : o->cert_path) = vm[name].as<std::string>();
    if (vm[name].as<std::string>().empty())
      return usage(std::string("--") + name + " needs a file name");
  }
  return {};
}

// --json and --format: how --status prints.
Result<void> apply_status_options(const po::variables_map& vm, Options* o) {
  if (vm.count("json")) {
    if (o->action != Action::status)
      return usage("--json applies to --status only");
    o->json = true;
  }
  if (vm.count("format")) {
    const std::string f = vm["format"].as<std::string>();
    if (o->action != Action::status)
      return usage("--format applies to --status only");
    if (f != "text" && f != "json" && f != "prometheus")
      return usage("--format wants text, json or prometheus, not '" + f + "'");
    if (o->json && f != "json")
      return usage("--json and --format=" + f + " cannot be combined");
    o->json = f == "json";
    o->prometheus = f == "prometheus";
  }
  return {};
}

// The value of a seconds option (parse_interval) into *out, if given.
Result<void> seconds_option(const po::variables_map& vm, const std::string& name, double* out) {
  if (!vm.count(name))
    return {};
  const std::string text = vm[name].as<std::string>();
  if (!parse_interval(text, out))
    return usage("--" + name + " wants a positive number of seconds (at most 86400), not '" + text +
                 "'");
  return {};
}

// --interval, --probation, --check and --check-interval: the timed modes.
Result<void> apply_timing_options(const po::variables_map& vm, Options* o) {
  if (vm.count("interval") && o->action != Action::foreground)
    return usage("--interval applies to --foreground only");
  if (auto r = seconds_option(vm, "interval", &o->interval_s); !r)
    return r;
  if (vm.count("probation") && o->action != Action::attach)
    return usage(
        "--probation needs --policy (and not --foreground): it tries the policy "
        "--policy attaches");
  if (auto r = seconds_option(vm, "probation", &o->probation_s); !r)
    return r;
  if (vm.count("check")) {
    if (!vm.count("probation"))
      return usage("--check applies to --policy --probation only");
    o->check = vm["check"].as<std::string>();
    if (o->check.find_first_not_of(" \t") == std::string::npos)
      return usage("--check needs a command");
  }
  if (vm.count("check-interval") && !vm.count("check"))
    return usage("--check-interval applies to --check only");
  return seconds_option(vm, "check-interval", &o->check_interval_s);
}

// --config: which commands read or write the config file.
Result<void> apply_config_option(const po::variables_map& vm, bool any_action, Options* o) {
  if (!vm.count("config") || !any_action)
    return {};
  // The config file is read by --restore, --foreground (SIGHUP) and
  // --status (to show the configured policy), written by --save.
  bool uses_config = o->action == Action::restore || o->action == Action::foreground ||
                     o->action == Action::status || o->save;
  if (!uses_config)
    return usage("--config applies to --restore, --foreground, --status and --policy --save only");
  o->config_path = vm["config"].as<std::string>();
  if (o->config_path.empty())
    return usage("--config needs a file name");
  return {};
}

}  // namespace

std::string usage_text(const std::string& default_config) {
  std::ostringstream out;
  out << "Usage: structops-load --policy NAME|PATH [--set KEY=VALUE]... [--save]\n"
         "                      [--probation SECS [--check CMD] [--check-interval SECS]]\n"
         "       structops-load --rollback\n"
         "       structops-load --verify NAME|PATH [--set KEY=VALUE]...\n"
         "       structops-load --detach | --list | --status [--json|--format=FMT] | --restore\n"
         "       structops-load --load-module\n"
         "       structops-load --sign NAME|PATH [--key FILE] [--cert FILE]\n"
         "       structops-load --foreground [--policy NAME|PATH] [--interval SECS]\n"
         "\n"
         "Attach, hot-swap and inspect bpf_testmod_ops policies (BPF struct_ops).\n"
      << describe(default_config)
      << "\n"
         "A policy NAME is looked up as NAME.bpf.o in $STRUCTOPS_POLICY_PATH (colon-separated),\n"
         "then /etc/structops/policies, then /usr/lib/structops/policies; a value containing '/'\n"
         "or ending in .bpf.o is a file.  The attached policy stays attached after exit, pinned "
         "at\n"
         "/sys/fs/bpf/structops/link.\n"
         "\n"
         "Exit status: 0 success, 64 usage error, 65 invalid policy or verifier rejection,\n"
         "69 module or kernel support unavailable (--rollback: no previous policy),\n"
         "75 lost a concurrent swap (retry), 77 not permitted, 78 Secure Boot or lockdown\n"
         "refused the module (enrol its signing key), 1 other failure,\n"
         "3 probation failed and was rolled back.\n";
  return out.str();
}

Result<Options> parse_options(int argc, const char* const argv[],
                              const std::string& default_config) {
  po::variables_map vm;
  if (auto r = parse_command_line(argc, argv, describe(default_config), &vm); !r)
    return std::move(r).error();

  Options o;
  o.verbose = vm.count("verbose") > 0;
  if (vm.count("help")) {
    o.action = Action::help;
    return o;
  }
  if (vm.count("version")) {
    o.action = Action::version;
    return o;
  }
  auto action = choose_action(vm, &o);
  if (!action)
    return std::move(action).error();
  o.config_path = default_config;
  for (auto apply : {apply_policy_options, apply_status_options, apply_timing_options})
    if (auto r = apply(vm, &o); !r)
      return std::move(r).error();
  if (auto r = apply_config_option(vm, !action->empty(), &o); !r)
    return std::move(r).error();
  if (action->empty())
    return usage(
        "nothing to do: give one of --policy, --verify, --detach, --list, --status, "
        "--restore, --rollback, --foreground, --sign (see --help)");
  return o;
}

}  // namespace structops
