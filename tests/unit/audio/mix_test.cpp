#include <cmath>
#include <vector>

#include <catch2/catch.hpp>

#include "audio/mix.hpp"

using namespace zc::audio;

TEST_CASE("mixing adds with each source's gain", "[audio][mix]") {
  std::vector<float> out{0.1f, 0.2f, 0.3f};
  const std::vector<float> in{1.0f, 1.0f};
  mix_into(out, in, 0.5f);
  CHECK(out[0] == Approx(0.6f));
  CHECK(out[1] == Approx(0.7f));
  CHECK(out[2] == Approx(0.3f));  // past the shorter input: unchanged
  CHECK(gain_from_db(0) == Approx(1.0f));
  CHECK(gain_from_db(-6.0206) == Approx(0.5f).epsilon(1e-3));
}

TEST_CASE("the limiter keeps every sum under full scale and leaves quiet samples alone", "[audio][mix]") {
  std::vector<float> s;
  for (int i = -400; i <= 400; ++i)
    s.push_back(static_cast<float>(i) / 100.0f);  // -4 .. 4
  const std::vector<float> before = s;
  const uint64_t bent = soft_limit(s);
  for (size_t i = 0; i < s.size(); ++i) {
    CHECK(std::fabs(s[i]) <= 1.0f);  // float tanh reaches 1.0 exactly far past the knee
    if (std::fabs(before[i]) <= 0.9f) CHECK(s[i] == before[i]);
    if (i > 0) CHECK(s[i] >= s[i - 1]);  // monotonic: no fold-over
  }
  CHECK(bent == 2 * (400 - 90));
}

TEST_CASE("peak level in dBFS", "[audio][mix]") {
  CHECK(peak_dbfs(std::vector<float>{0.0f, 0.5f, -1.0f}) == Approx(0.0));
  CHECK(peak_dbfs(std::vector<float>{0.5f}) == Approx(-6.0206).epsilon(1e-3));
  CHECK(peak_dbfs(std::vector<float>{0.0f, 0.0f}) == -120.0);
}
