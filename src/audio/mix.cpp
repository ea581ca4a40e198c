#include "audio/mix.hpp"

#include <algorithm>
#include <cmath>

namespace zc::audio {

void mix_into(std::span<float> out, std::span<const float> in, float gain) {
  const size_t n = std::min(out.size(), in.size());
  for (size_t i = 0; i < n; ++i)
    out[i] += in[i] * gain;
}

uint64_t soft_limit(std::span<float> samples, float knee) {
  const float room = 1.0f - knee;
  uint64_t bent = 0;
  for (float& s : samples) {
    const float a = std::fabs(s);
    if (a <= knee) continue;
    const float shaped = knee + room * std::tanh((a - knee) / room);
    s = std::copysign(shaped, s);
    ++bent;
  }
  return bent;
}

float gain_from_db(double db) {
  return static_cast<float>(std::pow(10.0, db / 20.0));
}

double peak_dbfs(std::span<const float> samples) {
  float peak = 0;
  for (float s : samples)
    peak = std::max(peak, std::fabs(s));
  return peak > 1e-6f ? 20.0 * std::log10(static_cast<double>(peak)) : -120.0;
}

}  // namespace zc::audio
