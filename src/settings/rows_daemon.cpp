// The daemon's own settings: how many captures, metrics, notifications, the replay buffer,
// reconnecting.
#include "core/parse_number.hpp"
#include "settings/rows.hpp"

namespace zc::settings::rows {

void add_daemon(std::vector<Setting>& t) {
  t.push_back({"replay",
               Kind::integer,
               {"", "replay.seconds", "replay", "ZEROCAST_REPLAY_SECONDS", "", "--replay"},
               "SECONDS",
               "Seconds of replay buffer every capture holds (StartCapture may say otherwise); 0: none",
               "0",
               {},
               0,
               3600,
               false,
               {},
               [](Settings& s, const Value& v) -> Why {
                 s.daemon.replay_seconds = u32(v);
                 return std::nullopt;
               }});
  t.push_back({"replay_max_megabytes",
               Kind::integer,
               {"", "replay.max_megabytes", "", "ZEROCAST_REPLAY_MAX_MEGABYTES", "", ""},
               "MB",
               "Memory bound of one replay buffer",
               "512",
               {},
               1,
               65536,
               false,
               {},
               [](Settings& s, const Value& v) -> Why {
                 s.daemon.replay_max_megabytes = u32(v);
                 return std::nullopt;
               }});
  t.push_back({"replay_directory",
               Kind::text,
               {"", "replay.directory", "", "ZEROCAST_REPLAY_DIRECTORY", "", ""},
               "PATH",
               "Where SaveReplay writes when given no path; empty: $XDG_VIDEOS_DIR or ~/Videos",
               "",
               {},
               0,
               0,
               false,
               {},
               [](Settings& s, const Value& v) -> Why {
                 if (!text(v).empty() && text(v).front() != '/') return "must be an absolute path";
                 s.daemon.replay_directory = text(v);
                 return std::nullopt;
               }});
  t.push_back({"max_captures",
               Kind::integer,
               {"", "daemon.max_captures", "", "ZEROCAST_DAEMON_MAX_CAPTURES", "", "--max-captures"},
               "N",
               "How many captures may run at once",
               "4",
               {},
               1,
               64,
               false,
               {},
               [](Settings& s, const Value& v) -> Why {
                 s.daemon.max_captures = u32(v);
                 return std::nullopt;
               }});
  t.push_back({"metrics",
               Kind::text,
               {"", "daemon.metrics", "", "ZEROCAST_DAEMON_METRICS", "", "--metrics"},
               "HOST:PORT",
               "Serve Prometheus metrics on HOST:PORT (e.g. \"127.0.0.1:9187\"); empty: off",
               "",
               {},
               0,
               0,
               false,
               {},
               [](Settings& s, const Value& v) -> Why {
                 const std::string& a = text(v);
                 if (!a.empty()) {
                   const auto colon = a.rfind(':');
                   const auto port = colon == std::string::npos
                                         ? std::nullopt
                                         : parse_number<int>(std::string_view(a).substr(colon + 1));
                   if (colon == 0 || !port || *port < 1 || *port > 65535) return "must be HOST:PORT";
                 }
                 s.daemon.metrics = a;
                 return std::nullopt;
               }});
  t.push_back({"notifications",
               Kind::flag,
               {"", "daemon.notifications", "", "ZEROCAST_DAEMON_NOTIFICATIONS", "", ""},
               "",
               "Desktop notifications (org.freedesktop.Notifications) when a replay is saved and when an error "
               "ends a capture",
               "true",
               {},
               0,
               0,
               false,
               {},
               [](Settings& s, const Value& v) -> Why {
                 s.daemon.notifications = flag(v);
                 return std::nullopt;
               }});
  t.push_back({"reconnect_seconds",
               Kind::number,
               {"", "capture.reconnect_seconds", "", "ZEROCAST_CAPTURE_RECONNECT_SECONDS", "", ""},
               "SECONDS",
               "After PipeWire went away, retry this long before giving up; 0: forever",
               "60.0",
               {},
               0,
               86400,
               false,
               {},
               [](Settings& s, const Value& v) -> Why {
                 s.daemon.reconnect_seconds = number(v);
                 return std::nullopt;
               }});
  t.push_back({"reconnect_min_ms",
               Kind::integer,
               {"", "network.reconnect_min_ms", "", "ZEROCAST_NETWORK_RECONNECT_MIN_MS", "", ""},
               "MS",
               "First wait before reconnecting a lost network output (doubles each time)",
               "500",
               {},
               10,
               600000,
               false,
               {},
               [](Settings& s, const Value& v) -> Why {
                 s.daemon.reconnect_min_ms = u32(v);
                 return std::nullopt;
               }});
  t.push_back({"reconnect_max_ms",
               Kind::integer,
               {"", "network.reconnect_max_ms", "", "ZEROCAST_NETWORK_RECONNECT_MAX_MS", "", ""},
               "MS",
               "Longest wait between reconnects",
               "30000",
               {},
               10,
               600000,
               false,
               {},
               [](Settings& s, const Value& v) -> Why {
                 s.daemon.reconnect_max_ms = u32(v);
                 return std::nullopt;
               }});
  t.push_back({"give_up_seconds",
               Kind::number,
               {"", "network.give_up_seconds", "", "ZEROCAST_NETWORK_GIVE_UP_SECONDS", "", ""},
               "SECONDS",
               "A network output that finds no peer for this long (from its first failure) fails; 0: retry forever",
               "60.0",
               {},
               0,
               86400,
               false,
               {},
               [](Settings& s, const Value& v) -> Why {
                 s.daemon.give_up_seconds = number(v);
                 return std::nullopt;
               }});
}

}  // namespace zc::settings::rows
