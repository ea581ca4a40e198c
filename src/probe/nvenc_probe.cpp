#include "probe/nvenc_probe.hpp"

#include <cstring>

#include <fmt/format.h>

#include "cuda/ffnv_loader.hpp"

namespace zc::probe {
namespace {

// Not in nv-codec-headers 11.1 (SDK 12.0 added AV1).
constexpr GUID kAv1Guid = {0x0a352289, 0x0aa7, 0x4759, {0x86, 0x2d, 0x5d, 0x15, 0xcd, 0x16, 0xd2, 0x54}};

bool same_guid(const GUID& a, const GUID& b) {
  return std::memcmp(&a, &b, sizeof(GUID)) == 0;
}

// An owned NvencFunctions table.
struct NvencLib {
  NvencFunctions* f = nullptr;
  ~NvencLib() { nvenc_free_functions(&f); }
};

}  // namespace

std::string nvenc_status_name(int status) {
  static constexpr const char* kNames[] = {"NV_ENC_SUCCESS",
                                           "NV_ENC_ERR_NO_ENCODE_DEVICE",
                                           "NV_ENC_ERR_UNSUPPORTED_DEVICE",
                                           "NV_ENC_ERR_INVALID_ENCODERDEVICE",
                                           "NV_ENC_ERR_INVALID_DEVICE",
                                           "NV_ENC_ERR_DEVICE_NOT_EXIST",
                                           "NV_ENC_ERR_INVALID_PTR",
                                           "NV_ENC_ERR_INVALID_EVENT",
                                           "NV_ENC_ERR_INVALID_PARAM",
                                           "NV_ENC_ERR_INVALID_CALL",
                                           "NV_ENC_ERR_OUT_OF_MEMORY",
                                           "NV_ENC_ERR_ENCODER_NOT_INITIALIZED",
                                           "NV_ENC_ERR_UNSUPPORTED_PARAM",
                                           "NV_ENC_ERR_LOCK_BUSY",
                                           "NV_ENC_ERR_NOT_ENOUGH_BUFFER",
                                           "NV_ENC_ERR_INVALID_VERSION",
                                           "NV_ENC_ERR_MAP_FAILED",
                                           "NV_ENC_ERR_NEED_MORE_INPUT",
                                           "NV_ENC_ERR_ENCODER_BUSY",
                                           "NV_ENC_ERR_EVENT_NOT_REGISTERD",
                                           "NV_ENC_ERR_GENERIC",
                                           "NV_ENC_ERR_INCOMPATIBLE_CLIENT_KEY",
                                           "NV_ENC_ERR_UNIMPLEMENTED",
                                           "NV_ENC_ERR_RESOURCE_REGISTER_FAILED",
                                           "NV_ENC_ERR_RESOURCE_NOT_REGISTERED",
                                           "NV_ENC_ERR_RESOURCE_NOT_MAPPED"};
  const char* name = status >= 0 && static_cast<size_t>(status) < std::size(kNames) ? kNames[status] : "NVENCSTATUS";
  return fmt::format("{} ({})", name, status);
}

NvencProbe probe_nvenc(const cuda::CudaContext& ctx, const std::string& library) {
  NvencProbe out;
  out.our_version = (NVENCAPI_MAJOR_VERSION << 4) | NVENCAPI_MINOR_VERSION;
  cuda::FfnvLoadLog log{library, {}};
  NvencLib lib;
  if (nvenc_load_functions(&lib.f, &log) != 0 || !lib.f) {
    out.library_reason = log.message.empty() ? "cannot load libnvidia-encode.so.1" : log.message;
    return out;
  }
  out.library = true;
  uint32_t max_version = 0;
  if (lib.f->NvEncodeAPIGetMaxSupportedVersion(&max_version) == NV_ENC_SUCCESS) out.driver_max_version = max_version;
  const uint32_t ours = (NVENCAPI_MAJOR_VERSION << 4) | NVENCAPI_MINOR_VERSION;
  if (out.driver_max_version && out.driver_max_version < ours) {
    out.session_reason = fmt::format("the driver supports NVENC API {}.{}, we need {}.{}", max_version >> 4,
                                     max_version & 0xf, NVENCAPI_MAJOR_VERSION, NVENCAPI_MINOR_VERSION);
    return out;
  }
  NV_ENCODE_API_FUNCTION_LIST fl{};
  fl.version = NV_ENCODE_API_FUNCTION_LIST_VER;
  if (auto s = lib.f->NvEncodeAPICreateInstance(&fl); s != NV_ENC_SUCCESS) {
    out.session_reason = "NvEncodeAPICreateInstance: " + nvenc_status_name(s);
    return out;
  }
  NV_ENC_OPEN_ENCODE_SESSION_EX_PARAMS params{};
  params.version = NV_ENC_OPEN_ENCODE_SESSION_EX_PARAMS_VER;
  params.deviceType = NV_ENC_DEVICE_TYPE_CUDA;
  params.device = ctx.context();
  params.apiVersion = NVENCAPI_VERSION;
  void* encoder = nullptr;
  cuda::CudaContext::Scope scope(ctx);
  const NVENCSTATUS s = fl.nvEncOpenEncodeSessionEx(&params, &encoder);
  if (s != NV_ENC_SUCCESS) {
    out.session_reason = "nvEncOpenEncodeSessionEx: " + nvenc_status_name(s);
    // The driver's own words, where it left a session handle to ask.
    if (encoder && fl.nvEncGetLastErrorString) {
      if (const char* msg = fl.nvEncGetLastErrorString(encoder); msg && *msg)
        out.session_reason += fmt::format(" ({})", msg);
    }
    if (encoder && fl.nvEncDestroyEncoder) fl.nvEncDestroyEncoder(encoder);
    for (const char* c : {"h264", "hevc", "av1"})
      out.codecs.push_back({c, false, out.session_reason});
    return out;
  }
  out.session = true;
  uint32_t count = 0;
  std::vector<GUID> guids;
  if (fl.nvEncGetEncodeGUIDCount(encoder, &count) == NV_ENC_SUCCESS && count > 0) {
    guids.resize(count);
    if (fl.nvEncGetEncodeGUIDs(encoder, guids.data(), count, &count) != NV_ENC_SUCCESS) count = 0;
    guids.resize(count);
  }
  fl.nvEncDestroyEncoder(encoder);
  const std::pair<const char*, GUID> codecs[] = {
      {"h264", NV_ENC_CODEC_H264_GUID}, {"hevc", NV_ENC_CODEC_HEVC_GUID}, {"av1", kAv1Guid}};
  for (const auto& [name, guid] : codecs) {
    bool found = false;
    for (const GUID& g : guids)
      found = found || same_guid(g, guid);
    out.codecs.push_back({name, found, found ? "session opens, codec listed" : "the encoder does not list this codec"});
  }
  return out;
}

}  // namespace zc::probe
