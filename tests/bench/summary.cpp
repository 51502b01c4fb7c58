#include "summary.hpp"

#include <algorithm>
#include <cmath>

namespace structops::bench {

double quantile(const std::vector<double>& sorted, double q) {
  if (sorted.empty())
    return 0;
  // Nearest rank: the smallest sample with at least q of them at or below.
  size_t rank = static_cast<size_t>(std::ceil(q * static_cast<double>(sorted.size())));
  rank = std::clamp<size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

Summary summarize(std::vector<double> samples) {
  Summary s;
  s.n = samples.size();
  if (samples.empty())
    return s;
  std::sort(samples.begin(), samples.end());
  s.min = samples.front();
  s.max = samples.back();
  s.median = quantile(samples, 0.5);
  s.p99 = quantile(samples, 0.99);
  return s;
}

double ratio(double a, double b) {
  return b == 0 ? 0 : a / b;
}

}  // namespace structops::bench
