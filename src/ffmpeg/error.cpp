#include "ffmpeg/error.hpp"

extern "C" {
#include <libavutil/error.h>
}

namespace zc::ffmpeg {

std::string error_text(int err) {
  char text[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(err, text, sizeof text);
  return text;
}

}  // namespace zc::ffmpeg
