#pragma once
// FFmpeg's text for an AVERROR code ("Invalid argument", "Encoder not found", ...).
#include <string>

namespace zc::ffmpeg {

std::string error_text(int err);

}  // namespace zc::ffmpeg
