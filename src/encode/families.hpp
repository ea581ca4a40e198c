#pragma once
// The encoder families. Each factory checks that the codec matches and returns an encoder that
// opens on its first frame.
#include <memory>

#include "encode/encoder.hpp"

namespace zc::cuda {
class CudaContext;
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

}  // namespace zc::encode
