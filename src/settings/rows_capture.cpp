// What to capture and where to, the video's encoding, when to stop.
#include "capture/graph/source.hpp"
#include "core/parse_number.hpp"
#include "settings/rows.hpp"

namespace zc::settings::rows {

void add_capture(std::vector<Setting>& t) {
  t.push_back({"source",
               Kind::text,
               {"--source", "daemon.default_source", "source", "ZEROCAST_DAEMON_DEFAULT_SOURCE", "", "--source"},
               "test | node:ID | serial:N | gamescope | portal[:monitor|window|virtual]",
               "What to capture (the screen by default; the daemon's: StartCapture's source when it names none)",
               "portal",
               "portal",
               0,
               0,
               false,
               {},
               [](Settings& s, const Value& v) -> Why {
                 auto spec = capture::parse_source(text(v));
                 if (!spec) return spec.error().message;
                 s.capture.source = *spec;
                 return std::nullopt;
               }});
  t.push_back({"outputs",
               Kind::list,
               {"-o,--output", "", "outputs", "", "", ""},
               "FILE | URL",
               "Output file (.mkv .mp4 .ts) or URL (srt:// udp:// rtp:// rtmp:// rtmps:// tcp://); repeatable. A "
               "folder or a template (%Y-%m-%d_%H-%M-%S, {source}, {id}) names a new file; record's default: "
               "the videos folder",
               "",
               {},
               0,
               0,
               false,
               {},
               [](Settings& s, const Value& v) -> Why {
                 s.capture.outputs = items(v);
                 return std::nullopt;
               }});
  t.push_back({"codec",
               Kind::text,
               {"--codec", "capture.codec", "codec", "ZEROCAST_CAPTURE_CODEC", "", ""},
               "h264 | hevc | av1",
               "The video codec",
               "h264",
               {},
               0,
               0,
               false,
               {},
               [](Settings& s, const Value& v) -> Why {
                 auto codec = encode::codec_from_string(text(v));
                 if (!codec) return "must be h264, hevc or av1";
                 s.capture.codec = *codec;
                 return std::nullopt;
               }});
  t.push_back({"encoder",
               Kind::text,
               {"--encoder", "capture.encoder", "encoder", "ZEROCAST_CAPTURE_ENCODER", "ZEROCAST_ENCODER", ""},
               "auto | NAME",
               "auto (NVENC, then software, each proven by opening it), or an FFmpeg encoder name (libx264, "
               "hevc_nvenc, ...)",
               "auto",
               {},
               0,
               0,
               false,
               {},
               [](Settings& s, const Value& v) -> Why {
                 if (text(v).empty()) return "must not be empty (use \"auto\")";
                 s.capture.encoder = text(v);
                 return std::nullopt;
               }});
  t.push_back({"bitrate",
               Kind::integer,
               {"--bitrate", "capture.bitrate", "bitrate", "ZEROCAST_CAPTURE_BITRATE", "", ""},
               "kbit/s",
               "Bitrate in kbit/s; 0: the tuning's default (constant quality for files, CBR for streams)",
               "0",
               {},
               0,
               500000,
               false,
               {},
               [](Settings& s, const Value& v) -> Why {
                 s.capture.bitrate_kbps = u32(v);
                 return std::nullopt;
               }});
  t.push_back({"fps",
               Kind::integer,
               {"--fps", "capture.fps", "fps", "ZEROCAST_CAPTURE_FPS", "", ""},
               "FPS",
               "Nominal frame rate (rate control; the rate cfr holds); 0: the rate the source announces",
               "0",
               {},
               0,
               240,
               false,
               {},
               [](Settings& s, const Value& v) -> Why {
                 s.capture.fps = u32(v);
                 return std::nullopt;
               }});
  t.push_back({"gop",
               Kind::integer,
               {"--gop", "", "gop", "", "", ""},
               "FRAMES",
               "Keyframe interval in frames; 0: gop_seconds' worth at the capture's rate",
               "0",
               {},
               0,
               100000,
               false,
               {},
               [](Settings& s, const Value& v) -> Why {
                 s.capture.gop_frames = u32(v);
                 return std::nullopt;
               }});
  t.push_back({"gop_seconds",
               Kind::number,
               {"", "capture.gop_seconds", "", "ZEROCAST_CAPTURE_GOP_SECONDS", "", ""},
               "SECONDS",
               "Keyframe interval in seconds (the replay buffer trims whole GOPs)",
               "2.0",
               {},
               0.1,
               60,
               false,
               {},
               [](Settings& s, const Value& v) -> Why {
                 s.capture.gop_seconds = number(v);
                 return std::nullopt;
               }});
  t.push_back({"scale",
               Kind::text,
               {"--scale", "capture.scale", "scale", "ZEROCAST_CAPTURE_SCALE", "", ""},
               "WIDTHxHEIGHT",
               "Output size, scaled in the colour-conversion pass; empty: the source's size",
               "",
               {},
               0,
               0,
               false,
               {},
               [](Settings& s, const Value& v) { return size_or_none(text(v), s.capture.scale); }});
  t.push_back({"region",
               Kind::text,
               {"--region", "capture.region", "region", "ZEROCAST_CAPTURE_REGION", "", ""},
               "X,Y,WxH | select",
               "Record a part of the picture: X,Y,WIDTHxHEIGHT in its pixels, or select to draw it with slurp; "
               "cropped in the colour-conversion pass, before --scale; empty: all of it",
               "",
               {},
               0,
               0,
               false,
               {},
               [](Settings& s, const Value& v) -> Why {
                 if (text(v).empty()) {
                   s.capture.region.reset();
                   return std::nullopt;
                 }
                 auto region = session::parse_region(text(v));
                 if (!region) return region.error().message;
                 s.capture.region = *region;
                 return std::nullopt;
               }});
  t.push_back({"tuning",
               Kind::text,
               {"--tuning", "capture.tuning", "tuning", "ZEROCAST_CAPTURE_TUNING", "", ""},
               "auto | low-latency | quality",
               "auto (low latency when any output is a URL, quality for files) | low-latency | quality",
               "auto",
               {},
               0,
               0,
               false,
               {{"--low-latency", "low-latency", "Low-latency tuning (the default when any output is a URL)"},
                {"--quality", "quality", "Quality tuning (the default for files)"}},
               [](Settings& s, const Value& v) -> Why {
                 if (auto bad = one_of(text(v), {"auto", "low-latency", "quality"})) return bad;
                 s.capture.tuning.reset();
                 if (text(v) == "low-latency") s.capture.tuning = encode::Tuning::LowLatency;
                 if (text(v) == "quality") s.capture.tuning = encode::Tuning::Quality;
                 return std::nullopt;
               }});
  t.push_back({"bit_depth",
               Kind::text,
               {"--bit-depth", "capture.bit_depth", "bit-depth", "ZEROCAST_CAPTURE_BIT_DEPTH", "", ""},
               "auto | 8 | 10",
               "auto (10 bits when the source has them and the encoder takes them: HEVC Main 10, AV1), 8 or 10 "
               "(HEVC or AV1 only)",
               "auto",
               {},
               0,
               0,
               false,
               {},
               [](Settings& s, const Value& v) -> Why {
                 auto depth = encode::bit_depth_from_string(text(v));
                 if (!depth) return "must be auto, 8 or 10";
                 s.capture.bit_depth = *depth;
                 return std::nullopt;
               }});
  t.push_back({"color_matrix",
               Kind::text,
               {"--color-matrix", "capture.color_matrix", "color-matrix", "ZEROCAST_CAPTURE_COLOR_MATRIX", "", ""},
               "auto | bt709 | bt601",
               "The matrix screens (RGB) are converted to YUV with: auto (BT.709 above 576 lines, BT.601 at or "
               "below, what players assume), bt709 or bt601; YUV sources keep their own",
               "auto",
               {},
               0,
               0,
               false,
               {},
               [](Settings& s, const Value& v) -> Why {
                 auto m = matrix_choice_from_string(text(v));
                 if (!m) return "must be auto, bt709 or bt601";
                 s.capture.colour.matrix = *m;
                 return std::nullopt;
               }});
  t.push_back({"color_range",
               Kind::text,
               {"--color-range", "capture.color_range", "color-range", "ZEROCAST_CAPTURE_COLOR_RANGE", "", ""},
               "limited | full",
               "The range screens (RGB) are converted to: limited (16-235, what every player expects) or full "
               "(0-255, sharper for text where players honour the tag); YUV sources keep their own",
               "limited",
               {},
               0,
               0,
               false,
               {},
               [](Settings& s, const Value& v) -> Why {
                 auto r = colour_range_from_string(text(v));
                 if (!r) return "must be limited or full";
                 s.capture.colour.range = *r;
                 return std::nullopt;
               }});
  t.push_back({"mastering_display",
               Kind::text,
               {"--mastering-display", "capture.mastering_display", "mastering-display",
                "ZEROCAST_CAPTURE_MASTERING_DISPLAY", "", ""},
               "G(x,y)B(x,y)R(x,y)WP(x,y)L(max,min) | PRIMARIES,MAX,MIN",
               "HDR streams: the display the picture was made on (HDR10's mastering display), in x265's form "
               "or as bt2020|p3-d65|bt709 with its most and least light in cd/m² (p3-d65,1000,0.0001); empty: none",
               "",
               {},
               0,
               0,
               false,
               {},
               [](Settings& s, const Value& v) -> Why {
                 s.capture.hdr.display.reset();
                 if (text(v).empty()) return std::nullopt;
                 auto d = encode::parse_mastering_display(text(v));
                 if (!d) return d.error().message;
                 s.capture.hdr.display = *d;
                 return std::nullopt;
               }});
  t.push_back({"content_light",
               Kind::text,
               {"--content-light", "capture.content_light", "content-light", "ZEROCAST_CAPTURE_CONTENT_LIGHT", "", ""},
               "MAXCLL,MAXFALL",
               "HDR streams: the brightest pixel and the brightest frame's average in cd/m² (HDR10's content "
               "light level, 1000,400); empty: none",
               "",
               {},
               0,
               0,
               false,
               {},
               [](Settings& s, const Value& v) -> Why {
                 s.capture.hdr.light.reset();
                 if (text(v).empty()) return std::nullopt;
                 auto l = encode::parse_content_light(text(v));
                 if (!l) return l.error().message;
                 s.capture.hdr.light = *l;
                 return std::nullopt;
               }});
  t.push_back({"cursor",
               Kind::flag,
               {"--no-cursor", "capture.cursor", "cursor", "ZEROCAST_CAPTURE_CURSOR", "", ""},
               "",
               "The pointer in the picture (the portal's embedded cursor, or a metadata cursor drawn); --no-cursor "
               "leaves it out",
               "true",
               {},
               0,
               0,
               true,
               {},
               [](Settings& s, const Value& v) -> Why {
                 s.capture.draw_cursor = flag(v);
                 return std::nullopt;
               }});
  t.push_back({"overwrite",
               Kind::flag,
               {"--force", "capture.overwrite", "overwrite", "ZEROCAST_CAPTURE_OVERWRITE", "", ""},
               "",
               "Replace an output file that exists (without it, such a file is refused before anything starts)",
               "false",
               {},
               0,
               0,
               false,
               {},
               [](Settings& s, const Value& v) -> Why {
                 s.capture.overwrite = flag(v);
                 return std::nullopt;
               }});
  t.push_back({"cfr",
               Kind::flag,
               {"--cfr", "capture.cfr", "cfr", "ZEROCAST_CAPTURE_CFR", "", ""},
               "",
               "Repeat frames to hold fps (else the rate the producer announces) when it sends only on change",
               "false",
               {},
               0,
               0,
               false,
               {},
               [](Settings& s, const Value& v) -> Why {
                 s.capture.cfr = flag(v);
                 return std::nullopt;
               }});
  t.push_back({"duration",
               Kind::text,
               {"--duration", "", "", "", "", ""},
               "5 | 5s | 2m | 1h30m",
               "Stop after this long (seconds unless a unit says otherwise); unset: until Ctrl-C",
               "",
               {},
               0,
               0,
               false,
               {},
               [](Settings& s, const Value& v) -> Why {
                 s.capture.duration_s.reset();
                 if (text(v).empty()) return std::nullopt;
                 const auto seconds = parse_duration_s(text(v));
                 if (!seconds || *seconds <= 0 || *seconds > 366.0 * 86400) {
                   return "must be a length of time above 0 and within a year: 5 (seconds), 5s, 2m, 1h30m";
                 }
                 s.capture.duration_s = *seconds;
                 return std::nullopt;
               }});
  t.push_back({"frames",
               Kind::integer,
               {"--frames", "", "", "", "", ""},
               "FRAMES",
               "Stop after this many frames; 0: no limit",
               "0",
               {},
               0,
               1e15,
               false,
               {},
               [](Settings& s, const Value& v) -> Why {
                 s.capture.max_frames.reset();
                 if (integer(v) > 0) s.capture.max_frames = static_cast<uint64_t>(integer(v));
                 return std::nullopt;
               }});
}

}  // namespace zc::settings::rows
