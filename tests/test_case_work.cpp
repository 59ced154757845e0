// check's ETA (props/case_work.h) weighs each case by the size RapidCheck
// gives it. Those sizes are RapidCheck's, so they are read back from
// RapidCheck itself rather than from the formula under test.
#include <doctest/doctest.h>
#include <rapidcheck.h>

#include <vector>

#include "case_work.h"

using namespace memhp;

namespace {

struct Quiet final : rc::detail::TestListener {
  void onTestCaseFinished(const rc::detail::CaseDescription&) override {}
  void onShrinkTried(const rc::detail::CaseDescription&, bool) override {}
  void onTestFinished(const rc::detail::TestMetadata&, const rc::detail::TestResult&) override {}
};

// The size of each case of a passing run, in order, as RapidCheck passes it.
std::vector<int> rapidcheck_sizes(int cases, int max_size) {
  std::vector<int> sizes;
  rc::detail::TestParams params;
  params.maxSuccess = cases;
  params.maxSize = max_size;
  Quiet quiet;
  rc::detail::checkTestable(
      [&sizes] { sizes.push_back(*rc::gen::withSize([](int s) { return rc::gen::just(s); })); },
      rc::detail::TestMetadata{}, params, quiet);
  return sizes;
}

}  // namespace

TEST_CASE("check ETA: case sizes are the ones RapidCheck gives") {
  // Fewer cases than sizes, exactly one cycle, one left over, several
  // cycles and a remainder, and check's default.
  for (auto [cases, max_size] : {std::pair{1, 10}, {7, 60}, {61, 60}, {62, 60}, {250, 60}, {100, 60}, {1000, 7}}) {
    CAPTURE(cases);
    CAPTURE(max_size);
    const std::vector<int> sizes = rapidcheck_sizes(cases, max_size);
    REQUIRE(sizes.size() == static_cast<std::size_t>(cases));
    const CaseWork w(cases, max_size);
    double work = 0;
    for (int i = 0; i < cases; ++i) {
      CHECK(w.size(i) == sizes[static_cast<std::size_t>(i)]);
      work += 1 + sizes[static_cast<std::size_t>(i)] / 2.0;
      CHECK(w.done(i + 1) == doctest::Approx(work));
    }
  }
}

TEST_CASE("check ETA: the cheap first cases do not promise an early end") {
  // Default run: the first 30 cases are sizes 0 to 29 of 0 to 60, then the
  // whole range again in 39 cases. A mean per case would say 70/30 of the
  // time spent is left; the sizes say more than twice that.
  const CaseWork w(100, 60);
  CHECK(w.remaining_ratio(30) > 2 * 70.0 / 30);
  CHECK(w.remaining_ratio(0) == 0);
  CHECK(w.remaining_ratio(100) == 0);
  // Many cases of few sizes are alike on average: a mean per case is right.
  const CaseWork many(6100, 60);
  CHECK(many.remaining_ratio(610) == doctest::Approx(9.0).epsilon(0.01));
}
