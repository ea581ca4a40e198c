// `zerocast ctl`: drive the daemon over D-Bus. Without --capture a command acts on the only
// capture there is; with several, it names them and asks which.
#include <cstdio>
#include <filesystem>
#include <memory>

#include "cli/cli.hpp"
#include "cli/ctl_client.hpp"
#include "settings/cli_options.hpp"
#include "settings/table.hpp"

namespace zc::cli {
namespace {

// Exit codes of `zerocast ctl` (documented in the README).
enum CtlExit : int {
  kCtlOk = 0,
  kCtlRefused = 1,   // the daemon answered with an error
  kCtlUsage = 2,     // bad arguments, or several captures and no --capture
  kCtlNoDaemon = 3,  // no daemon on the session bus
};

struct CtlArgs {
  std::string capture;
  // start: StartCapture's options (settings/table.cpp), and --no-audio
  settings::CommandLine start;
  bool no_audio = false;
  // mute, unmute
  std::string audio_source;
  // save-replay
  std::string file;
  uint32_t seconds = 0;
  // bitrate
  uint32_t kbps = 0;
};

// StartCapture's messages name its a{sv} keys ("option 'bitrate' must be ..."; "give 'outputs' or
// 'replay' seconds"): in ctl's words those are its options (--bitrate, -o/--output, --replay).
std::string in_option_words(std::string message) {
  for (const auto& row : settings::table()) {
    std::string_view cli = row.doors.cli.empty() ? row.doors.daemon_cli : row.doors.cli;  // ctl start's option
    if (row.doors.dbus.empty() || cli.empty()) continue;
    if (const auto comma = cli.rfind(','); comma != std::string_view::npos) cli = cli.substr(comma + 1);
    for (const std::string& from :
         {"option '" + std::string(row.doors.dbus) + "'", "'" + std::string(row.doors.dbus) + "'"}) {
      for (size_t at = message.find(from); at != std::string::npos; at = message.find(from, at + cli.size()))
        message.replace(at, from.size(), cli);
    }
  }
  return message;
}

// A refusal in words a person can act on: what to do next where ctl knows it.
CallError explain(CallError e, const std::string& command, const std::string& capture) {
  if (e.no_daemon) return e;
  if (e.name == "org.freedesktop.DBus.Error.UnknownObject" || e.name == "org.freedesktop.DBus.Error.UnknownMethod") {
    const std::string which = capture.empty() ? "the capture has ended" : "no capture '" + capture + "' is running";
    return CallError{"usage", which + " (zerocast ctl status lists them)", false};
  }
  if (command == "start") e.message = in_option_words(e.message);
  if (command == "bitrate" && e.message.find("constant-quality") != std::string::npos) {
    e.message +=
        "; to change the bitrate while it runs, start the capture with one: zerocast ctl start --bitrate "
        "KBPS (or capture.bitrate in the config file)";
  }
  return e;
}

int report(const CallError& e) {
  if (e.no_daemon) {
    std::fprintf(stderr,
                 "zerocast ctl: no zerocast daemon on the session bus (start it: systemctl --user start zerocast)\n");
    return kCtlNoDaemon;
  }
  if (e.name == "usage") {
    std::fprintf(stderr, "zerocast ctl: %s\n", e.message.c_str());
    return kCtlUsage;
  }
  const std::string prefix = "io.github.zerocast.Error.";
  const std::string kind = e.name.rfind(prefix, 0) == 0 ? e.name.substr(prefix.size()) : e.name;
  if (kind.empty()) {
    std::fprintf(stderr, "zerocast ctl: %s\n", e.message.c_str());
  } else {
    std::fprintf(stderr, "zerocast ctl: %s (%s)\n", e.message.c_str(), kind.c_str());
  }
  return kCtlRefused;
}

std::string absolute(const std::string& path) {
  if (path.empty() || path.find("://") != std::string::npos || path.front() == '/') return path;
  return std::filesystem::absolute(path).lexically_normal().string();
}

void print_capture(const CaptureInfo& c) {
  std::printf("%s\n", c.path.c_str());
  std::printf("  state     %s%s\n", c.state.c_str(), c.paused ? " (paused)" : "");
  std::printf("  source    %s\n", c.source.c_str());
  std::printf("  encoder   %s\n", c.encoder.empty() ? "(not chosen yet)" : c.encoder.c_str());
  std::printf("  import    %s\n", c.import_path.c_str());
  std::printf("  fps       %.1f in, %.1f out\n", c.fps_in, c.fps_out);
  std::printf("  frames    %llu captured, %llu encoded, %llu dropped\n",
              static_cast<unsigned long long>(c.frames_captured), static_cast<unsigned long long>(c.frames_encoded),
              static_cast<unsigned long long>(c.frames_dropped));
  if (c.bitrate_kbps) {
    std::printf("  bitrate   %u kbit/s\n", c.bitrate_kbps);
  } else {
    std::printf("  bitrate   the tuning's default\n");
  }
  std::printf("  replay    %.1f s held\n", c.replay_seconds);
  if (c.paused || c.paused_seconds > 0) {
    std::printf("  paused    %.1f s so far, left out of the recording\n", c.paused_seconds);
  }
  for (size_t i = 0; i < c.audio.size(); ++i) {
    const auto& s = c.audio[i];
    std::printf("  %s %-14s %-16s %s peak %6.1f dBFS  drift %+7.1f ppm  gaps %llu%s\n",
                i == 0 ? "audio    " : "         ", s.name.c_str(), s.state.c_str(),
                i == 0 ? c.audio_codec.c_str() : std::string(c.audio_codec.size(), ' ').c_str(), s.peak_dbfs,
                s.drift_ppm, static_cast<unsigned long long>(s.gaps), s.muted ? "  (muted)" : "");
  }
  for (size_t i = 0; i < c.outputs.size(); ++i)
    std::printf("  %s %s\n", i == 0 ? "outputs  " : "         ", c.outputs[i].c_str());
}

int run_ctl(const std::string& command, CtlArgs& a) {
  auto client = CtlClient::connect();
  if (!client) return report(client.error());

  if (command == "status") {
    auto version = client->version();
    if (!version) return report(version.error());
    auto list = client->captures();
    if (!list) return report(list.error());
    std::printf("zerocast daemon %s, %zu capture%s\n", version->c_str(), list->size(), list->size() == 1 ? "" : "s");
    if (auto error = client->config_error(); error && !error->empty()) {
      std::printf("config error (the last good configuration is in use): %s\n", error->c_str());
    }
    for (const auto& path : *list) {
      auto info = client->capture_info(path);
      if (!info) continue;  // it ended between the two calls
      print_capture(*info);
    }
    return kCtlOk;
  }
  if (command == "start") {
    auto o = a.start.options(absolute);
    if (!o) return report(CallError{"usage", o.error().message, false});
    if (a.no_audio) (*o)["audio"] = std::vector<std::string>{};
    auto path = client->start(*o);
    if (!path) return report(explain(path.error(), command, a.capture));
    std::printf("%s\n", path->c_str());
    return kCtlOk;
  }
  if (command == "reload") {
    if (auto ok = client->reload(); !ok) return report(ok.error());
    std::printf("configuration reloaded\n");
    return kCtlOk;
  }

  auto path = client->resolve(a.capture);
  if (!path) return report(explain(path.error(), command, a.capture));
  if (command == "stop") {
    if (auto ok = client->stop(*path); !ok) return report(explain(ok.error(), command, a.capture));
    std::printf("stopped %s\n", path->c_str());
  } else if (command == "save-replay") {
    auto saved = client->save_replay(*path, absolute(a.file), a.seconds);
    if (!saved) return report(explain(saved.error(), command, a.capture));
    std::printf("replay of %s saved to %s (%.1f s)\n", path->c_str(), saved->file.c_str(), saved->seconds);
  } else if (command == "keyframe") {
    if (auto ok = client->keyframe(*path); !ok) return report(explain(ok.error(), command, a.capture));
    std::printf("keyframe requested on %s\n", path->c_str());
  } else if (command == "pause" || command == "resume") {
    const bool pause = command == "pause";
    auto changed = client->set_paused(*path, pause);
    if (!changed) return report(explain(changed.error(), command, a.capture));
    std::printf("%s %s\n", *changed ? (pause ? "paused" : "resumed") : (pause ? "already paused:" : "not paused:"),
                path->c_str());
  } else if (command == "bitrate") {
    if (auto ok = client->set_bitrate(*path, a.kbps); !ok) return report(explain(ok.error(), command, a.capture));
    std::printf("bitrate of %s set to %u kbit/s\n", path->c_str(), a.kbps);
  } else if (command == "mute" || command == "unmute") {
    const bool mute = command == "mute";
    if (auto ok = client->set_audio_mute(*path, a.audio_source, mute); !ok)
      return report(explain(ok.error(), command, a.capture));
    std::printf("%s %s on %s\n", mute ? "muted" : "unmuted", a.audio_source.c_str(), path->c_str());
  }
  return kCtlOk;
}

}  // namespace

std::function<int()> add_ctl_command(CLI::App& app) {
  auto args = std::make_shared<CtlArgs>();
  auto command = std::make_shared<std::string>();
  auto* ctl = app.add_subcommand("ctl", "Control a running zerocast daemon over D-Bus");
  ctl->require_subcommand(1);
  auto capture_option = [&](CLI::App* c) {
    c->add_option("--capture", args->capture, "The capture: its number or object path (default: the only one)")
        ->type_name("N | PATH");
  };

  ctl->add_subcommand("status", "Show the daemon and every capture");
  auto* start = ctl->add_subcommand("start", "Start a capture; prints its object path");
  args->start.add_options(*start, settings::CommandLine::For::ctl_start);
  start->add_flag("--no-audio", args->no_audio, "Record no sound (the config's audio.sources notwithstanding)");

  auto* stop = ctl->add_subcommand("stop", "Stop a capture (its files are finished first)");
  capture_option(stop);
  auto* save = ctl->add_subcommand("save-replay", "Write the replay buffer to a file while the capture goes on");
  save->add_option("file", args->file, "File (.mkv .mp4 .ts); default: the replay directory")->type_name("FILE");
  save->add_option("--seconds", args->seconds, "The last N seconds (default: everything held)");
  capture_option(save);
  auto* key = ctl->add_subcommand("keyframe", "Ask for a keyframe now");
  capture_option(key);
  auto* pause =
      ctl->add_subcommand("pause", "Pause a capture: nothing is encoded until resume (the capture stays connected)");
  capture_option(pause);
  auto* resume = ctl->add_subcommand(
      "resume", "Resume a paused capture: its files go on without the paused time, starting at a keyframe");
  capture_option(resume);
  auto* bitrate = ctl->add_subcommand("bitrate", "Change the target bitrate");
  bitrate->add_option("kbps", args->kbps, "kbit/s")->required();
  capture_option(bitrate);
  for (const char* verb : {"mute", "unmute"}) {
    auto* m = ctl->add_subcommand(verb, std::string(verb == std::string("mute") ? "Mute" : "Unmute") +
                                            " an audio source of a capture (by its name: output, input, node:ID...)");
    m->add_option("source", args->audio_source, "The audio source, as the capture names it")->required();
    capture_option(m);
  }
  ctl->add_subcommand("reload", "Re-read the configuration file");

  return [args, ctl] {
    const auto chosen = ctl->get_subcommands();
    if (chosen.empty()) return static_cast<int>(kCtlUsage);
    return run_ctl(chosen.front()->get_name(), *args);
  };
}

}  // namespace zc::cli
