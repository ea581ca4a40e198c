#include "core/log.hpp"

#include <algorithm>
#include <cstdio>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <vector>

#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "core/redact.hpp"

namespace zc::log {
namespace {

static_assert(static_cast<int>(Level::error) == spdlog::level::err &&
              static_cast<int>(Level::off) == spdlog::level::off);

struct Secrets {
  std::shared_mutex mutex;
  std::vector<std::string> list;
};

Secrets& secrets() {
  static Secrets s;
  return s;
}

std::string scrub_locked(std::string text, const std::vector<std::string>& list) {
  for (const auto& secret : list) {
    size_t pos = 0;
    while ((pos = text.find(secret, pos)) != std::string::npos) {
      text.replace(pos, secret.size(), "***");
      pos += 3;
    }
  }
  return text;
}

// The status line under the log (show_status), if one is shown.
struct StatusLine {
  std::mutex mutex;
  std::string text;
  bool shown = false;
};

StatusLine& status_line() {
  static StatusLine s;
  return s;
}

// Wraps the real sink and scrubs each formatted payload before it is written.
class ScrubbingSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit ScrubbingSink(spdlog::sink_ptr inner) : inner_(std::move(inner)) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    auto& status = status_line();
    std::lock_guard status_lock(status.mutex);
    if (status.shown) std::fputs("\r\033[K", stderr);
    auto& s = secrets();
    std::shared_lock lock(s.mutex);
    if (s.list.empty()) {
      inner_->log(msg);
    } else {
      const std::string clean = scrub_locked(std::string(msg.payload.data(), msg.payload.size()), s.list);
      spdlog::details::log_msg copy(msg);
      copy.payload = clean;
      inner_->log(copy);
    }
    if (status.shown) {
      std::fputs(status.text.c_str(), stderr);
      std::fflush(stderr);
    }
  }
  void flush_() override { inner_->flush(); }

 private:
  spdlog::sink_ptr inner_;
};

}  // namespace

void init(std::string_view level, bool with_time) {
  static std::once_flag once;
  std::call_once(once, [&] {
    // The inner sink formats what it writes, so it carries the pattern. journald and terminals
    // stamp lines themselves; `with_time` adds the time of day (logs kept in files: the tests'
    // daemons).
    auto inner = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
    inner->set_pattern(with_time ? "%H:%M:%S.%e %^[%L]%$ %v" : "%^[%L]%$ %v");
    auto logger = std::make_shared<spdlog::logger>("zerocast", std::make_shared<ScrubbingSink>(inner));
    spdlog::set_default_logger(logger);
    spdlog::set_level(spdlog::level::from_str(std::string(level)));
  });
}

namespace {
thread_local bool quiet_thread = false;
}  // namespace

QuietThread::QuietThread() : was_(quiet_thread) {
  quiet_thread = true;
}

QuietThread::~QuietThread() {
  quiet_thread = was_;
}

bool enabled(Level level) {
  if (quiet_thread && level > Level::debug) level = Level::debug;
  return spdlog::default_logger_raw()->should_log(static_cast<spdlog::level::level_enum>(level));
}

void write(Level level, std::string_view message) {
  if (quiet_thread && level > Level::debug) level = Level::debug;
  spdlog::default_logger_raw()->log(static_cast<spdlog::level::level_enum>(level),
                                    spdlog::string_view_t(message.data(), message.size()));
}

void set_level(Level level) {
  spdlog::set_level(static_cast<spdlog::level::level_enum>(level));
}

void show_status(std::string_view line) {
  auto& status = status_line();
  std::lock_guard lock(status.mutex);
  status.text = scrub(line);
  status.shown = true;
  std::fprintf(stderr, "\r\033[K%s", status.text.c_str());
  std::fflush(stderr);
}

void clear_status() {
  auto& status = status_line();
  std::lock_guard lock(status.mutex);
  if (!status.shown) return;
  status.shown = false;
  std::fputs("\r\033[K", stderr);
  std::fflush(stderr);
}

void add_secret(std::string_view secret) {
  if (secret.size() < 4) return;
  auto& s = secrets();
  std::unique_lock lock(s.mutex);
  if (std::find(s.list.begin(), s.list.end(), secret) == s.list.end()) s.list.emplace_back(secret);
  // Longest first, so a secret that contains another is masked whole.
  std::sort(s.list.begin(), s.list.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
}

void add_url_secrets(std::string_view url) {
  for (const auto& secret : url_secrets(url))
    add_secret(secret);
}

std::string scrub(std::string_view text) {
  auto& s = secrets();
  std::shared_lock lock(s.mutex);
  return scrub_locked(std::string(text), s.list);
}

}  // namespace zc::log
