// `zerocast record`: capture one source into one or more files/URLs until a duration, a frame
// count, SIGINT/SIGTERM or the producer's end; a live status line on a terminal, a summary at the end.
#include <sys/ioctl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <memory>

#include "cli/cli.hpp"
#include "cli/priority.hpp"
#include "cli/private_pipewire.hpp"
#include "cli/status.hpp"
#include "core/clock.hpp"
#include "core/log.hpp"
#include "core/signals.hpp"
#include "session/pipeline.hpp"
#include "session/zerocopy_mode.hpp"
#include "settings/cli_options.hpp"
#include "settings/config_file.hpp"

namespace zc::cli {

using session::exit_code_for;
using session::install_importer;
using session::kExitAbandoned;
using session::kExitOk;
using session::kExitRuntime;
using session::kExitSource;
using session::Outcome;
using session::Pipeline;
using session::PipelineHooks;
using session::RecordOptions;
using session::Snapshot;
using session::validate;
namespace {

// After a second Ctrl-C, how long the outputs still get to finish before zerocast exits 130.
constexpr std::chrono::seconds kAbandonGrace{2};

// The ScreenCast portal answers on the session bus: without one there is no desktop to capture.
bool has_session_bus(const settings::Environment& env) {
  if (env.get("DBUS_SESSION_BUS_ADDRESS")) return true;
  const auto runtime = env.get("XDG_RUNTIME_DIR");
  return runtime && access((*runtime + "/bus").c_str(), F_OK) == 0;
}

// The terminal's width on stderr (80 when it does not say).
size_t columns() {
  winsize size{};
  return ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0 ? size.ws_col : 80;
}

const char* signal_name(int sig) {
  return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "SIGHUP";
}

// The outputs' part of the exit code, each failure said: one that never took a packet (a file
// that failed at its header, a stream that never found its peer) is 5; one that failed after
// writing (a disk filled, a stream given up) or a stream lost and not found again by the end, 1.
int outputs_verdict(const Snapshot& snap) {
  int code = kExitOk;
  for (const auto& o : snap.output_states) {
    if (o.packets == 0 && (o.failed || o.network)) {
      zc::log::error("record: {} never took a packet ({}): nothing was {} there", o.description, o.last_error,
                     o.network ? "sent" : "written");
      code = session::kExitOutput;
    } else if (o.failed) {
      zc::log::error("record: {} failed after {} packets ({}); what was {} before stays", o.description, o.packets,
                     o.last_error, o.network ? "sent" : "written");
      if (code == kExitOk) code = kExitRuntime;
    } else if (o.network && !o.connected) {
      zc::log::error("record: {} was lost and not reconnected before the end ({})", o.description, o.last_error);
      if (code == kExitOk) code = kExitRuntime;
    }
  }
  return code;
}

struct RecordArgs {
  settings::CommandLine line;
  std::string config_path;
  bool verbose = false;
  bool quiet = false;
  const Context* context = nullptr;
};

int run_record(RecordArgs& args) {
  // Before any thread starts: every thread inherits the mask. SIGHUP (the terminal closed) ends a
  // recording as Ctrl-C and SIGTERM do; SIGUSR1 pauses it, SIGUSR2 resumes it.
  BlockedSignals signals({SIGINT, SIGTERM, SIGHUP, SIGUSR1, SIGUSR2});
  // Quiet by default (warnings, errors and the summary): -v adds what each stage does, -q leaves
  // errors only. ZEROCAST_LOG, where set, is the level when neither is given.
  if (args.verbose && args.quiet) {
    zc::log::error("record: -v and -q ask for opposite things: give one");
    return session::kExitUsage;
  }
  if (args.verbose || args.quiet || !args.context->env.get("ZEROCAST_LOG")) {
    zc::log::set_level(args.verbose ? zc::log::Level::info : args.quiet ? zc::log::Level::error : zc::log::Level::warn);
  }
  // The daemon's file, then the environment, then the command line (settings/config_file.hpp).
  settings::ConfigSources sources;
  sources.path = args.config_path.empty() ? args.context->env.config_path() : args.config_path;
  sources.required = !args.config_path.empty();
  sources.env = args.context->env;
  sources.command = settings::Command::record;
  auto loaded = settings::load_config(sources);
  if (!loaded) {
    zc::log::error("record: {}", loaded.error().describe());
    return session::kExitUsage;
  }
  settings::Settings s = std::move(*loaded);
  Result<void> given = args.line.apply(s);
  // No -o: a new file in the videos folder, named by the time.
  if (given && s.capture.outputs.empty()) s.capture.outputs.push_back(args.context->env.videos_dir() + "/");
  if (given)
    given = session::name_outputs(s.capture, {capture::to_string(s.capture.source), "record", std::time(nullptr)});
  if (given) given = validate(s.capture);
  if (!given) {
    zc::log::error("record: {}", given.error().describe());
    return exit_code_for(given.error());
  }
  const auto* options = &s.capture;
  // --region select: drawn on the screen now, before anything starts.
  if (s.capture.region) {
    if (auto chosen = session::resolve_region(*s.capture.region); !chosen) {
      zc::log::error("record: {}", chosen.error().describe());
      return session::kExitUsage;
    }
  }
  if (const auto existing = session::existing_output(*options)) {
    zc::log::error("record: {} exists: give --force to replace it, or another name", *existing);
    return session::kExitUsage;
  }
  if (options->source.kind == capture::SourceSpec::Kind::portal && !has_session_bus(args.context->env)) {
    zc::log::error(
        "record: no desktop session here (no session bus: DBUS_SESSION_BUS_ADDRESS is unset), so no screen "
        "to capture through the portal. Try the built-in test pattern with --source test, or name a "
        "PipeWire node (zerocast sources lists them).");
    return kExitSource;
  }

  // Before any thread starts: they all take the main thread's priority.
  zc::log::debug("record: threads at {}", raise_priority(s.process.nice));

  // Before PipeWire: ZEROCAST_ZEROCOPY=1 without a GPU import path is a setup error.
  PipelineHooks hooks;
  hooks.reconnect = settings::reconnect_options(s.daemon);
  const auto zerocopy = settings::zerocopy_options(s.process);
  // --encoder libx264 (or another software one) on a producer of shared memory only: the CPU path,
  // without bringing up the GPU importers first.
  const std::string no_gpu = zerocopy.mode == session::ZerocopyMode::Auto && !options->test_source()
                                 ? session::gpu_not_needed(options->encoder, options->source)
                                 : std::string();
  if (auto chosen = install_importer(zerocopy, hooks, {}, no_gpu); !chosen) {
    zc::log::error("record: {}", chosen.error().describe());
    return kExitRuntime;
  }

  std::unique_ptr<PrivatePipeWire> private_pw;
  if (options->test_source()) {
    auto pw = PrivatePipeWire::ensure(args.context->env);
    if (!pw) {
      zc::log::error("record: {}", pw.error().describe());
      return kExitSource;
    }
    private_pw = std::move(*pw);
  }

  if (auto claimed = session::claim_outputs(s.capture); !claimed) {
    zc::log::error("record: {}", claimed.error().describe());
    return exit_code_for(claimed.error());
  }
  // Whatever the run's end, a claimed file no frame reached does not stay behind empty.
  struct Unclaim {
    const RecordOptions& options;
    ~Unclaim() { session::remove_unwritten(options); }
  } unclaim{s.capture};
  auto pipeline = Pipeline::create(*options, std::move(hooks));
  if (!pipeline) {
    zc::log::error("record: {}", pipeline.error().describe());
    return exit_code_for(pipeline.error());
  }
  if (auto ok = (*pipeline)->start(); !ok) {
    zc::log::error("record: {}", ok.error().describe());
    return exit_code_for(ok.error());
  }

  const bool tty = isatty(STDERR_FILENO) != 0;
  RateTracker rates;
  std::optional<Outcome> outcome;
  int64_t next_status = monotonic_ns();
  int signals_seen = 0;
  int64_t abandon_at = 0;  // after a second signal: when to stop waiting for the outputs
  while (!(outcome = (*pipeline)->wait(std::chrono::milliseconds(0)))) {
    if (const int sig = signals.wait(std::chrono::milliseconds(100)); sig == SIGUSR1 || sig == SIGUSR2) {
      const bool changed = sig == SIGUSR1 ? (*pipeline)->pause() : (*pipeline)->resume();
      if (!changed)
        zc::log::info("record: {} ignored: {}", sig == SIGUSR1 ? "SIGUSR1 (pause)" : "SIGUSR2 (resume)",
                      sig == SIGUSR1 ? "already paused" : "not paused");
    } else if (sig != 0) {
      if (++signals_seen == 1) {
        zc::log::info("record: {} received, finishing the outputs (again to abandon)", signal_name(sig));
        (*pipeline)->request_stop("interrupted");
      } else if (abandon_at == 0) {
        zc::log::warn("record: {} again: abandoning within {} s (the outputs keep what reached them)", signal_name(sig),
                      kAbandonGrace.count());
        abandon_at = monotonic_ns() + std::chrono::nanoseconds(kAbandonGrace).count();
      }
    }
    if (abandon_at != 0 && monotonic_ns() >= abandon_at) {
      zc::log::clear_status();
      std::fflush(nullptr);
      private_pw.reset();  // its daemons stopped and its directory removed; the rest dies with us
      std::_Exit(kExitAbandoned);
    }
    if (tty && monotonic_ns() >= next_status) {
      const auto snap = (*pipeline)->snapshot();
      zc::log::show_status(status_line(snap, rates.update(snap, monotonic_ns()), options->duration_s, columns()));
      next_status += 1'000'000'000;
    }
  }
  zc::log::clear_status();
  const auto snap = (*pipeline)->snapshot();
  if (!args.quiet) {
    std::printf("%s", log::scrub(summary(snap, *outcome)).c_str());
    std::fflush(stdout);
  }
  const int output_code = outputs_verdict(snap);
  if (outcome->error) {
    // Every output failed: whether they ever took a packet tells 5 from 1.
    const bool outputs_failed = outcome->error->stage.rfind("output", 0) == 0;
    return outputs_failed && output_code != kExitOk ? output_code : exit_code_for(*outcome->error);
  }
  if (output_code != kExitOk) return output_code;
  if (signals_seen > 1) return kExitAbandoned;
  if (snap.counters[session::Counter::frames_encoded] == 0) {
    zc::log::error("record: no frame was captured ({})", outcome->reason);
    return kExitSource;
  }
  return kExitOk;
}

}  // namespace

std::function<int()> add_record_command(CLI::App& app, const Context& context) {
  auto args = std::make_shared<RecordArgs>();
  args->context = &context;
  auto* cmd = app.add_subcommand("record", "Capture a source into files and/or network streams");
  args->line.add_options(*cmd, settings::CommandLine::For::record);
  cmd->add_flag("-v,--verbose", args->verbose, "Say what each stage does (the info lines)");
  cmd->add_flag("-q,--quiet", args->quiet, "Errors only: no warnings, no summary");
  cmd->add_option("--config", args->config_path,
                  "Config file, as the daemon's (default: $XDG_CONFIG_HOME/zerocast/config.toml, when it exists; it "
                  "must exist when given); options given here win over it")
      ->type_name("FILE");
  cmd->footer(
      "Ctrl-C, SIGTERM or SIGHUP finish every output and exit 0; a second one abandons within 2 s.\n"
      "SIGUSR1 pauses the recording (the capture stays connected, nothing is encoded), SIGUSR2 resumes\n"
      "it: the file goes on without the paused time, sound and picture together.\n"
      "Exit codes: 0 finished (duration, frames, interrupted, the producer ended); 1 failed while running\n"
      "(an output that failed after writing, a stream lost and not found again by the end or within\n"
      "network.give_up_seconds); 2 usage (an output file that exists without --force included); 3 source\n"
      "(PipeWire, node, portal, no frame); 4 encoder; 5 an output that could not be opened at the start, or\n"
      "a stream that never took a packet; 130 abandoned by a second Ctrl-C.");
  return [args] { return run_record(*args); };
}

}  // namespace zc::cli
