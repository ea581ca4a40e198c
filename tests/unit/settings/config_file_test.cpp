// Config parsing: the example file, precedence, and errors that name file, line and key.
#include <filesystem>
#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>

#include "settings/config_file.hpp"
#include "settings/table.hpp"
#include "support/paths.hpp"
#include "support/process.hpp"

using namespace zc;
using namespace zc::settings;

namespace {

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string error_of(const Result<Settings>& r) {
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Errc::invalid_argument);
  CHECK(r.error().stage == "config");
  return r.error().message;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("the example config lists every key with its default", "[config]") {
  const std::string path = zc::test::source_dir() + "/config/zerocast.toml";
  const std::string text = read(path);
  REQUIRE(!text.empty());
  auto parsed = parse_config(text, path);
  REQUIRE(parsed);
  CHECK(*parsed == defaults(Command::daemon));
  // Every key is written out (not only left to its default), under its table, with the default.
  for (const auto& row : table()) {
    if (row.doors.toml.empty()) continue;
    const std::string name(row.doors.toml);
    const auto dot = name.find('.');
    const std::string table = "[" + name.substr(0, dot) + "]";
    const std::string line = "\n" + name.substr(dot + 1) + " = " + toml_default(row) + "\n";
    const auto table_at = text.find("\n" + table + "\n");
    INFO(name << " should appear as '" << line.substr(1, line.size() - 2) << "' under " << table);
    REQUIRE(table_at != std::string::npos);
    const auto line_at = text.find(line, table_at);
    REQUIRE(line_at != std::string::npos);
    const auto next_table = text.find("\n[", table_at + 1);
    CHECK(line_at < next_table);
  }
}

TEST_CASE("a config file overrides defaults, key by key", "[config]") {
  auto c = parse_config(
      "[daemon]\nmax_captures = 2\n[capture]\ncodec = \"hevc\"\ngop_seconds = 1\nscale = \"1280x720\"\n"
      "[replay]\nseconds = 30\n",
      "/x/config.toml");
  REQUIRE(c);
  CHECK(c->daemon.max_captures == 2);
  CHECK(c->capture.codec == zc::encode::Codec::HEVC);
  CHECK(c->capture.gop_seconds == 1.0);  // an integer is a fine number
  REQUIRE(c->capture.scale);
  CHECK(c->capture.scale->width == 1280);
  CHECK(c->daemon.replay_seconds == 30);
  CHECK(c->capture.bitrate_kbps == defaults(Command::daemon).capture.bitrate_kbps);
}

TEST_CASE("config errors name the file, the line and the key", "[config]") {
  const std::string path = "/home/u/.config/zerocast/config.toml";
  SECTION("unknown key") {
    auto m = error_of(parse_config("[capture]\ncodec = \"h264\"\nbitrat = 100\n", path));
    CHECK(contains(m, path + ":3"));
    CHECK(contains(m, "unknown key 'capture.bitrat'"));
  }
  SECTION("unknown table") {
    auto m = error_of(parse_config("\n[captures]\ncodec = \"h264\"\n", path));
    CHECK(contains(m, path + ":2"));
    CHECK(contains(m, "unknown table '[captures]'"));
  }
  SECTION("a key outside its table") {
    auto m = error_of(parse_config("max_captures = 3\n", path));
    CHECK(contains(m, path + ":1"));
    CHECK(contains(m, "'max_captures' belongs in [daemon]"));
  }
  SECTION("wrong type") {
    auto m = error_of(parse_config("[daemon]\n\n\nmax_captures = \"four\"\n", path));
    CHECK(contains(m, path + ":4"));
    CHECK(contains(m, "'daemon.max_captures' must be an integer, not a string"));
  }
  SECTION("out of range") {
    auto m = error_of(parse_config("[daemon]\nmax_captures = 0\n", path));
    CHECK(contains(m, path + ":2"));
    CHECK(contains(m, "'daemon.max_captures' must be 1..64"));
  }
  SECTION("a value the key does not accept") {
    auto m = error_of(parse_config("[capture]\ncodec = \"vp9\"\n", path));
    CHECK(contains(m, path + ":2"));
    CHECK(contains(m, "'capture.codec'"));
    auto s = error_of(parse_config("[capture]\nscale = \"1281x720\"\n", path));
    CHECK(contains(s, "'capture.scale'"));
    auto t = error_of(parse_config("[daemon]\nmetrics = \"localhost\"\n", path));
    CHECK(contains(t, "HOST:PORT"));
    auto d = error_of(parse_config("[capture]\ncodec = \"hevc\"\nbit_depth = \"12\"\n", path));
    CHECK(contains(d, path + ":3"));
    CHECK(contains(d, "'capture.bit_depth'"));
  }
  SECTION("audio") {
    auto m = error_of(parse_config("[audio]\nsources = \"output; speakers\"\n", path));
    CHECK(contains(m, path + ":2"));
    CHECK(contains(m, "'audio.sources'"));
    CHECK(contains(m, "speakers"));
    auto v = error_of(parse_config("[audio]\nsources = \"input,volume=loud\"\n", path));
    CHECK(contains(v, "volume=DB"));
    CHECK(contains(error_of(parse_config("[audio]\ntracks = \"both\"\n", path)), "'audio.tracks'"));
    CHECK(contains(error_of(parse_config("[audio]\ncodec = \"mp3\"\n", path)), "'audio.codec'"));
    CHECK(contains(error_of(parse_config("[audio]\nbitrate = 1000\n", path)), "'audio.bitrate' must be 0..512"));
  }
  SECTION("TOML syntax") {
    auto m = error_of(parse_config("[daemon]\nmax_captures = = 3\n", path));
    CHECK(contains(m, path + ":2"));
  }
  SECTION("contradictions") {
    auto m = error_of(parse_config("[network]\nreconnect_min_ms = 5000\nreconnect_max_ms = 1000\n", path));
    CHECK(contains(m, "network.reconnect_min_ms"));
    // --cfr without fps holds the rate the producer announces: no contradiction.
    CHECK(parse_config("[capture]\ncfr = true\n", path));
  }
}

TEST_CASE("precedence: command line > environment > file > defaults", "[config]") {
  const std::string dir = zc::test::make_temp_dir("zc-config");
  const std::string path = dir + "/config.toml";
  {
    std::ofstream out(path);
    out << "[capture]\ncodec = \"hevc\"\nbitrate = 1000\nfps = 30\n[daemon]\nmax_captures = 2\n";
  }
  ConfigSources src;
  src.path = path;
  auto file_only = load_config(src);
  REQUIRE(file_only);
  CHECK(file_only->capture.codec == zc::encode::Codec::HEVC);
  CHECK(file_only->daemon.max_captures == 2);

  std::map<std::string, std::string> vars = {{"ZEROCAST_CAPTURE_BITRATE", "2000"},
                                             {"ZEROCAST_DAEMON_MAX_CAPTURES", "3"},
                                             {"ZEROCAST_ENCODER", "libx264"},
                                             {"ZEROCAST_LOG", "debug"}};
  src.env = Environment(vars);
  auto with_env = load_config(src);
  REQUIRE(with_env);
  CHECK(with_env->capture.codec == zc::encode::Codec::HEVC);
  CHECK(with_env->capture.bitrate_kbps == 2000);
  CHECK(with_env->daemon.max_captures == 3);
  CHECK(with_env->capture.encoder == "libx264");
  CHECK(with_env->capture.fps == 30);
  CHECK(with_env->process.log_level == "debug");

  src.overrides = {{"daemon.max_captures", "5"}};
  auto with_cli = load_config(src);
  REQUIRE(with_cli);
  CHECK(with_cli->daemon.max_captures == 5);
  CHECK(with_cli->capture.bitrate_kbps == 2000);

  SECTION("errors in the environment and on the command line are named too") {
    vars["ZEROCAST_CAPTURE_BITRATE"] = "fast";
    src.env = Environment(vars);
    auto m = error_of(load_config(src));
    CHECK(contains(m, "environment ZEROCAST_CAPTURE_BITRATE must be 0..500000, not 'fast'"));
    vars.erase("ZEROCAST_CAPTURE_BITRATE");
    src.env = Environment(vars);
    src.overrides = {{"daemon.max_captures", "99"}};
    CHECK(contains(error_of(load_config(src)), "must be 1..64"));
    src.overrides = {{"daemon.nope", "1"}};
    CHECK(contains(error_of(load_config(src)), "unknown key 'daemon.nope'"));
  }
  SECTION("a missing file is fine unless it was asked for") {
    ConfigSources missing;
    missing.path = dir + "/absent.toml";
    auto d = load_config(missing);
    REQUIRE(d);
    CHECK(*d == defaults(Command::daemon));
    missing.required = true;
    CHECK(contains(error_of(load_config(missing)), "does not exist"));
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("config keys have their environment names", "[config]") {
  const Setting* row = find(&Doors::toml, "daemon.max_captures");
  REQUIRE(row);
  CHECK(row->doors.env == "ZEROCAST_DAEMON_MAX_CAPTURES");
  CHECK(row->kind == Kind::integer);
  CHECK(toml_default(*row) == "4");
  // Every key's variable is ZEROCAST_ and the key in capitals, its dot an underscore.
  for (const auto& r : table()) {
    if (r.doors.toml.empty()) continue;
    std::string want = "ZEROCAST_";
    for (char c : r.doors.toml)
      want += c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    CHECK(r.doors.env == want);
  }
}
