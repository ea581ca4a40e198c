#pragma once
// Encoder selection. Candidates per codec in DESIGN order (NVENC, VA-API, software); `auto`
// proves each one by opening it and encoding one synthetic frame (then drains and frees it) and
// keeps the first that works. A forced name tries only that encoder. Every rejection and the
// choice are logged. The catalog is injectable so tests can use fakes.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "encode/encoder.hpp"
#include "encode/families.hpp"

namespace zc::encode {

using EncoderFactory = std::function<Result<EncoderPtr>(const EncoderConfig&)>;

struct Candidate {
  std::string name;  // FFmpeg's encoder name, also what --encoder takes
  Codec codec = Codec::H264;
  InputSpec input;
  EncoderFactory make;  // an encoder that opens on its first frame
  // A software encoder, which opens alike at any size within its codec's limits: its probe runs at
  // kProbeWidth x kProbeHeight or less (the whole start-up at 1080p fell from ~0.24 to ~0.19 CPU-s).
  // Hardware encoders have size limits of their own and are proved at the size asked for.
  bool any_size = false;
};
inline constexpr uint32_t kProbeWidth = 640, kProbeHeight = 360;
using Catalog = std::vector<Candidate>;

// h264_nvenc, h264_vaapi, libx264 (NV12); hevc_nvenc, hevc_vaapi, libx265; av1_nvenc, av1_vaapi,
// libsvtav1. Entries carry their
// 8-bit input; input_at_depth() gives the 10-bit one (the factory refuses what it cannot). Candidates missing from
// the linked FFmpeg stay listed and are rejected with that reason.
// With `cuda`, the NVENC candidates take CUDA NV12 frames on that context (make_nvenc_cuda). The
// VA-API candidates share `vaapi` (default: a slot of its own on the first render node that opens).
Catalog default_catalog(const std::shared_ptr<cuda::CudaContext>& cuda = nullptr,
                        std::shared_ptr<VaapiDevices> vaapi = nullptr);

// Makes the frame a probe encodes (default: a CPU frame with a pattern, in the candidate's layout).
using ProbeFrameSource = std::function<Result<DeviceFrame>(const EncoderConfig&, const InputSpec&)>;

struct Selection {
  std::string encoder;               // the chosen candidate's name
  InputSpec input;                   // what the importer must produce (at the depth selected for)
  std::optional<InputSpec> input10;  // what it must produce for 10 bits, when the encoder was proved at 10
  EncoderFactory factory;            // makes a fresh encoder (opens on its first real frame)
  std::vector<std::string> log;      // one line per candidate tried, in order ("x rejected: why", "y chosen")
};

// Selects for config.bit_depth (8 or 10: candidates without 10 bits are rejected at 10). With
// `also_ten_bit` (--bit-depth auto), the chosen 8-bit encoder is probed at 10 bits too and
// Selection::input10 says whether it took them.
// requested: "auto" (or empty) or an encoder name. Errors: Errc::not_found (no such encoder),
// Errc::unsupported (FFmpeg has it, zerocast does not drive it), Errc::invalid_argument (the name
// encodes another codec), Errc::encoder (nothing worked; the message lists every reason).
Result<Selection> select_encoder(const EncoderConfig& config, std::string_view requested,
                                 const Catalog& catalog = default_catalog(), const ProbeFrameSource& probe_frame = {},
                                 bool also_ten_bit = false);

// Opens the candidate, encodes one frame, drains and frees it (at config's size, or no larger than
// kProbeWidth x kProbeHeight where any_size). The error says why it failed.
Result<void> probe_candidate(const Candidate& candidate, const EncoderConfig& config,
                             const ProbeFrameSource& probe_frame = {});

// The CLI value when given (non-empty), else $ZEROCAST_ENCODER when set, else "auto".

}  // namespace zc::encode
