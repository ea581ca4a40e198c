#pragma once
// Sound for the audio tests: a player of a steady tone into the default sink, as a named
// application (PipeWire's pw-cat playing a WAV file of the tone, a real PipeWire client), and the
// measures that find a tone, or silence, in decoded samples.
#include <cstdint>
#include <span>
#include <string>

#include "support/process.hpp"

namespace zc::test {

struct Tone {
  std::string app_name;            // application.name of its stream
  int freq = 440;                  // Hz; amplitude 0.3
  bool mono = false;               // one MONO port (stream.dont-remix: WirePlumber leaves it mono)
  std::string program = "pw-cat";  // a copy under another name gives another application.process.binary
};

// A 16-bit WAV of a sine at `amplitude` (of full scale), 48 kHz, two minutes: made once per
// frequency, channel count and amplitude under /tmp/zc-tones, shared by the test processes.
std::string tone_wav(int freq, uint16_t channels, double amplitude = 0.3);

// Starts the player (two minutes of the tone); ZC_SKIPs the test when pw-cat is not installed.
// Not GStreamer's pipewiresink: under PipeWire 1.4 in the guest it never answered the server's
// Start command, and the server's one work queue then kept every link of the graph in "init"
// (PIPEWIRE_DEBUG=pw.work-queue:5: "sync item not head" behind its node's seq, for 5 s).
Process play_tone(const Tone& tone);

// The amplitude of a tone near `freq` in `samples` (48 kHz): a sine at 0.3 gives about 0.3, its
// absence about 0. Measured over 100 ms pieces (Hann-windowed Goertzel, the most of `freq` and
// 0.5 % and 1 % either side, averaged over the pieces), so a tone the clock lock plays up to 1 %
// off pitch while it steers (after cycles lost on a loaded machine) still counts as that tone.
double tone_amplitude(std::span<const float> samples, double freq, int rate = 48000);
double rms(std::span<const float> samples);
// samples[from_s, to_s) at 48 kHz, clamped to what there is.
std::span<const float> window(std::span<const float> samples, double from_s, double to_s, int rate = 48000);

}  // namespace zc::test
