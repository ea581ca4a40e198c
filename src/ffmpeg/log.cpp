#include "ffmpeg/log.hpp"

#include <cstdarg>
#include <string_view>

#include <spdlog/spdlog.h>

#include "core/log.hpp"

extern "C" {
#include <libavutil/log.h>
}

namespace zc::ffmpeg {
namespace {

void to_spdlog(void* avcl, int level, const char* fmt, va_list args) {
  if (level > av_log_get_level()) return;
  static thread_local int print_prefix = 1;
  char line[1024];
  av_log_format_line2(avcl, level, fmt, args, line, sizeof(line), &print_prefix);
  std::string_view text(line);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
    text.remove_suffix(1);
  if (text.empty()) return;
  const bool quiet = zc::log::thread_quiet();
  spdlog::level::level_enum lvl = spdlog::level::debug;
  if (!quiet && level <= AV_LOG_ERROR) {
    lvl = spdlog::level::err;
  } else if (!quiet && level <= AV_LOG_WARNING) {
    lvl = spdlog::level::warn;
  } else if (!quiet && level <= AV_LOG_INFO) {
    lvl = spdlog::level::info;
  }
  spdlog::log(lvl, "ffmpeg: {}", text);
}

}  // namespace

void route_logs(bool debug) {
  av_log_set_level(debug ? AV_LOG_DEBUG : AV_LOG_WARNING);
  av_log_set_callback(to_spdlog);
}

}  // namespace zc::ffmpeg
