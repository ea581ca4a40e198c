#pragma once
// Logging: spdlog, one line per event, prefixed by the stage. The logger is the one piece of
// global state: it also scrubs registered secrets (URL credentials) from every message, including
// the ones FFmpeg formats itself (ffmpeg/log.hpp routes them here).
#include <string_view>

#include <spdlog/spdlog.h>

namespace zc::log {

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
