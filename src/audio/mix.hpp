#pragma once
// Several sources' tracks summed into one (float, per-source gain for volume and mute), with
// clipping protection: a sum that goes past full scale is bent back under it smoothly instead of
// being cut off (a hard clip is the harsh distortion everyone hears).
#include <cstdint>
#include <span>

namespace zc::audio {

// out[i] += in[i] * gain, over the shorter of the two.
void mix_into(std::span<float> out, std::span<const float> in, float gain);
// Leaves samples within +-knee alone and maps the rest into (knee, 1) with a tanh curve, so the
// result is never past full scale. Returns how many samples it bent.
uint64_t soft_limit(std::span<float> samples, float knee = 0.9f);
// A volume in dB (0: unchanged) as a gain; a muted source is gain 0.
float gain_from_db(double db);
// Peak level of samples in dBFS (-inf for silence is reported as -120).
double peak_dbfs(std::span<const float> samples);

}  // namespace zc::audio
