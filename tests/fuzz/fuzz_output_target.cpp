// Output targets (output/target.cpp) and the URL redaction every log line and error goes through
// (core/redact.cpp): paths, srt:// with a streamid or passphrase, rtmp:// with a stream key, query
// tokens. Whatever the text, a target is parsed or refused, and its credentials are found without
// reading outside it.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "core/redact.hpp"
#include "output/target.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view spec(reinterpret_cast<const char*>(data), size);
  const std::string redacted = zc::redact_url(spec);
  (void)zc::url_secrets(spec);
  auto target = zc::output::parse_target(spec);
  if (!target) return 0;
  if (target->redacted != redacted || target->location != spec) std::abort();
  std::vector<zc::output::Target> targets{*target};
  for (const AVCodecID codec :
       {AV_CODEC_ID_H264, AV_CODEC_ID_HEVC, AV_CODEC_ID_AV1, AV_CODEC_ID_OPUS, AV_CODEC_ID_AAC, AV_CODEC_ID_MP3}) {
    (void)zc::output::check_compatible(codec, *target);
  }
  (void)zc::output::default_audio_codec(targets);
  (void)zc::output::muxer_name(target->container);
  (void)zc::output::transport_name(target->transport);
  return 0;
}
