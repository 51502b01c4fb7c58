#include "status.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace structops {
namespace {

StatusReport attached_report() {
  StatusReport r;
  r.module_loaded = true;
  r.module_signer = "DKMS module signing key";
  r.secure_boot = "enabled";
  r.lockdown = "integrity";
  r.counters = parse_status(
      "policy: stats\ntriggers: 12\nlast_policy: stats\nlast_test_1: not called\n"
      "last_test_2: -5\nlast_test_3: not called\nlast_builtin: none\nbench_op: test_1\n");
  r.policy = "stats";
  r.pin_path = "/sys/fs/bpf/structops/link";
  r.pin_state = "active";
  r.link_id = 12;
  r.map_id = 34;
  r.pinned = true;
  r.prog_ids = {56, 57};
  StatVar calls;
  calls.name = "calls_test_1";
  calls.type = "u64";
  calls.values = {"7"};
  StatVar hist;
  hist.name = "len_log2";
  hist.type = "u64[3]";
  hist.shape = StatVar::Shape::array;
  hist.values = {"0", "1", "2"};
  StatVar label;
  label.name = "label";
  label.type = "char[8]";
  label.shape = StatVar::Shape::text;
  label.values = {"say \"hi\""};
  r.statistics = {calls, hist, label};
  StatVar flag;
  flag.name = "enabled";
  flag.type = "bool";
  flag.values = {"true"};
  r.knobs = {flag};
  r.config_path = "/etc/structops/structops.conf";
  r.configured_policy = "stats";
  return r;
}

TEST(StatusJson, BuiltinAnswersAreAListOfCallbacks) {
  StatusReport r = attached_report();
  r.counters = parse_status("last_builtin: test_2 test_3\n");
  const auto j = nlohmann::json::parse(format_status_json(r));
  EXPECT_EQ(j["module"]["counters"]["last_builtin"], nlohmann::json::array({"test_2", "test_3"}));
}

TEST(StatusJson, FullReport) {
  EXPECT_EQ(
      format_status_json(attached_report()),
      R"({"module":{"name":"bpf_testmod","loaded":true,)"
      R"("signer":"DKMS module signing key","counters":{"policy":"stats",)"
      R"("triggers":12,"last_policy":"stats","last_test_1":null,"last_test_2":-5,)"
      R"("last_test_3":null,"last_builtin":[],"bench_op":"test_1"}},)"
      R"("secure_boot":"enabled","lockdown":"integrity","policy":"stats","link":{"id":12,"map_id":34,"prog_ids":[56,57],"pinned":true},)"
      R"("pin":{"path":"/sys/fs/bpf/structops/link","state":"active"},)"
      R"("previous":null,"probation":null,)"
      R"("signatures":{"required":null,"pinned_signer":null,"policy":null,"previous":null},)"
      R"("statistics":{"calls_test_1":7,"len_log2":[0,1,2],"label":"say \"hi\""},)"
      R"("knobs":{"enabled":true},)"
      R"("config":{"path":"/etc/structops/structops.conf","policy":"stats"},"notes":[]})"
      "\n");
}

TEST(StatusJson, NothingKnownIsNullsNotMissingKeys) {
  StatusReport r;
  r.pin_path = "/p";
  r.config_path = "/c";
  r.notes = {"cannot read \"x\"\n"};
  EXPECT_EQ(format_status_json(r),
            R"({"module":{"name":"bpf_testmod","loaded":false,"signer":null,"counters":null},)"
            R"("secure_boot":null,"lockdown":null,"policy":null,)"
            R"("link":null,"pin":{"path":"/p","state":"unknown"},"previous":null,)"
            R"("probation":null,)"
            R"("signatures":{"required":null,"pinned_signer":null,"policy":null,"previous":null},)"
            R"("statistics":{},"knobs":{},)"
            R"("config":{"path":"/c","policy":null},"notes":["cannot read \"x\"\n"]})"
            "\n");
}

TEST(StatusJson, StalePinCarriesItsReason) {
  StatusReport r;
  r.pin_path = "/p";
  r.pin_state = "stale";
  r.stale_reason = "link 3 is detached";
  EXPECT_NE(format_status_json(r).find(
                R"("pin":{"path":"/p","state":"stale","reason":"link 3 is detached"})"),
            std::string::npos);
}

// The StatusJson cases repeat one shape on purpose: one state per named
// test, each asserting its own JSON fragment.
TEST(StatusJson, PreviousPolicyAndRunningProbation) {
  StatusReport r = attached_report();
  r.previous_state = "ready";
  r.previous_name = "default";
  r.previous_map_id = 77;
  r.probation = ProbationRecord{4242, "stats", 1764633600, "curl -sf localhost"};
  r.probation_running = true;
  EXPECT_NE(format_status_json(r).find(
                R"("previous":{"state":"ready","name":"default","map_id":77},)"
                R"("probation":{"pid":4242,"policy":"stats","deadline":1764633600,)"
                R"("check":"curl -sf localhost","running":true})"),
            std::string::npos)
      << format_status_json(r);
}

TEST(StatusJson, StalePreviousCarriesItsReason) {
  StatusReport r;
  r.previous_state = "stale";
  r.previous_reason = "map 9 is not a struct_ops map";
  EXPECT_NE(format_status_json(r).find(
                R"("previous":{"state":"stale","reason":"map 9 is not a struct_ops map"})"),
            std::string::npos);
}

TEST(StatusText, ShowsThePreviousPolicyAndAKilledProbation) {
  StatusReport r = attached_report();
  r.previous_state = "ready";
  r.previous_name = "default";
  r.previous_map_id = 77;
  r.probation = ProbationRecord{4242, "stats", 1764633600, ""};
  r.probation_running = false;
  std::string t = format_status_text(r);
  EXPECT_NE(t.find("previous:   'default' (map 77, ready"), std::string::npos) << t;
  EXPECT_NE(t.find("probation:  interrupted: pid 4242 is gone"), std::string::npos) << t;
  EXPECT_NE(t.find("'stats' stays attached"), std::string::npos) << t;
  r.probation_running = true;
  t = format_status_text(r);
  EXPECT_NE(t.find("probation:  'stats' until 2025-12-02 00:00:00 UTC (pid 4242)"),
            std::string::npos)
      << t;
}

TEST(StatusText, SaysWhetherSignaturesAreRequiredAndWhoSigned) {
  StatusReport r = attached_report();
  std::string t = format_status_text(r);
  EXPECT_EQ(t.find("signatures:"), std::string::npos) << t;  // module not loaded
  r.signatures_required = false;
  r.policy_signed_by = "";
  t = format_status_text(r);
  EXPECT_NE(t.find("signatures: not required\n"), std::string::npos) << t;
  EXPECT_NE(t.find("signed:     'stats' no (no trusted signature covers it)\n"), std::string::npos)
      << t;
  r.signatures_required = true;
  r.policy_signer_pin = "ab12";
  r.policy_signed_by = "ab12";
  r.previous_state = "ready";
  r.previous_name = "default";
  r.previous_signed_by = "";
  t = format_status_text(r);
  EXPECT_NE(t.find("signatures: required (only key ab12)\n"), std::string::npos) << t;
  EXPECT_NE(t.find("signed:     'stats' by key ab12\n"), std::string::npos) << t;
  EXPECT_NE(t.find("signed:     'default' no (no trusted signature covers it; loaded before "
                   "enforcement)\n"),
            std::string::npos)
      << t;
}

TEST(StatusJson, SignaturesSayRequiredPinAndSigners) {
  StatusReport r = attached_report();
  r.signatures_required = true;
  r.policy_signed_by.emplace("ab12");
  r.previous_signed_by.emplace();
  EXPECT_NE(format_status_json(r).find(
                R"("signatures":{"required":true,"pinned_signer":null,)"
                R"("policy":{"signed":true,"signer":"ab12"},)"
                R"("previous":{"signed":false,"signer":null}})"),
            std::string::npos)
      << format_status_json(r);
}

TEST(StatusText, NoPreviousSaysNone) {
  StatusReport r;
  r.previous_state = "absent";
  EXPECT_NE(format_status_text(r).find("previous:   none\n"), std::string::npos);
  r.previous_state = "unknown";  // unprivileged: not shown at all
  EXPECT_EQ(format_status_text(r).find("previous:"), std::string::npos);
}

TEST(StatusJson, ParsesBackWithTypedValues) {
  nlohmann::json j = nlohmann::json::parse(format_status_json(attached_report()));
  EXPECT_EQ(j["module"]["counters"]["triggers"], 12);
  EXPECT_EQ(j["module"]["counters"]["last_test_2"], -5);
  EXPECT_EQ(j["module"]["counters"]["bench_op"], "test_1");
  EXPECT_EQ(j["policy"], "stats");
  EXPECT_EQ(j["link"]["prog_ids"], nlohmann::json::array({56, 57}));
  EXPECT_EQ(j["statistics"]["len_log2"], nlohmann::json::array({0, 1, 2}));
  EXPECT_EQ(j["statistics"]["label"], "say \"hi\"");
  EXPECT_EQ(j["knobs"]["enabled"], true);
}

TEST(StatusJson, IntegersOnlyWhenPlain) {
  StatusReport r;
  r.counters = parse_status(
      "a: 0\nb: 007\nc: -0\nd: 1.5\ne: 18446744073709551615\nf: 18446744073709551616\n"
      "g: -9223372036854775808\nh: -\ni: +1\n");
  nlohmann::json c = nlohmann::json::parse(format_status_json(r))["module"]["counters"];
  EXPECT_EQ(c["a"], 0);
  EXPECT_EQ(c["b"], "007");
  EXPECT_EQ(c["c"], 0);
  EXPECT_EQ(c["d"], "1.5");
  EXPECT_EQ(c["e"], 18446744073709551615ull);
  EXPECT_EQ(c["f"], "18446744073709551616");  // past u64: kept as text, not rounded
  EXPECT_EQ(c["g"], INT64_MIN);
  EXPECT_EQ(c["h"], "-");
  EXPECT_EQ(c["i"], "+1");
}

TEST(StatusJson, InvalidUtf8BecomesReplacementCharacter) {
  StatusReport r;
  r.policy = "caf\xc3\xa9 \xff";
  r.notes = {std::string("nul\0byte", 8)};
  std::string out = format_status_json(r);
  EXPECT_NE(out.find("\"policy\":\"caf\xc3\xa9 \xef\xbf\xbd\""), std::string::npos) << out;
  EXPECT_NE(out.find(R"("nul\u0000byte")"), std::string::npos) << out;
  EXPECT_TRUE(nlohmann::json::accept(out)) << out;
}

TEST(StatusText, ShowsPolicyLinkCountersAndStatistics) {
  std::string t = format_status_text(attached_report());
  EXPECT_NE(t.find("module:     bpf_testmod loaded\n"), std::string::npos) << t;
  EXPECT_NE(t.find("policy:     stats\n"), std::string::npos) << t;
  EXPECT_NE(t.find("attached:   link 12, map 34, programs 56 57 (pinned)\n"), std::string::npos)
      << t;
  EXPECT_NE(t.find("  triggers: 12\n"), std::string::npos) << t;
  EXPECT_NE(t.find("statistics of 'stats':\n  calls_test_1 = 7\n  len_log2 = [0, 1, 2]\n"),
            std::string::npos)
      << t;
  EXPECT_NE(t.find("knobs of 'stats':\n  enabled = true\n"), std::string::npos) << t;
  EXPECT_NE(t.find("configured: stats (/etc/structops/structops.conf)\n"), std::string::npos) << t;
}

TEST(StatusText, ShowsTheSignerAndTheMachinesTrustState) {
  std::string t = format_status_text(attached_report());
  EXPECT_NE(t.find("signer:     'DKMS module signing key'\n"), std::string::npos) << t;
  EXPECT_NE(t.find("security:   Secure Boot enabled, lockdown integrity\n"), std::string::npos)
      << t;
  StatusReport r;
  t = format_status_text(r);
  EXPECT_NE(t.find("signer:     unknown (no module file found)\n"), std::string::npos) << t;
  EXPECT_NE(t.find("security:   Secure Boot unknown, lockdown unknown\n"), std::string::npos) << t;
  r.module_signer = "";
  EXPECT_NE(format_status_text(r).find("signer:     none (the module is not signed)\n"),
            std::string::npos);
}

TEST(StatusJson, CarriesSecureBootLockdownAndSigner) {
  nlohmann::json j = nlohmann::json::parse(format_status_json(attached_report()));
  EXPECT_EQ(j["secure_boot"], "enabled");
  EXPECT_EQ(j["lockdown"], "integrity");
  EXPECT_EQ(j["module"]["signer"], "DKMS module signing key");
  StatusReport r;
  r.module_signer = "";
  j = nlohmann::json::parse(format_status_json(r));
  EXPECT_TRUE(j["secure_boot"].is_null());
  EXPECT_EQ(j["module"]["signer"], "");
}

TEST(StatusText, UnprivilegedReportSaysWhatItCouldNotRead) {
  StatusReport r;
  r.module_loaded = true;
  r.pin_path = "/sys/fs/bpf/structops/link";
  r.config_path = "/c";
  r.notes = {"the link needs root"};
  std::string t = format_status_text(r);
  EXPECT_NE(t.find("policy:     none\n"), std::string::npos) << t;
  EXPECT_NE(t.find("pin:        /sys/fs/bpf/structops/link: unknown\n"), std::string::npos) << t;
  EXPECT_NE(t.find("note: the link needs root\n"), std::string::npos) << t;
  EXPECT_EQ(t.find("attached:"), std::string::npos) << t;
}

}  // namespace
}  // namespace structops
