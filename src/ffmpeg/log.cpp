#include "ffmpeg/log.hpp"

#include <cstdarg>
#include <string_view>

#include "core/log.hpp"

extern "C" {
#include <libavutil/log.h>
}

namespace zc::ffmpeg {
namespace {

void to_logger(void* avcl, int level, const char* fmt, va_list args) {
  if (level > av_log_get_level()) return;
  static thread_local int print_prefix = 1;
  char line[1024];
  av_log_format_line2(avcl, level, fmt, args, line, sizeof(line), &print_prefix);
  std::string_view text(line);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
    text.remove_suffix(1);
  if (text.empty()) return;
  // Through our logger, which also keeps a quiet thread's lines (zc::log::QuietThread) at debug.
  const zc::log::Level ours = level <= AV_LOG_ERROR     ? zc::log::Level::error
                              : level <= AV_LOG_WARNING ? zc::log::Level::warn
                              : level <= AV_LOG_INFO    ? zc::log::Level::info
                                                        : zc::log::Level::debug;
  zc::log::at(ours, "ffmpeg: {}", text);
}

}  // namespace

void route_logs(bool debug) {
  av_log_set_level(debug ? AV_LOG_DEBUG : AV_LOG_WARNING);
  av_log_set_callback(to_logger);
}

}  // namespace zc::ffmpeg
