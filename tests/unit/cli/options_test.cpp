#include "cli/options.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace structops {
namespace {

const std::string kDefaultConfig = "/etc/structops/structops.conf";

Result<Options> parse(std::vector<const char*> args) {
  args.insert(args.begin(), "structops-load");
  return parse_options(static_cast<int>(args.size()), args.data(), kDefaultConfig);
}

// The usage error's message, or a marker when parsing succeeded.
std::string usage_error(std::vector<const char*> args) {
  auto r = parse(std::move(args));
  if (r)
    return "<parsed>";
  EXPECT_EQ(r.error().kind, ErrorKind::usage);
  return r.error().message;
}

TEST(Options, PolicyWithRepeatedSetsKeepsTheirOrder) {
  auto r = parse({"--policy", "scale", "--set", "multiplier=3", "--set", "offset=-1", "-v"});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->action, Action::attach);
  EXPECT_EQ(r->policy, "scale");
  EXPECT_EQ(r->sets, (std::vector<std::string>{"multiplier=3", "offset=-1"}));
  EXPECT_TRUE(r->verbose);
  EXPECT_FALSE(r->save);
  EXPECT_EQ(r->config_path, kDefaultConfig);
}

TEST(Options, EqualsSignFormIsAccepted) {
  auto r = parse({"--verify=/tmp/x.bpf.o", "--set=a=1"});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->action, Action::verify);
  EXPECT_EQ(r->policy, "/tmp/x.bpf.o");
  EXPECT_EQ(r->sets, std::vector<std::string>{"a=1"});
}

TEST(Options, EachActionParsesAlone) {
  EXPECT_EQ(parse({"--detach"})->action, Action::detach);
  EXPECT_EQ(parse({"--list"})->action, Action::list);
  EXPECT_EQ(parse({"--status"})->action, Action::status);
  EXPECT_EQ(parse({"--restore"})->action, Action::restore);
  EXPECT_EQ(parse({"--foreground"})->action, Action::foreground);
  EXPECT_EQ(parse({"--help"})->action, Action::help);
  EXPECT_EQ(parse({"-h"})->action, Action::help);
  EXPECT_EQ(parse({"--version"})->action, Action::version);
}

TEST(Options, HelpWinsOverOtherOptions) {
  EXPECT_EQ(parse({"--policy", "x", "--detach", "--help"})->action, Action::help);
}

TEST(Options, ForegroundTakesItsPolicyFromPolicy) {
  auto r = parse({"--foreground", "--policy", "default", "--interval", "0.5", "--set", "k=1"});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->action, Action::foreground);
  EXPECT_EQ(r->policy, "default");
  EXPECT_DOUBLE_EQ(r->interval_s, 0.5);
  EXPECT_EQ(r->sets, std::vector<std::string>{"k=1"});
}

TEST(Options, ForegroundDefaultsToTwoSecondsAndNoPolicy) {
  auto r = parse({"--foreground"});
  ASSERT_TRUE(r);
  EXPECT_DOUBLE_EQ(r->interval_s, 2.0);
  EXPECT_TRUE(r->policy.empty());
}

TEST(Options, NothingToDoIsAUsageError) {
  EXPECT_NE(usage_error({}).find("nothing to do"), std::string::npos);
  EXPECT_NE(usage_error({"-v"}).find("nothing to do"), std::string::npos);
}

TEST(Options, TwoActionsCannotBeCombined) {
  EXPECT_EQ(usage_error({"--policy", "a", "--detach"}), "--policy and --detach cannot be combined");
  EXPECT_EQ(usage_error({"--list", "--status"}), "--list and --status cannot be combined");
  EXPECT_EQ(usage_error({"--foreground", "--restore"}),
            "--foreground and --restore cannot be combined");
  EXPECT_EQ(usage_error({"--verify", "a", "--policy", "b"}),
            "--policy and --verify cannot be combined");
}

TEST(Options, SaveNeedsPolicy) {
  EXPECT_NE(usage_error({"--save"}).find("--save needs --policy"), std::string::npos);
  EXPECT_NE(usage_error({"--verify", "a", "--save"}).find("--save needs --policy"),
            std::string::npos);
  EXPECT_NE(usage_error({"--foreground", "--policy", "a", "--save"}).find("--save needs"),
            std::string::npos);
  auto r = parse({"--policy", "a", "--save"});
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->save);
}

TEST(Options, JsonOnlyWithStatus) {
  EXPECT_EQ(usage_error({"--list", "--json"}), "--json applies to --status only");
  auto r = parse({"--status", "--json"});
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->json);
}

TEST(Options, FormatPrometheusOnlyWithStatus) {
  auto r = parse({"--status", "--format=prometheus"});
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->prometheus);
  EXPECT_FALSE(r->json);
  auto j = parse({"--status", "--format", "json"});
  ASSERT_TRUE(j);
  EXPECT_TRUE(j->json);
  EXPECT_EQ(usage_error({"--list", "--format=prometheus"}), "--format applies to --status only");
  EXPECT_EQ(usage_error({"--status", "--format=xml"}),
            "--format wants text, json or prometheus, not 'xml'");
  EXPECT_EQ(usage_error({"--status", "--json", "--format=prometheus"}),
            "--json and --format=prometheus cannot be combined");
}

TEST(Options, IntervalOnlyWithForegroundAndPositive) {
  EXPECT_EQ(usage_error({"--status", "--interval", "1"}),
            "--interval applies to --foreground only");
  for (const char* bad : {"0", "-1", "abc", "1e3", "", "100000", "1.2.3"})
    EXPECT_NE(usage_error({"--foreground", "--interval", bad}).find("--interval wants"),
              std::string::npos)
        << bad;
}

TEST(Options, SetOnlyWhereAPolicyIsLoaded) {
  EXPECT_EQ(usage_error({"--detach", "--set", "a=1"}),
            "--set applies to --policy, --verify and --foreground only");
  EXPECT_EQ(usage_error({"--set", "a=1"}),
            "--set applies to --policy, --verify and --foreground only");
}

TEST(Options, ConfigOnlyWhereTheConfigIsUsed) {
  auto r = parse({"--restore", "--config", "/tmp/s.conf"});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->config_path, "/tmp/s.conf");
  EXPECT_TRUE(parse({"--status", "--config", "/tmp/s.conf"}));
  EXPECT_TRUE(parse({"--policy", "a", "--save", "--config", "/tmp/s.conf"}));
  EXPECT_TRUE(parse({"--foreground", "--config", "/tmp/s.conf"}));
  EXPECT_NE(usage_error({"--list", "--config", "/tmp/s.conf"}).find("--config applies"),
            std::string::npos);
  EXPECT_NE(usage_error({"--policy", "a", "--config", "/tmp/s.conf"}).find("--config applies"),
            std::string::npos);
}

TEST(Options, UnknownOptionsAndArgumentsAreNamed) {
  EXPECT_EQ(usage_error({"--bogus"}), "unknown option '--bogus'");
  EXPECT_EQ(usage_error({"--status", "extra"}), "unexpected argument 'extra'");
  // No prefix guessing: a script that says --pol means something else.
  EXPECT_EQ(usage_error({"--pol", "x"}), "unknown option '--pol'");
}

TEST(Options, MissingOrRepeatedValuesAreUsageErrors) {
  usage_error({"--policy"});
  usage_error({"--verify"});
  usage_error({"--policy", "a", "--policy", "b"});
  EXPECT_NE(usage_error({"--policy", ""}).find("needs a policy"), std::string::npos);
}

TEST(Options, UsageTextNamesEveryOptionAndExitCode) {
  std::string text = usage_text(kDefaultConfig);
  for (const char* s :
       {"--policy",  "--verify",     "--detach",  "--list",    "--status",
        "--restore", "--foreground", "--set",     "--save",    "--config",
        "--json",    "--interval",   "--verbose", "--version", "64",
        "65",        "69",           "75",        "77",        kDefaultConfig.c_str()})
    EXPECT_NE(text.find(s), std::string::npos) << s;
}

}  // namespace
TEST(Options, RollbackIsAnActionOfItsOwn) {
  auto r = parse({"--rollback"});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->action, Action::rollback);
  EXPECT_NE(usage_error({"--rollback", "--policy", "x"}).find("cannot be combined"),
            std::string::npos);
  EXPECT_NE(usage_error({"--policy", "x", "--rollback"}).find("cannot be combined"),
            std::string::npos);
  EXPECT_NE(usage_error({"--rollback", "--detach"}).find("cannot be combined"), std::string::npos);
  EXPECT_NE(usage_error({"--rollback", "--json"}).find("--json applies"), std::string::npos);
}

TEST(Options, LoadModuleIsAnActionOfItsOwn) {
  auto r = parse({"--load-module"});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->action, Action::load_module);
  EXPECT_NE(usage_error({"--load-module", "--status"}).find("cannot be combined"),
            std::string::npos);
  EXPECT_NE(usage_error({"--load-module", "--set", "a=1"}).find("--set applies"),
            std::string::npos);
}

TEST(Options, SignTakesAPolicyAndOptionallyAKeyPair) {
  auto r = parse({"--sign", "stats"});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->action, Action::sign);
  EXPECT_EQ(r->policy, "stats");
  EXPECT_EQ(r->key_path, "");  // DKMS's, found at run time
  EXPECT_EQ(r->cert_path, "");
  r = parse({"--sign", "./my.bpf.o", "--key", "/k.pem", "--cert", "/c.der"});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->key_path, "/k.pem");
  EXPECT_EQ(r->cert_path, "/c.der");
  EXPECT_EQ(usage_error({"--policy", "stats", "--key", "/k.pem"}), "--key applies to --sign only");
  EXPECT_EQ(usage_error({"--status", "--cert", "/c"}), "--cert applies to --sign only");
  EXPECT_EQ(usage_error({"--sign", "stats", "--key", ""}), "--key needs a file name");
  EXPECT_NE(usage_error({"--sign", "a", "--verify", "a"}).find("cannot be combined"),
            std::string::npos);
}

TEST(Options, ProbationWithCheckAndInterval) {
  auto r = parse({"--policy", "saturate", "--probation", "30", "--check", "curl -sf localhost",
                  "--check-interval", "0.5", "--save"});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->action, Action::attach);
  EXPECT_DOUBLE_EQ(r->probation_s, 30);
  EXPECT_EQ(r->check, "curl -sf localhost");
  EXPECT_DOUBLE_EQ(r->check_interval_s, 0.5);
  EXPECT_TRUE(r->save);
  auto plain = parse({"--policy", "saturate"});
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->probation_s, 0);
  EXPECT_DOUBLE_EQ(plain->check_interval_s, 1.0);
}

TEST(Options, ProbationNeedsPolicy) {
  EXPECT_NE(usage_error({"--probation", "5"}).find("--probation needs --policy"),
            std::string::npos);
  EXPECT_NE(usage_error({"--foreground", "--policy", "x", "--probation", "5"})
                .find("--probation needs --policy"),
            std::string::npos);
  EXPECT_NE(usage_error({"--rollback", "--probation", "5"}).find("--probation needs --policy"),
            std::string::npos);
  EXPECT_NE(usage_error({"--policy", "x", "--check", "true"}).find("--check applies"),
            std::string::npos);
  EXPECT_NE(usage_error({"--policy", "x", "--probation", "5", "--check-interval", "1"})
                .find("--check-interval applies"),
            std::string::npos);
  EXPECT_NE(usage_error({"--policy", "x", "--probation", "5", "--check", " "})
                .find("--check needs a command"),
            std::string::npos);
}

TEST(Options, ProbationSecondsMustBePositiveDecimals) {
  for (const char* bad :
       {"0", "-1", "abc", "", "1e3", "5s", "0.0", "inf", "nan", "86401", "1..2"}) {
    EXPECT_NE(usage_error({"--policy", "x", "--probation", bad}).find("positive number"),
              std::string::npos)
        << bad;
    EXPECT_NE(usage_error(
                  {"--policy", "x", "--probation", "5", "--check", "true", "--check-interval", bad})
                  .find("positive number"),
              std::string::npos)
        << bad;
  }
}

}  // namespace structops
