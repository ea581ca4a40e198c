#include "encode/selector.hpp"

#include "core/log.hpp"

#include <algorithm>
#include <cstdlib>

#include "encode/cpu_frames.hpp"

namespace zc::encode {
namespace {

constexpr std::string_view kStage = "encode";

// A host frame also for encoders fed CUDA frames: they upload host frames (what the CPU path
// hands them after a GPU import failure), so opening and encoding one proves them too.
Result<DeviceFrame> cpu_probe_frame(const EncoderConfig& config, const InputSpec& input) {
  CpuFramePool pool(config.width, config.height, input.format, 0);
  DeviceFrame frame = pool.acquire(config.time_origin_ns, 0);
  if (!frame.storage) return fail(Errc::internal, "encode", "out of memory for the probe frame");
  fill_pattern(frame, 0);
  return frame;
}

std::string names_for(const Catalog& catalog, Codec codec) {
  std::string names;
  for (const auto& c : catalog) {
    if (c.codec != codec) continue;
    if (!names.empty()) names += ", ";
    names += c.name;
  }
  return names.empty() ? "none" : names;
}

}  // namespace

Catalog default_catalog(const std::shared_ptr<cuda::CudaContext>& cuda, std::shared_ptr<VaapiDevices> vaapi) {
  Catalog catalog;
  if (!vaapi) vaapi = std::make_shared<VaapiDevices>();
  EncoderFactory va = [vaapi](const EncoderConfig& c) { return make_vaapi(c, vaapi); };
  const InputSpec va_in{FrameMemory::Vaapi, PixelFormat::NV12};
  const InputSpec nv12{FrameMemory::Cpu, PixelFormat::NV12};
  const InputSpec i420{FrameMemory::Cpu, PixelFormat::I420};
  const InputSpec nvenc_in{cuda ? FrameMemory::Cuda : FrameMemory::Cpu, PixelFormat::NV12};
  EncoderFactory nvenc = make_nvenc;
  if (cuda) nvenc = [cuda](const EncoderConfig& c) { return make_nvenc_cuda(c, cuda); };
  catalog.push_back({"h264_nvenc", Codec::H264, nvenc_in, nvenc, false});
  catalog.push_back({"h264_vaapi", Codec::H264, va_in, va, false});
  catalog.push_back({"libx264", Codec::H264, nv12, [](const EncoderConfig& c) { return make_x264(c); }, true});
  catalog.push_back({"hevc_nvenc", Codec::HEVC, nvenc_in, nvenc, false});
  catalog.push_back({"hevc_vaapi", Codec::HEVC, va_in, va, false});
  catalog.push_back({"libx265", Codec::HEVC, i420, make_x265, true});
  catalog.push_back({"av1_nvenc", Codec::AV1, nvenc_in, nvenc, false});
  catalog.push_back({"av1_vaapi", Codec::AV1, va_in, va, false});  // FFmpeg 6.0 and later
  catalog.push_back({"libsvtav1", Codec::AV1, i420, make_svtav1, true});
  return catalog;
}

Result<void> probe_candidate(const Candidate& candidate, const EncoderConfig& config,
                             const ProbeFrameSource& probe_frame) {
  const auto input = input_at_depth(candidate.input, config.bit_depth);
  if (!input) return fail(Errc::unsupported, "encode:" + candidate.name, "no 10-bit input for it in zerocast");
  EncoderConfig probe = config;
  probe.trial = true;
  if (candidate.any_size) {
    probe.width = std::min(config.width, kProbeWidth);
    probe.height = std::min(config.height, kProbeHeight);
  }
  auto encoder = candidate.make(probe);
  if (!encoder) return tl::unexpected<Error>(encoder.error());
  if ((*encoder)->input() != *input) {
    return fail(Errc::internal, "encode:" + candidate.name, "the encoder wants another input than its catalog entry");
  }
  auto frame = probe_frame ? probe_frame(probe, *input) : cpu_probe_frame(probe, *input);
  if (!frame) return tl::unexpected<Error>(frame.error());

  std::vector<ffmpeg::EncodedPacket> packets;
  auto submitted = (*encoder)->submit(std::move(*frame));
  // Drain before the encoder is freed, whatever happened (the SVT-AV1 trap).
  auto finished = (*encoder)->finish(packets);
  if (!submitted) return submitted;
  if (!finished) return finished;
  if (packets.empty()) return fail(Errc::encoder, "encode:" + candidate.name, "encoded a frame but produced no packet");
  if (!(*encoder)->stream_info()) return fail(Errc::encoder, "encode:" + candidate.name, "no stream description");
  return {};
}

Result<Selection> select_encoder(const EncoderConfig& config, std::string_view requested, const Catalog& catalog,
                                 const ProbeFrameSource& probe_frame, bool also_ten_bit) {
  const bool automatic = requested.empty() || requested == "auto";
  const std::string codec_name(to_string(config.codec));

  std::vector<const Candidate*> tries;
  if (automatic) {
    for (const auto& c : catalog) {
      if (c.codec == config.codec) tries.push_back(&c);
    }
  } else {
    const Candidate* found = nullptr;
    for (const auto& c : catalog) {
      if (c.name == requested) found = &c;
    }
    const std::string name(requested);
    if (!found) {
      const std::string known = names_for(catalog, config.codec);
      if (avcodec_find_encoder_by_name(name.c_str())) {
        return fail(Errc::unsupported, std::string(kStage),
                    "zerocast does not drive the encoder '" + name + "' (" + codec_name + ": " + known + ")");
      }
      return fail(Errc::not_found, std::string(kStage),
                  "no encoder named '" + name + "' (" + codec_name + ": " + known + ")");
    }
    if (found->codec != config.codec) {
      return fail(Errc::invalid_argument, std::string(kStage),
                  name + " encodes " + std::string(to_string(found->codec)) + ", not " + codec_name + " (" +
                      codec_name + ": " + names_for(catalog, config.codec) + ")");
    }
    tries.push_back(found);
  }
  if (tries.empty()) return fail(Errc::not_found, std::string(kStage), "no " + codec_name + " encoder is known");

  Selection selection;
  std::string reasons;
  for (const Candidate* c : tries) {
    auto proved = probe_candidate(*c, config, probe_frame);
    if (!proved) {
      std::string line = c->name + " rejected: " + proved.error().message;
      zc::log::info("encode: {}", line);
      selection.log.push_back(line);
      if (!reasons.empty()) reasons += "; ";
      reasons += line;
      continue;
    }
    std::string line = c->name + " chosen";
    zc::log::info("encode: {} for {} {}x{} at {} bits ({})", line, codec_name, config.width, config.height,
                  config.bit_depth, automatic ? "auto" : "requested");
    selection.log.push_back(std::move(line));
    selection.encoder = c->name;
    selection.input = *input_at_depth(c->input, config.bit_depth);
    selection.factory = c->make;
    if (config.bit_depth == 10) {
      selection.input10 = selection.input;
    } else if (also_ten_bit) {
      // --bit-depth auto: the first frame decides; prove now that 10 bits would open too.
      EncoderConfig ten = config;
      ten.bit_depth = 10;
      if (auto proved10 = probe_candidate(*c, ten, probe_frame)) {
        selection.input10 = input_at_depth(c->input, 10);
        selection.log.push_back(c->name + " takes 10 bits");
      } else {
        selection.log.push_back(c->name + " at 10 bits rejected: " + proved10.error().message);
      }
      zc::log::info("encode: {}", selection.log.back());
    }
    return selection;
  }
  if (!automatic) return fail(Errc::encoder, std::string(kStage), reasons);
  return fail(Errc::encoder, std::string(kStage), "no working " + codec_name + " encoder: " + reasons);
}

}  // namespace zc::encode
