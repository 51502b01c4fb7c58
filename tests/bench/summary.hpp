// Figures from repeated measurements: the median with min and max (one
// sample per round), or percentiles of a latency distribution.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

namespace structops::bench {

struct Summary {
  size_t n = 0;
  double median = 0, min = 0, max = 0;
  double p99 = 0;  // meaningful for distributions (n >= 100)
};

// Nearest-rank percentiles of samples (any order).  n == 0 for none.
Summary summarize(std::vector<double> samples);

// summarize() of every sample list of a figure's table (e.g. op -> target
// -> one sample per round).
template <typename Key>
std::map<Key, std::map<std::string, Summary>> summarize_table(
    const std::map<Key, std::map<std::string, std::vector<double>>>& samples) {
  std::map<Key, std::map<std::string, Summary>> out;
  for (const auto& [key, columns] : samples)
    for (const auto& [column, values] : columns)
      out[key][column] = summarize(values);
  return out;
}

// The q-quantile (0..1) by nearest rank of sorted samples; 0 if empty.
double quantile(const std::vector<double>& sorted, double q);

// a / b, or 0 when b is 0 (a ratio that cannot be formed is reported as
// absent, never as infinity).
double ratio(double a, double b);

}  // namespace structops::bench
