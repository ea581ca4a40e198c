#include "probe/vaapi_probe.hpp"

#include <va/va.h>
#include <va/va_str.h>

#include <fmt/format.h>

#include "encode/families.hpp"
#include "encode/selector.hpp"
#include "vaapi/va_device.hpp"

namespace zc::probe {
namespace {

struct ProfileEntry {
  VAProfile profile;
  const char* codec;
};

constexpr ProfileEntry kProfiles[] = {
    {VAProfileH264ConstrainedBaseline, "h264"},
    {VAProfileH264Main, "h264"},
    {VAProfileH264High, "h264"},
    {VAProfileHEVCMain, "hevc"},
    {VAProfileHEVCMain10, "hevc"},
    {VAProfileAV1Profile0, "av1"},
    {VAProfileNone, nullptr},
};

bool encodes(VAEntrypoint e) {
  return e == VAEntrypointEncSlice || e == VAEntrypointEncSliceLP;
}

// "EncSlice, EncSliceLP" for a profile the driver lists; empty when it lists none.
std::string entrypoints_of(const vaapi::VaDevice& device, VAProfile profile, bool& any_encode) {
  std::string out;
  for (int e : device.entrypoints(profile)) {
    std::string name = vaEntrypointStr(static_cast<VAEntrypoint>(e));
    if (name.rfind("VAEntrypoint", 0) == 0) name.erase(0, 12);
    out += (out.empty() ? "" : ", ") + name;
    any_encode = any_encode || encodes(static_cast<VAEntrypoint>(e));
  }
  return out;
}

ProbeStage encode_stage(encode::Codec codec, const std::shared_ptr<encode::VaapiDevices>& devices) {
  const std::string codec_name(encode::to_string(codec));
  ProbeStage stage{"vaapi." + codec_name, Verdict::Unavailable, {}, {}};
  encode::EncoderConfig config;
  config.codec = codec;
  config.width = encode::kProbeWidth;
  config.height = encode::kProbeHeight;
  config.frame_rate = {30, 1};
  config.tuning = encode::Tuning::LowLatency;
  const std::string name = codec == encode::Codec::H264   ? "h264_vaapi"
                           : codec == encode::Codec::HEVC ? "hevc_vaapi"
                                                          : "av1_vaapi";
  encode::Candidate candidate{name,
                              codec,
                              {FrameMemory::Vaapi, PixelFormat::NV12},
                              [devices](const encode::EncoderConfig& c) { return encode::make_vaapi(c, devices); },
                              false};
  if (auto ok = encode::probe_candidate(candidate, config); ok) {
    stage.verdict = Verdict::Ok;
    stage.reason =
        fmt::format("{} encoded a {}x{} frame uploaded into a VA surface", name, config.width, config.height);
  } else {
    stage.verdict = ok.error().code == Errc::not_found ? Verdict::Unavailable : Verdict::Failed;
    stage.reason = ok.error().message;
  }
  return stage;
}

}  // namespace

VaapiProbe probe_vaapi(const std::string& node) {
  VaapiProbe out;
  auto device = vaapi::VaDevice::open_first(node);
  if (!device) {
    out.stages.push_back({"vaapi.device", Verdict::Unavailable, device.error().message, {}});
    for (const char* name : {"vaapi.entrypoints", "vaapi.h264", "vaapi.hevc", "vaapi.av1"}) {
      out.stages.push_back({name, Verdict::Unavailable, "not reached: needs vaapi.device", {}});
    }
    return out;
  }
  out.stages.push_back({"vaapi.device", Verdict::Ok, (*device)->node() + ": " + (*device)->vendor(), {}});

  ProbeStage entry{"vaapi.entrypoints", Verdict::Unavailable, {}, {}};
  VADisplay display = (*device)->display();
  std::vector<VAProfile> listed(static_cast<size_t>(std::max(vaMaxNumProfiles(display), 1)));
  int count = 0;
  if (vaQueryConfigProfiles(display, listed.data(), &count) != VA_STATUS_SUCCESS) count = 0;
  listed.resize(static_cast<size_t>(count));
  bool any_encode = false;
  for (const ProfileEntry& p : kProfiles) {
    if (std::find(listed.begin(), listed.end(), p.profile) == listed.end()) continue;
    bool encodes_here = false;
    std::string names = entrypoints_of(**device, p.profile, encodes_here);
    any_encode = any_encode || (encodes_here && p.codec);
    std::string profile = vaProfileStr(p.profile);
    if (profile.rfind("VAProfile", 0) == 0) profile.erase(0, 9);
    entry.details.emplace_back(profile, names.empty() ? "none" : names);
  }
  entry.verdict = any_encode ? Verdict::Ok : Verdict::Unavailable;
  entry.reason = any_encode ? "the driver encodes (details: entrypoints per profile)"
                            : "the driver lists no encoding entrypoint for H.264, HEVC or AV1";
  out.stages.push_back(std::move(entry));

  // The probe's own slot on the node found, so each encoder opens where the device stage did.
  auto devices = std::make_shared<encode::VaapiDevices>((*device)->node());
  for (encode::Codec codec : {encode::Codec::H264, encode::Codec::HEVC, encode::Codec::AV1}) {
    out.stages.push_back(encode_stage(codec, devices));
    out.encodes = out.encodes || out.stages.back().verdict == Verdict::Ok;
  }
  return out;
}

}  // namespace zc::probe
