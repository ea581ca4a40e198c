#include <catch2/catch.hpp>

#include "session/stats.hpp"

using zc::session::LatencyHistogram;

TEST_CASE("latency quantiles land in the right bucket", "[stats]") {
  LatencyHistogram h;
  for (int i = 1; i <= 100; ++i)
    h.add(i * 100'000);  // 0.1 .. 10 ms
  CHECK(h.count() == 100);
  // At most 1/64 above the true quantile, never below it.
  const auto p50 = h.quantile_ns(0.5);
  CHECK(p50 >= 5'000'000);
  CHECK(p50 <= 5'078'125);
  const auto p99 = h.quantile_ns(0.99);
  CHECK(p99 >= 9'900'000);
  CHECK(p99 <= 10'000'000);  // the largest sample caps the bucket's edge
}

TEST_CASE("latencies of seconds keep their quantiles apart", "[stats]") {
  // Stop 7 printed p50 = p99 = the maximum for a quality-tuned x264 (~320 ms): the fixed buckets
  // ended at 200 ms.
  LatencyHistogram h;
  for (int i = 0; i < 98; ++i)
    h.add(320'000'000);
  h.add(900'000'000);
  h.add(2'500'000'000);
  const auto p50 = h.quantile_ns(0.5);
  CHECK(p50 >= 320'000'000);
  CHECK(p50 <= 325'000'000);
  const auto p99 = h.quantile_ns(0.99);
  CHECK(p99 >= 900'000'000);
  CHECK(p99 <= 914'062'500);
  CHECK(h.quantile_ns(1.0) == 2'500'000'000);
}

TEST_CASE("every bucket's edge is above its values and within 1/64 of them", "[stats]") {
  for (uint64_t us : {0ULL, 1ULL, 63ULL, 64ULL, 127ULL, 128ULL, 129ULL, 1000ULL, 4095ULL, 4096ULL, 123456789ULL,
                      (1ULL << 40) + 12345}) {
    const size_t i = LatencyHistogram::bucket(us);
    INFO("us " << us << " bucket " << i);
    REQUIRE(i < LatencyHistogram::kBuckets);
    const uint64_t edge = LatencyHistogram::upper_edge_us(i);
    CHECK(edge > us);
    CHECK(static_cast<double>(edge) <= static_cast<double>(us + 1) * (1.0 + 1.0 / 64));
    if (i > 0) CHECK(LatencyHistogram::upper_edge_us(i - 1) <= us);
  }
}

TEST_CASE("the rate meter computes events per second", "[stats]") {
  zc::session::RateMeter m;
  m.update(0, 1'000'000'000);
  CHECK(m.update(60, 2'000'000'000) == Approx(60.0));
  CHECK(m.update(90, 2'500'000'000) == Approx(60.0));
}
