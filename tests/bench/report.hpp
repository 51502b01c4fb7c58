// The results as the files tests/bench/run keeps: JSON (the record),
// Markdown (the table for people and the README) and gnuplot data.
#pragma once

#include <string>

#include "results.hpp"

namespace structops::bench {

std::string to_json(const Results& r);
std::string to_markdown(const Results& r);
// Figure 1 on its own (the icount boot's output), as JSON and as a table.
std::string dispatch_to_json(const Dispatch& d);
std::string dispatch_markdown(const Dispatch& d, const std::string& title);
// Per swap method, in order, one gnuplot data block: sorted latency (us)
// and cumulative fraction.
std::string latency_plot_data(const Results& r);
// Per swap method, one block: trigger time relative to the typical swap's
// start (ms), the test_1 answer (which policy, or 0 for built-in) and 1 if
// the record was a mixed answer.
std::string gap_plot_data(const Results& r);

}  // namespace structops::bench
