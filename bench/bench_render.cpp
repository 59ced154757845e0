// What a picture costs against the size of the machine: report/picture.h
// claims it follows the number of runs, not pages, so that 63 TiB draws as
// fast as 1 GiB. Each benchmark boots one machine (outside the timing),
// then builds its picture and renders it as SVG and as text.
//
//   ./bench_render --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include "memhp/trace.h"
#include "picture.h"

using namespace memhp;

namespace {

System booted(const std::string& size) {
  auto t = parse_trace("geometry x86_64\nprofile v6.1 memhp_default_state=offline\n"
                       "boot node=0 start=0x100000000 size=" + size + "\n");
  auto s = boot_trace(std::get<Trace>(t));
  return std::get<System>(std::move(s));
}

void BM_Picture(benchmark::State& state, const std::string& size) {
  const System s = booted(size);
  for (auto _ : state) {
    Picture p = picture_of(s, size);
    benchmark::DoNotOptimize(render_svg(p));
    benchmark::DoNotOptimize(render_text(p, false));
  }
}

}  // namespace

BENCHMARK_CAPTURE(BM_Picture, boot_1G, std::string("1G"));
BENCHMARK_CAPTURE(BM_Picture, boot_1T, std::string("1T"));
BENCHMARK_CAPTURE(BM_Picture, boot_63T, std::string("63T"));
BENCHMARK_MAIN();
