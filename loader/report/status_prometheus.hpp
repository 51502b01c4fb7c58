// --status --format=prometheus: the status in the Prometheus text
// exposition format (version 0.0.4), for node-exporter's textfile collector
// (data/structops-prometheus.service writes it every minute).
//
// Hand-written: the format is a few lines of text per sample, and Debian
// ships no C++ library for it in bookworm (prometheus-cpp is not packaged);
// the escaping rules are the format's three (backslash, double quote and
// line feed in label values), unit-tested.
#pragma once

#include <string>

#include "report/status.hpp"

namespace structops {

// Series (all prefixed structops_):
//   module_loaded                         1 if bpf_testmod is loaded
//   policy_attached                       1 if a policy is attached
//   policy_info{policy, pinned}           1, for the attached policy
//   configured_policy_info{policy, config}  1, the policy --restore attaches
//   module_<field>_total                  the module's counters (triggers,
//                                         no_policy_triggers, ...)
//   module_<field>                        its other numeric fields (gauges)
//   policy_statistic{policy, name[, index]}  the policy's own statistics
//   policy_knob{policy, name[, index]}       its load-time knobs
//   status_notes                          how many things could not be read
std::string format_status_prometheus(const StatusReport& report);

// v as a label value inside double quotes: \ " and newline escaped.
std::string prometheus_label_value(const std::string& v);

}  // namespace structops
