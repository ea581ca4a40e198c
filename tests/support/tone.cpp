#include "support/tone.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <numbers>
#include <numeric>

#include "support/skip.hpp"

namespace zc::test {

namespace {

constexpr uint32_t kToneRate = 48000;
constexpr uint32_t kToneSeconds = 120;

void put_u32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i)
    out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

void put_u16(std::string& out, uint16_t v) {
  out.push_back(static_cast<char>(v & 0xff));
  out.push_back(static_cast<char>(v >> 8));
}

}  // namespace

// Written aside, then renamed into place: a test process never plays a half-written file.
std::string tone_wav(int freq, uint16_t channels, double amplitude) {
  const std::string dir = "/tmp/zc-tones";
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/tone-" + std::to_string(freq) + "-" + std::to_string(channels) + "-" +
                           std::to_string(std::lround(amplitude * 1000)) + "-" + std::to_string(kToneSeconds) + ".wav";
  if (std::filesystem::exists(path)) return path;
  const uint32_t frames = kToneRate * kToneSeconds;
  const uint32_t bytes = frames * channels * 2;
  std::string wav;
  wav.reserve(44 + bytes);
  wav += "RIFF";
  put_u32(wav, 36 + bytes);
  wav += "WAVEfmt ";
  put_u32(wav, 16);
  put_u16(wav, 1);  // PCM
  put_u16(wav, channels);
  put_u32(wav, kToneRate);
  put_u32(wav, kToneRate * channels * 2);
  put_u16(wav, static_cast<uint16_t>(channels * 2));
  put_u16(wav, 16);
  wav += "data";
  put_u32(wav, bytes);
  // One period (48000 / gcd(freq, 48000) frames: a whole number of them in a second), then copies:
  // in the TCG guest, computing every sample of two minutes took longer than a test waits for a
  // player started mid-recording.
  const uint32_t period = kToneRate / std::gcd(static_cast<uint32_t>(freq), kToneRate);
  std::string one;
  for (uint32_t i = 0; i < period; ++i) {
    const double t = static_cast<double>(i) / kToneRate;
    const auto v = static_cast<int16_t>(std::lround(amplitude * 32767 * std::sin(2 * std::numbers::pi * freq * t)));
    for (uint16_t c = 0; c < channels; ++c)
      put_u16(one, static_cast<uint16_t>(v));
  }
  for (uint32_t done = 0; done < frames; done += period)
    wav += one;
  const std::string aside_dir = make_temp_dir("zc-tone");
  std::ofstream(aside_dir + "/tone.wav", std::ios::binary) << wav;
  std::filesystem::rename(aside_dir + "/tone.wav", path);
  std::filesystem::remove(aside_dir);
  return path;
}

Process play_tone(const Tone& tone) {
  if (!have_program("pw-cat")) ZC_SKIP("pw-cat (the player) is not installed");
  std::string props = "{ application.name = \"" + tone.app_name + "\"";
  if (tone.mono) props += " stream.dont-remix = true";
  props += " }";
  return Process({tone.program, "--playback", "--properties", props, tone_wav(tone.freq, tone.mono ? 1 : 2)});
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
