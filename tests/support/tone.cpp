#include "support/tone.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "support/skip.hpp"

namespace zc::test {

Process play_tone(const Tone& tone) {
  if (!have_program("gst-launch-1.0")) ZC_SKIP("gst-launch-1.0 (the player) is not installed");
  std::string props = "stream-properties=props,application.name=" + tone.app_name;
  if (tone.mono) props += ",stream.dont-remix=(string)true";
  return Process({tone.program, "-q", "audiotestsrc", "is-live=true", "freq=" + std::to_string(tone.freq), "volume=0.3",
                  "!", std::string("audio/x-raw,rate=48000,channels=") + (tone.mono ? "1" : "2"), "!", "pipewiresink",
                  props});
}

namespace {

// Hann-windowed Goertzel: the amplitude of the `freq` component of one piece.
double goertzel(std::span<const float> piece, double freq, int rate) {
  const double w = 2 * std::numbers::pi * freq / rate;
  const double c = 2 * std::cos(w);
  const auto n = static_cast<double>(piece.size());
  double s1 = 0, s2 = 0, gain = 0;
  for (size_t i = 0; i < piece.size(); ++i) {
    const double hann = 0.5 - 0.5 * std::cos(2 * std::numbers::pi * static_cast<double>(i) / n);
    gain += hann;
    const double s = piece[i] * hann + c * s1 - s2;
    s2 = s1;
    s1 = s;
  }
  const double power = s1 * s1 + s2 * s2 - c * s1 * s2;
  return gain > 0 ? 2 * std::sqrt(std::max(power, 0.0)) / gain : 0;
}

}  // namespace

double tone_amplitude(std::span<const float> samples, double freq, int rate) {
  const auto piece = static_cast<size_t>(rate / 10);
  double sum = 0;
  size_t pieces = 0;
  for (size_t at = 0; at + piece <= samples.size(); at += piece, ++pieces) {
    double best = 0;
    for (const double off : {-0.01, -0.005, 0.0, 0.005, 0.01})
      best = std::max(best, goertzel(samples.subspan(at, piece), freq * (1 + off), rate));
    sum += best;
  }
  return pieces ? sum / static_cast<double>(pieces) : 0;
}

double rms(std::span<const float> samples) {
  if (samples.empty()) return 0;
  double sum = 0;
  for (float x : samples)
    sum += static_cast<double>(x) * x;
  return std::sqrt(sum / static_cast<double>(samples.size()));
}

std::span<const float> window(std::span<const float> samples, double from_s, double to_s, int rate) {
  const auto clamp = [&](double s) {
    return std::clamp<size_t>(static_cast<size_t>(std::max(0.0, s) * rate), 0, samples.size());
  };
  const size_t from = clamp(from_s), to = std::max(from, clamp(to_s));
  return samples.subspan(from, to - from);
}

}  // namespace zc::test
