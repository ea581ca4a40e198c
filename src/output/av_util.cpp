#include "output/av_util.hpp"

#include "ffmpeg/error.hpp"
#include "ffmpeg/packet.hpp"

namespace zc::output {

void OutputContextDeleter::operator()(AVFormatContext* ctx) const {
  if (ctx->oformat && !(ctx->oformat->flags & AVFMT_NOFILE)) avio_closep(&ctx->pb);
  avformat_free_context(ctx);
}

Result<std::vector<uint8_t>> extract_extradata(const AVCodecParameters& params, const AVPacket& keyframe) {
  const std::string stage = "output";
  const AVBitStreamFilter* filter = av_bsf_get_by_name("extract_extradata");
  if (!filter) return fail(Errc::internal, stage, "FFmpeg has no extract_extradata filter");
  AVBSFContext* raw = nullptr;
  if (int err = av_bsf_alloc(filter, &raw); err < 0) {
    return fail(Errc::internal, stage, "extract_extradata: " + ffmpeg::error_text(err));
  }
  ffmpeg::BsfPtr bsf(raw);
  if (int err = avcodec_parameters_copy(bsf->par_in, &params); err < 0) {
    return fail(Errc::internal, stage, "extract_extradata: " + ffmpeg::error_text(err));
  }
  if (int err = av_bsf_init(bsf.get()); err < 0) {
    return fail(Errc::unsupported, stage,
                std::string("extract_extradata does not take ") + avcodec_get_name(params.codec_id) + ": " +
                    ffmpeg::error_text(err));
  }
  ffmpeg::PacketPtr packet(av_packet_clone(&keyframe));
  if (!packet) return fail(Errc::internal, stage, "extract_extradata: out of memory");
  if (int err = av_bsf_send_packet(bsf.get(), packet.get()); err < 0) {
    return fail(Errc::internal, stage, "extract_extradata: " + ffmpeg::error_text(err));
  }
  if (int err = av_bsf_receive_packet(bsf.get(), packet.get()); err < 0) {
    return fail(Errc::internal, stage, "extract_extradata: " + ffmpeg::error_text(err));
  }
  size_t size = 0;
  const uint8_t* data = av_packet_get_side_data(packet.get(), AV_PKT_DATA_NEW_EXTRADATA, &size);
  if (!data || size == 0) {
    return fail(Errc::encoder, stage,
                std::string("the first ") + avcodec_get_name(params.codec_id) +
                    " keyframe carries no parameter sets (the encoder must emit them in-band)");
  }
  return std::vector<uint8_t>(data, data + size);
}

}  // namespace zc::output
