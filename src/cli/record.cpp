// `zerocast record`: capture one source into one or more files/URLs until a duration, a frame
// count, SIGINT/SIGTERM or the producer's end; a live status line on a terminal, a summary at the end.
#include <unistd.h>

#include <cstdio>
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

namespace zc::cli {

using session::exit_code_for;
using session::install_importer;
using session::kExitOk;
using session::kExitRuntime;
using session::kExitSource;
using session::Outcome;
using session::Pipeline;
using session::PipelineHooks;
using session::validate;
namespace {

struct RecordArgs {
  settings::CommandLine line;
  const Context* context = nullptr;
};

int run_record(RecordArgs& args) {
  BlockedSignals signals;  // before any thread starts: every thread inherits the mask
  settings::Settings s = args.context->settings;
  Result<void> given = args.line.apply(s);
  if (given) given = validate(s.capture);
  if (!given) {
    zc::log::error("record: {}", given.error().describe());
    return exit_code_for(given.error());
  }
  const auto* options = &s.capture;

  // Before any thread starts: they all take the main thread's priority.
  zc::log::debug("record: threads at {}", raise_priority(s.process.nice));

  // Before PipeWire: ZEROCAST_ZEROCOPY=1 without a GPU import path is a setup error.
  PipelineHooks hooks;
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
    auto pw = PrivatePipeWire::ensure();
    if (!pw) {
      zc::log::error("record: {}", pw.error().describe());
      return kExitSource;
    }
    private_pw = std::move(*pw);
  }

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
  while (!(outcome = (*pipeline)->wait(std::chrono::milliseconds(0)))) {
    if (const int sig = signals.wait(std::chrono::milliseconds(100)); sig != 0) {
      zc::log::info("record: {} received, finishing the outputs", sig == SIGINT ? "SIGINT" : "SIGTERM");
      (*pipeline)->request_stop("interrupted");
    }
    if (tty && monotonic_ns() >= next_status) {
      const auto snap = (*pipeline)->snapshot();
      std::fprintf(stderr, "\r\033[K%s", log::scrub(status_line(snap, rates.update(snap, monotonic_ns()))).c_str());
      std::fflush(stderr);
      next_status += 1'000'000'000;
    }
  }
  if (tty) std::fprintf(stderr, "\r\033[K");
  const auto snap = (*pipeline)->snapshot();
  std::printf("%s", log::scrub(summary(snap, *outcome)).c_str());
  std::fflush(stdout);
  if (outcome->error) return exit_code_for(*outcome->error);
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
  cmd->get_option("--output")->required();
  return [args] { return run_record(*args); };
}

}  // namespace zc::cli
