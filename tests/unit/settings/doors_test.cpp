// Every setting of the table through each of its doors: the record command line, the config file,
// StartCapture's a{sv} and the environment give the same value, and a bad value the same message
// with the door named. Then the defaults, and what the record command reads of the environment.
#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <vector>

#include "settings/capture_options.hpp"
#include "settings/cli_options.hpp"
#include "settings/config_file.hpp"
#include "settings/environment.hpp"
#include "settings/table.hpp"

using namespace zc;
using namespace zc::settings;

namespace {

// A value each setting takes (unlike its default), and one it refuses (empty: none to try).
struct Sample {
  std::string good;
  std::string bad;
};

const std::map<std::string, Sample>& samples() {
  static const std::map<std::string, Sample> s = {
      {"source", {"node:57", "camera"}},
      {"outputs", {"/v/a.mkv", ""}},
      {"codec", {"hevc", "vp9"}},
      {"encoder", {"libx265", ""}},
      {"bitrate", {"2500", "900000"}},
      {"fps", {"30", "241"}},
      {"gop", {"15", "200000"}},
      {"gop_seconds", {"1.5", "100"}},
      {"scale", {"1280x720", "1281x720"}},
      {"region", {"64,32,640x360", "64,32,640"}},
      {"tuning", {"quality", "fast"}},
      {"bit_depth", {"8", "12"}},
      {"color_matrix", {"bt601", "bt2020"}},
      {"color_range", {"full", "tv"}},
      {"mastering_display", {"p3-d65,1000,0.0001", "p3,1000"}},
      {"content_light", {"1000,400", "400,1000"}},
      {"cursor", {"false", ""}},
      {"cfr", {"true", ""}},
      {"overwrite", {"true", ""}},
      {"duration", {"5", "99999999999"}},
      {"frames", {"30", "4x"}},
      {"audio", {"input,volume=-6", "speakers"}},
      {"audio_tracks", {"separate", "both"}},
      {"audio_codec", {"aac", "mp3"}},
      {"audio_bitrate", {"96", "1000"}},
      {"test_audio_ppm", {"200", "200000"}},
      {"test_size", {"640x360", "640"}},
      {"test_fps", {"25", "0"}},
      {"replay", {"20", "4000"}},
      {"replay_max_megabytes", {"64", "0"}},
      {"replay_directory", {"/v", "videos"}},
      {"max_captures", {"8", "0"}},
      {"metrics", {"127.0.0.1:9187", "localhost"}},
      {"notifications", {"false", "maybe"}},
      {"reconnect_seconds", {"30", "-1"}},
      {"reconnect_min_ms", {"100", "5"}},
      {"reconnect_max_ms", {"60000", "5"}},
      {"give_up_seconds", {"120", "-1"}},
      {"shortcuts", {"false", "maybe"}},
      {"shortcut_save_replay", {"CTRL+ALT+R", "CTRL+"}},
      {"shortcut_start_stop", {"LOGO+F9", "HYPER+F9"}},
      {"shortcut_pause_resume", {"SHIFT+Pause", "CTRL ALT P"}},
      {"shortcut_mute_microphone", {"CTRL+ALT+M", "+M"}},
      {"shortcut_replay_seconds", {"60", "3601"}},
      {"log", {"debug", "loud"}},
      {"log_time", {"true", "maybe"}},
      {"ffmpeg_debug", {"true", "maybe"}},
      {"nice", {"-5", "5"}},
      {"malloc_tuning", {"false", "maybe"}},
      {"trim_libraries", {"false", "maybe"}},
      {"zerocopy", {"0", "maybe"}},
      {"vaapi_device", {"/dev/dri/renderD129", "renderD129"}},
      {"cpu_dmabuf", {"true", "maybe"}},
      {"damage", {"false", "maybe"}},
      {"capture_buffers", {"8", "1"}},
      {"relink", {"false", "maybe"}},
      {"encoder_threads", {"4", "65"}},
  };
  return s;
}

Environment env_of(std::map<std::string, std::string> variables) {
  return Environment(std::move(variables));
}

// The value as a typed door (D-Bus) sends it.
Input typed(const Setting& row, const std::string& text) {
  switch (row.kind) {
    case Kind::integer:
      return text.front() == '-' ? Input{static_cast<int64_t>(std::stoll(text))}
                                 : Input{static_cast<uint64_t>(std::stoull(text))};
    case Kind::number:
      return Input{std::stod(text)};
    case Kind::flag:
      return Input{text == "true"};
    case Kind::list:
      return Input{std::vector<std::string>{text}};
    case Kind::text:
      break;
  }
  return Input{text};
}

// The value as the config file writes it.
std::string toml(const Setting& row, const std::string& text) {
  return row.kind == Kind::text || row.kind == Kind::list ? "\"" + text + "\"" : text;
}

// "-o,--output" -> "--output": how the command line's messages name an option.
std::string long_name(std::string_view names) {
  const auto comma = names.rfind(',');
  return std::string(comma == std::string_view::npos ? names : names.substr(comma + 1));
}

// Through the record command line, onto `base`.
Result<Settings> by_command_line(const Setting& row, const std::string& text, Settings base) {
  CLI::App app;
  CommandLine line;
  line.add_options(app, CommandLine::For::record);
  std::vector<std::string> args{"zerocast"};
  args.push_back(long_name(row.doors.cli));
  if (row.kind != Kind::flag) args.push_back(text);
  std::vector<char*> argv;
  for (auto& a : args)
    argv.push_back(a.data());
  app.parse(static_cast<int>(argv.size()), argv.data());
  if (auto ok = line.apply(base); !ok) return tl::unexpected(ok.error());
  return base;
}

Result<Settings> by_config_file(const Setting& row, const std::string& text, const Settings& base) {
  const std::string key(row.doors.toml);
  const auto dot = key.find('.');
  return parse_config("[" + key.substr(0, dot) + "]\n" + key.substr(dot + 1) + " = " + toml(row, text) + "\n",
                      "/c/config.toml", base);
}

Result<Settings> by_environment(std::string_view name, const std::string& text, Settings base) {
  if (auto ok = apply_environment(base, env_of({{std::string(name), text}}), Command::daemon); !ok) {
    return tl::unexpected(ok.error());
  }
  return base;
}

// StartCapture's options: the spec, back as settings (its record and replay seconds).
Result<Settings> by_bus(const Setting& row, const std::string& text, Settings base) {
  OptionMap options{{std::string(row.doors.dbus), typed(row, text)}};
  if (row.doors.dbus != "outputs") options["outputs"] = std::vector<std::string>{"/v/b.mkv"};
  auto spec = capture_spec(base, options);
  if (!spec) return tl::unexpected(spec.error());
  base.capture = spec->record;
  base.daemon.replay_seconds = spec->replay_seconds;
  return base;
}

}  // namespace

TEST_CASE("every setting has a sample here, a help text and at least one door", "[settings]") {
  for (const auto& row : table()) {
    INFO(row.name);
    CHECK(samples().count(std::string(row.name)) == 1);
    CHECK_FALSE(row.help.empty());
    const Doors& d = row.doors;
    CHECK((!d.cli.empty() || !d.toml.empty() || !d.dbus.empty() || !d.env.empty() || !d.daemon_cli.empty()));
  }
  CHECK(samples().size() == table().size());
}

TEST_CASE("every setting through each of its doors: the same value, and a bad one the same named error", "[settings]") {
  // One base for every door (the daemon's defaults, and an output so StartCapture has work).
  Settings base = defaults(Command::daemon);
  for (const auto& row : table()) {
    const Sample& sample = samples().at(std::string(row.name));
    INFO(row.name << " = '" << sample.good << "'");
    // What the table itself makes of the value.
    Settings want = base;
    REQUIRE(set(want, row, Input{sample.good}, kFromText, "test", "test"));
    REQUIRE_FALSE(want == base);  // the sample is not the default, so a door that ignores it fails
    if (!row.doors.cli.empty()) {
      auto got = by_command_line(row, sample.good, base);
      REQUIRE(got);
      CHECK(*got == want);
    }
    if (!row.doors.toml.empty()) {
      auto got = by_config_file(row, sample.good, base);
      REQUIRE(got);
      CHECK(*got == want);
    }
    for (const std::string_view name : {row.doors.env, row.doors.env_alias}) {
      if (name.empty()) continue;
      auto got = by_environment(name, sample.good, base);
      REQUIRE(got);
      CHECK(*got == want);
    }
    if (!row.doors.dbus.empty()) {
      auto got = by_bus(row, sample.good, base);
      REQUIRE(got);
      Settings settled = want;
      if (row.doors.dbus != "outputs") settled.capture.outputs = {"/v/b.mkv"};
      settled.capture.audio_codec = session::audio_codec_for(settled.capture);
      CHECK(*got == settled);
    }

    if (sample.bad.empty()) continue;
    Settings scratch = base;
    auto refused = set(scratch, row, Input{sample.bad}, kFromText, "WHERE", "test");
    REQUIRE_FALSE(refused);
    const std::string reason = refused.error().message.substr(std::string("WHERE ").size());
    INFO("bad: '" << sample.bad << "', refused: " << reason);
    if (!row.doors.cli.empty() && row.kind != Kind::flag) {
      auto got = by_command_line(row, sample.bad, base);
      REQUIRE_FALSE(got);
      CHECK(got.error().message == long_name(row.doors.cli) + " " + reason);
    }
    if (!row.doors.toml.empty() && row.kind != Kind::flag) {
      auto got = by_config_file(row, sample.bad, base);
      REQUIRE_FALSE(got);
      CHECK(got.error().message == "/c/config.toml:2: key '" + std::string(row.doors.toml) + "' " + reason);
    }
    if (!row.doors.env.empty()) {
      auto got = by_environment(row.doors.env, sample.bad, base);
      REQUIRE_FALSE(got);
      CHECK(got.error().message == "environment " + std::string(row.doors.env) + " " + reason);
    }
    if (!row.doors.dbus.empty() && row.kind != Kind::flag) {
      auto got = by_bus(row, sample.bad, base);
      REQUIRE_FALSE(got);
      CHECK(got.error().message == "option '" + std::string(row.doors.dbus) + "' " + reason);
    }
  }
}

TEST_CASE("the table's defaults: the record command's are Settings' own, the daemon's differ where they say",
          "[settings]") {
  CHECK(defaults(Command::record) == Settings{});
  CHECK(Settings{}.capture.source.kind == capture::SourceSpec::Kind::portal);  // the screen
  CHECK(Settings{}.capture.test.size == session::Size{1280, 720});             // what 2 cores keep up with
  CHECK(Settings{}.capture.test.fps == 30);
  const Settings daemon = defaults(Command::daemon);
  REQUIRE(daemon.capture.audio.size() == 1);
  CHECK(daemon.capture.audio[0].spec.kind == capture::AudioSourceSpec::Kind::output);
  // Nothing else differs.
  Settings same = daemon;
  same.capture.audio = Settings{}.capture.audio;
  CHECK(same == Settings{});
}

TEST_CASE("the record command reads every variable the daemon reads (the two read one config file)", "[settings]") {
  Settings s = defaults(Command::record);
  REQUIRE(apply_environment(s,
                            env_of({{"ZEROCAST_ENCODER", "libx264"},
                                    {"ZEROCAST_CAPTURE_CODEC", "hevc"},
                                    {"ZEROCAST_AUDIO_SOURCES", "output"},
                                    {"ZEROCAST_ENCODER_THREADS", "3"},
                                    {"ZEROCAST_NICE", "0"}}),
                            Command::record));
  CHECK(s.capture.encoder == "libx264");
  CHECK(s.capture.codec == encode::Codec::HEVC);
  REQUIRE(s.capture.audio.size() == 1);
  CHECK(s.capture.audio[0].spec.kind == capture::AudioSourceSpec::Kind::output);
  CHECK(s.capture.toggles.encoder_threads == 3);
  CHECK(s.process.nice == 0);
  // The long name of a setting wins over its short one; an empty variable is an unset one.
  Settings d = defaults(Command::daemon);
  REQUIRE(apply_environment(d, env_of({{"ZEROCAST_ENCODER", "libx264"}, {"ZEROCAST_CAPTURE_ENCODER", "libx265"}}),
                            Command::daemon));
  CHECK(d.capture.encoder == "libx265");
  Settings e = defaults(Command::record);
  REQUIRE(apply_environment(e, env_of({{"ZEROCAST_ENCODER", ""}, {"ZEROCAST_NICE", ""}}), Command::record));
  CHECK(e.capture.encoder == "auto");
  CHECK(e.process.nice == -10);
}

TEST_CASE("the environment's places and the allocator's tuning", "[settings]") {
  const Environment xdg({{"XDG_CONFIG_HOME", "/c"}, {"XDG_VIDEOS_DIR", "/v"}, {"HOME", "/h"}});
  CHECK(xdg.config_path() == "/c/zerocast/config.toml");
  CHECK(xdg.videos_dir() == "/v");
  const Environment home({{"HOME", "/h"}, {"XDG_CONFIG_HOME", "relative"}});
  CHECK(home.config_path() == "/h/.config/zerocast/config.toml");
  CHECK(home.videos_dir() == "/h/Videos");
  Settings s = defaults(Command::daemon);
  CHECK(replay_directory(s, home) == "/h/Videos");
  s.daemon.replay_directory = "/r";
  CHECK(replay_directory(s, home) == "/r");

  const Process on;
  CHECK(allocator_tuning(on, env_of({})).enabled);
  Process off;
  off.malloc_tuning = false;
  CHECK_FALSE(allocator_tuning(off, env_of({})).enabled);
  const auto user = allocator_tuning(on, env_of({{"MALLOC_MMAP_THRESHOLD_", "131072"}, {"MALLOC_ARENA_MAX", "4"}}));
  CHECK(user.user_mmap_threshold);
  CHECK(user.user_arena_max);
}
