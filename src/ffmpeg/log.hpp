#pragma once
// FFmpeg's own messages through zerocast's logger (core/log.hpp), one line each, prefixed
// "ffmpeg: ", at FFmpeg's warning level (debug: everything it says); on a thread kept quiet
// (zc::log::QuietThread), at debug.
namespace zc::ffmpeg {

void route_logs(bool debug);

}  // namespace zc::ffmpeg
