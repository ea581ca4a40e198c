#pragma once
// Logging: spdlog, one line per event, prefixed by the stage. The logger is the one piece of
// global state: it also scrubs registered secrets (URL credentials) from every message, including
// the ones FFmpeg formats itself (ffmpeg/log.hpp routes them here).
#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>

namespace zc::log {

// spdlog's levels, in its order. The calls below format only what the level lets through and hand
// the text to spdlog in log.cpp: a source that logs includes fmt, never spdlog's logger templates
// (instantiating those cost about 2 s of compile time in each of some 75 translation units).
enum class Level { trace, debug, info, warn, error, critical, off };

bool enabled(Level level);
void write(Level level, std::string_view message);
// What gets through from now on (init() set the first level).
void set_level(Level level);

// While one lives, what this thread says above debug (FFmpeg's lines included) goes out at debug:
// for an attempt whose failure its caller reports itself, once (a network output's retries).
class QuietThread {
 public:
  QuietThread();
  ~QuietThread();
  QuietThread(const QuietThread&) = delete;
  QuietThread& operator=(const QuietThread&) = delete;

 private:
  bool was_;
};

// A terminal's status line on stderr, redrawn in place: each log line clears it first and draws it
// again under itself, so the two never share a line. clear_status() removes it for good.
void show_status(std::string_view line);
void clear_status();

template <typename... Args>
void at(Level level, fmt::format_string<Args...> format, Args&&... args) {
  if (enabled(level)) write(level, fmt::vformat(format, fmt::make_format_args(args...)));
}
template <typename... Args>
void trace(fmt::format_string<Args...> format, Args&&... args) {
  at(Level::trace, format, std::forward<Args>(args)...);
}
template <typename... Args>
void debug(fmt::format_string<Args...> format, Args&&... args) {
  at(Level::debug, format, std::forward<Args>(args)...);
}
template <typename... Args>
void info(fmt::format_string<Args...> format, Args&&... args) {
  at(Level::info, format, std::forward<Args>(args)...);
}
template <typename... Args>
void warn(fmt::format_string<Args...> format, Args&&... args) {
  at(Level::warn, format, std::forward<Args>(args)...);
}
template <typename... Args>
void error(fmt::format_string<Args...> format, Args&&... args) {
  at(Level::error, format, std::forward<Args>(args)...);
}
template <typename... Args>
void critical(fmt::format_string<Args...> format, Args&&... args) {
  at(Level::critical, format, std::forward<Args>(args)...);
}

// Sets up the default logger on stderr at `level` (spdlog's names: trace, debug, info, warn,
// error, critical, off: ZEROCAST_LOG), each line stamped with the time of day when `with_time`
// (ZEROCAST_LOG_TIME); ffmpeg::route_logs sends FFmpeg's messages through it. The first call
// decides; later ones change nothing.
void init(std::string_view level = "info", bool with_time = false);

// Every later message has `secret` replaced by "***" (secrets shorter than 4 characters are
// ignored: masking them would mangle ordinary words).
void add_secret(std::string_view secret);
// Registers every credential in `url` (see redact.hpp).
void add_url_secrets(std::string_view url);

// Scrubs registered secrets from `text` (for messages that leave by another way: D-Bus, status).
std::string scrub(std::string_view text);

}  // namespace zc::log
