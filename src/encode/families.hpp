#pragma once
// The encoder families. Each factory checks that the codec matches and returns an encoder that
// opens on its first frame.
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "encode/encoder.hpp"

namespace zc::cuda {
class CudaContext;
}
namespace zc::vaapi {
class VaDevice;
}

namespace zc::encode {

using EncoderPtr = std::unique_ptr<Encoder>;

// libx264 takes NV12 (x264's own chroma layout: no interleaving pass) or I420.
Result<EncoderPtr> make_x264(const EncoderConfig& config, PixelFormat input = PixelFormat::NV12);
Result<EncoderPtr> make_x265(const EncoderConfig& config);    // I420, or I010 at bit_depth 10
Result<EncoderPtr> make_svtav1(const EncoderConfig& config);  // I420, or I010 at bit_depth 10
// h264_nvenc / hevc_nvenc / av1_nvenc by config.codec, fed CPU NV12.
Result<EncoderPtr> make_nvenc(const EncoderConfig& config);
// The same fed CUDA NV12 frames (cuda_frames.hpp) on `cuda`'s context and stream; host NV12 frames
// (the CPU path's, after a GPU import failed) are uploaded into the same hw-frames pool.
Result<EncoderPtr> make_nvenc_cuda(const EncoderConfig& config, std::shared_ptr<cuda::CudaContext> cuda);

// The VA-API display a catalog's VA-API candidates share: opened on first use on `node`
// (ZEROCAST_VAAPI_DEVICE) or, when empty, the first render node whose driver initialises; a
// failure is remembered, so a machine without a VA driver tries once.
class VaapiDevices {
 public:
  explicit VaapiDevices(std::string node = {});
  Result<std::shared_ptr<vaapi::VaDevice>> get();

 private:
  std::mutex mutex_;
  std::string node_;
  std::optional<Result<std::shared_ptr<vaapi::VaDevice>>> opened_;
};

// h264_vaapi / hevc_vaapi / av1_vaapi by config.codec, fed NV12 VA surfaces (the VA importer's),
// or host NV12 (P010 at 10 bits) uploaded into VA surfaces. Fails at once when no VA device opens.
Result<EncoderPtr> make_vaapi(const EncoderConfig& config, std::shared_ptr<VaapiDevices> devices);

}  // namespace zc::encode
