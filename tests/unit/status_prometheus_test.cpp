#include "status_prometheus.hpp"

#include <gtest/gtest.h>

namespace structops {
namespace {

// Like status_test.cpp's attached_report(), on purpose not shared: each
// file pins its own format's whole output, written for these values.
StatusReport attached_report() {
  StatusReport r;
  r.module_loaded = true;
  r.counters = parse_status(
      "policy: stats\ntriggers: 12\nno_policy_triggers: 3\nlast_policy: stats\n"
      "last_test_1: not called\nlast_test_2: -5\nlast_builtin: test_2\nbench_op: test_1\n");
  r.policy = "stats";
  r.pinned = true;
  StatVar calls;
  calls.name = "calls_test_1";
  calls.values = {"7"};
  StatVar hist;
  hist.name = "len_log2";
  hist.shape = StatVar::Shape::array;
  hist.values = {"0", "1"};
  StatVar text;
  text.name = "label";
  text.shape = StatVar::Shape::text;
  text.values = {"hi"};
  r.statistics = {calls, hist, text};
  StatVar flag;
  flag.name = "enabled";
  flag.values = {"true"};
  r.knobs = {flag};
  r.config_path = "/etc/structops/structops.conf";
  r.configured_policy = "stats";
  return r;
}

TEST(StatusPrometheus, AttachedPolicyWithCountersStatisticsAndKnobs) {
  EXPECT_EQ(format_status_prometheus(attached_report()),
            "# HELP structops_module_loaded 1 if the bpf_testmod module is loaded.\n"
            "# TYPE structops_module_loaded gauge\n"
            "structops_module_loaded 1\n"
            "# HELP structops_policy_attached 1 if a struct_ops policy is attached.\n"
            "# TYPE structops_policy_attached gauge\n"
            "structops_policy_attached 1\n"
            "# HELP structops_policy_info The attached policy, by name; always 1.\n"
            "# TYPE structops_policy_info gauge\n"
            "structops_policy_info{policy=\"stats\",pinned=\"true\"} 1\n"
            "# HELP structops_configured_policy_info The policy structops-load --restore "
            "attaches; always 1.\n"
            "# TYPE structops_configured_policy_info gauge\n"
            "structops_configured_policy_info{policy=\"stats\","
            "config=\"/etc/structops/structops.conf\"} 1\n"
            "# HELP structops_module_triggers_total bpf_testmod's triggers "
            "(/proc/bpf_testmod_status).\n"
            "# TYPE structops_module_triggers_total counter\n"
            "structops_module_triggers_total 12\n"
            "# HELP structops_module_no_policy_triggers_total bpf_testmod's no_policy_triggers "
            "(/proc/bpf_testmod_status).\n"
            "# TYPE structops_module_no_policy_triggers_total counter\n"
            "structops_module_no_policy_triggers_total 3\n"
            "# HELP structops_module_last_test_2 bpf_testmod's last_test_2 "
            "(/proc/bpf_testmod_status).\n"
            "# TYPE structops_module_last_test_2 gauge\n"
            "structops_module_last_test_2 -5\n"
            "# HELP structops_policy_statistic A global of the attached policy's .bss/.data.\n"
            "# TYPE structops_policy_statistic gauge\n"
            "structops_policy_statistic{policy=\"stats\",name=\"calls_test_1\"} 7\n"
            "structops_policy_statistic{policy=\"stats\",name=\"len_log2\",index=\"0\"} 0\n"
            "structops_policy_statistic{policy=\"stats\",name=\"len_log2\",index=\"1\"} 1\n"
            "# HELP structops_policy_knob A load-time knob (.rodata) of the attached policy.\n"
            "# TYPE structops_policy_knob gauge\n"
            "structops_policy_knob{policy=\"stats\",name=\"enabled\"} 1\n"
            "# HELP structops_status_notes How many parts of the status could not be read "
            "(see structops-load --status).\n"
            "# TYPE structops_status_notes gauge\n"
            "structops_status_notes 0\n");
}

TEST(StatusPrometheus, NoModuleSaysSoWithoutPolicySeries) {
  StatusReport r;
  r.notes = {"cannot read /proc/bpf_testmod_status"};
  const std::string out = format_status_prometheus(r);
  EXPECT_NE(out.find("structops_module_loaded 0\n"), std::string::npos) << out;
  EXPECT_NE(out.find("structops_policy_attached 0\n"), std::string::npos) << out;
  EXPECT_EQ(out.find("structops_policy_info"), std::string::npos) << out;
  EXPECT_NE(out.find("structops_status_notes 1\n"), std::string::npos) << out;
}

TEST(StatusPrometheus, LabelValuesAreEscaped) {
  EXPECT_EQ(prometheus_label_value("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
  StatusReport r;
  r.module_loaded = true;
  r.policy = "we\"ird";
  EXPECT_NE(format_status_prometheus(r).find("structops_policy_info{policy=\"we\\\"ird\","),
            std::string::npos);
}

}  // namespace
}  // namespace structops
