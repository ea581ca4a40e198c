// The process's toggles: environment variables only, read once at start.
#include "settings/rows.hpp"

namespace zc::settings::rows {

void add_process(std::vector<Setting>& t) {
  t.push_back({"log",
               Kind::text,
               {"", "", "", "ZEROCAST_LOG", "", ""},
               "trace | debug | info | warn | error | critical | off",
               "How much the log says",
               "info",
               {},
               0,
               0,
               false,
               {},
               [](Settings& s, const Value& v) -> Why {
                 if (auto bad = one_of(text(v), {"trace", "debug", "info", "warn", "error", "critical", "off"})) {
                   return bad;
                 }
                 s.process.log_level = text(v);
                 return std::nullopt;
               }});
  t.push_back({"log_time",
               Kind::flag,
               {"", "", "", "ZEROCAST_LOG_TIME", "", ""},
               "",
               "The time of day on every log line (journald and terminals stamp lines themselves)",
               "false",
               {},
               0,
               0,
               false,
               {},
               [](Settings& s, const Value& v) -> Why {
                 s.process.log_time = flag(v);
                 return std::nullopt;
               }});
  t.push_back({"ffmpeg_debug",
               Kind::flag,
               {"", "", "", "ZEROCAST_FFMPEG_DEBUG", "", ""},
               "",
               "FFmpeg's own messages at its debug level",
               "false",
               {},
               0,
               0,
               false,
               {},
               [](Settings& s, const Value& v) -> Why {
                 s.process.ffmpeg_debug = flag(v);
                 return std::nullopt;
               }});
  t.push_back({"nice",
               Kind::integer,
               {"", "", "", "ZEROCAST_NICE", "", ""},
               "-20..0",
               "The threads' priority (through RealtimeKit where setpriority is refused); 0: as started",
               "-10",
               {},
               -20,
               0,
               false,
               {},
               [](Settings& s, const Value& v) -> Why {
                 s.process.nice = static_cast<int>(integer(v));
                 return std::nullopt;
               }});
  t.push_back({"malloc_tuning",
               Kind::flag,
               {"", "", "", "ZEROCAST_MALLOC_TUNING", "", ""},
               "",
               "Large frames from mmap and one malloc arena (glibc's own MALLOC_ variables win)",
               "true",
               {},
               0,
               0,
               false,
               {},
               [](Settings& s, const Value& v) -> Why {
                 s.process.malloc_tuning = flag(v);
                 return std::nullopt;
               }});
  t.push_back({"trim_libraries",
               Kind::flag,
               {"", "", "", "ZEROCAST_TRIM_LIBRARIES", "", ""},
               "",
               "Give back the library pages only the loader used",
               "true",
               {},
               0,
               0,
               false,
               {},
               [](Settings& s, const Value& v) -> Why {
                 s.process.trim_libraries = flag(v);
                 return std::nullopt;
               }});
  t.push_back({"zerocopy",
               Kind::text,
               {"", "", "", "ZEROCAST_ZEROCOPY", "", ""},
               "auto | 1 | 0",
               "The GPU import path: auto, 1 (required: fail at start without it) or 0 (the CPU path)",
               "auto",
               {},
               0,
               0,
               false,
               {},
               [](Settings& s, const Value& v) -> Why {
                 auto mode = session::parse_zerocopy_mode(text(v));
                 if (!mode) return "must be auto, 1 or 0";
                 s.process.zerocopy = *mode;
                 return std::nullopt;
               }});
  t.push_back({"vaapi_device",
               Kind::text,
               {"", "", "", "ZEROCAST_VAAPI_DEVICE", "", ""},
               "PATH",
               "The DRM render node VA-API encodes on; unset: the first whose driver opens",
               "",
               {},
               0,
               0,
               false,
               {},
               [](Settings& s, const Value& v) -> Why {
                 const std::string node = text(v);
                 if (!node.empty() && node.front() != '/') return "must be a path such as /dev/dri/renderD128";
                 s.process.vaapi_device = node;
                 return std::nullopt;
               }});
  t.push_back({"cpu_dmabuf",
               Kind::flag,
               {"", "", "", "ZEROCAST_CPU_DMABUF", "", ""},
               "",
               "The CPU path offers LINEAR dmabufs too",
               "false",
               {},
               0,
               0,
               false,
               {},
               [](Settings& s, const Value& v) -> Why {
                 s.process.cpu_dmabuf = flag(v);
                 return std::nullopt;
               }});
  t.push_back({"damage",
               Kind::flag,
               {"", "", "", "ZEROCAST_DAMAGE", "", ""},
               "",
               "The CPU path converts only what the producer's damage names",
               "true",
               {},
               0,
               0,
               false,
               {},
               [](Settings& s, const Value& v) -> Why {
                 s.process.damage = flag(v);
                 return std::nullopt;
               }});
  t.push_back({"capture_buffers",
               Kind::integer,
               {"", "", "", "ZEROCAST_CAPTURE_BUFFERS", "", ""},
               "0 | 2..16",
               "The most buffers capture asks the producer for; 0: the producer's count",
               "4",
               {},
               0,
               16,
               false,
               {},
               [](Settings& s, const Value& v) -> Why {
                 if (integer(v) == 1) return "must be 0 (the producer's count) or 2..16";
                 s.capture.toggles.capture_buffers = u32(v);
                 return std::nullopt;
               }});
  t.push_back({"relink",
               Kind::flag,
               {"", "", "", "ZEROCAST_RELINK", "", ""},
               "",
               "Link capture again when a session manager's restart takes its links",
               "true",
               {},
               0,
               0,
               false,
               {},
               [](Settings& s, const Value& v) -> Why {
                 s.capture.toggles.relink = flag(v);
                 return std::nullopt;
               }});
  t.push_back({"encoder_threads",
               Kind::integer,
               {"", "", "", "ZEROCAST_ENCODER_THREADS", "", ""},
               "1..64",
               "Threads of a software encoder; 0 or unset: the encoder's own choice",
               "0",
               {},
               0,
               64,
               false,
               {},
               [](Settings& s, const Value& v) -> Why {
                 s.capture.toggles.encoder_threads = u32(v);
                 return std::nullopt;
               }});
}

}  // namespace zc::settings::rows
