#include "case_work.h"

#include <algorithm>

namespace memhp {
namespace {

double work_of_size(int s) { return 1.0 + s / 2.0; }

// The work of sizes 0 .. n-1, one case each.
double first_sizes(int n) { return n + n * (n - 1.0) / 4.0; }

}  // namespace

CaseWork::CaseWork(int cases, int max_size)
    : cases_(std::max(cases, 0)), sizes_(std::max(max_size, 0) + 1), regular_(cases_ / sizes_ * sizes_) {
  rest_.assign(1, 0.0);
  for (int i = regular_; i < cases_; ++i) rest_.push_back(rest_.back() + work_of_size(size(i)));
}

int CaseWork::size(int i) const {
  if (i < regular_) return i % sizes_;
  const int rest = cases_ - regular_;
  // The leftover cases reach the largest size too: the last of them gets it.
  return rest == 1 ? 0 : (i - regular_) * (sizes_ - 1) / (rest - 1);
}

double CaseWork::done(int k) const {
  k = std::clamp(k, 0, cases_);
  const int whole = std::min(k, regular_);
  const double cycles = whole / sizes_ * first_sizes(sizes_) + first_sizes(whole % sizes_);
  return cycles + rest_[static_cast<std::size_t>(k - whole)];
}

double CaseWork::remaining_ratio(int k) const {
  if (k <= 0 || k >= cases_) return 0.0;
  return (done(cases_) - done(k)) / done(k);
}

}  // namespace memhp
