#include "testsrc/run.hpp"

#include <signal.h>

#include <cerrno>
#include <string>

#include "core/clock.hpp"
#include "core/log.hpp"
#include "core/signals.hpp"
#include "testsrc/test_source.hpp"

namespace zc::testsrc {
namespace {

std::string summary(const Stats& s) {
  std::string line =
      "queued=" + std::to_string(s.queued) + " skipped_no_buffer=" + std::to_string(s.skipped_no_buffer) +
      " skipped_paused=" + std::to_string(s.skipped_paused) + " skipped_busy=" + std::to_string(s.skipped_busy) +
      " late_ticks=" + std::to_string(s.late_ticks) + " renegotiations=" + std::to_string(s.renegotiations);
  for (size_t k = 0; k < kDefectKindCount; ++k) {
    if (s.defects[k] > 0)
      line += " " + std::string(to_string(static_cast<DefectKind>(k))) + "=" + std::to_string(s.defects[k]);
  }
  if (s.reclaimed_buffers > 0) line += " reclaimed_buffers=" + std::to_string(s.reclaimed_buffers);
  if (s.queue_failures > 0) line += " queue_failures=" + std::to_string(s.queue_failures);
  if (s.gbm_buffers > 0 || s.memfd_buffers > 0)
    line += " gbm_buffers=" + std::to_string(s.gbm_buffers) + " memfd_buffers=" + std::to_string(s.memfd_buffers);
  if (s.udmabuf_buffers > 0) line += " udmabuf_buffers=" + std::to_string(s.udmabuf_buffers);
  if (s.syncs > 0) {
    line += " syncs=" + std::to_string(s.syncs) + " syncs_signalled=" + std::to_string(s.syncs_signalled) +
            " syncs_unsignalled=" + std::to_string(s.syncs_unsignalled);
  }
  if (s.sync_timeline) {
    line +=
        " release_waits=" + std::to_string(s.release_waits) + " release_timeouts=" + std::to_string(s.release_timeouts);
  }
  if (s.queued > 0)
    line += " cpu_us_per_frame=" + std::to_string(s.loop_cpu_ns / 1000 / static_cast<int64_t>(s.queued));
  return line;
}

}  // namespace

int run(const RunOptions& options, std::FILE* out) {
  BlockedSignals signals;
  Options source_options = options.source;
  if (options.frames > 0) source_options.frame_limit = options.frames;
  TestSource source(source_options);
  if (auto started = source.start(); !started) {
    zc::log::error("{}", started.error().describe());
    return kRunStartFailed;
  }
  auto node = source.wait_for_node(std::chrono::seconds(10));
  if (!node) {
    zc::log::error("{}", node.error().describe());
    return kRunStartFailed;
  }
  std::fprintf(out, "zerocast test-source: node.id=%u object.serial=%llu node.name=%s\n", node->id,
               static_cast<unsigned long long>(node->serial), options.source.node_name.c_str());
  std::fflush(out);

  const int64_t deadline = options.duration.count() > 0 ? monotonic_ns() + options.duration.count() * 1000000LL : 0;
  int code = kRunOk;
  while (true) {
    if (const int sig = signals.wait(std::chrono::milliseconds(50)); sig != 0) {
      zc::log::info("test-source: {} received, stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
      break;
    }
    const Stats s = source.stats();
    if (!s.error.empty()) {
      zc::log::error("test-source: stream failed: {}", s.error);
      code = kRunStreamFailed;
      break;
    }
    if (s.gone) break;
    if (options.frames > 0 && s.queued >= options.frames) {
      // Give the consumer a moment to take the last frame before the node goes.
      signals.wait(std::chrono::milliseconds(200));
      break;
    }
    if (deadline != 0 && monotonic_ns() >= deadline) break;
  }
  source.stop();
  std::fprintf(out, "zerocast test-source: %s\n", summary(source.stats()).c_str());
  std::fflush(out);
  return code;
}

}  // namespace zc::testsrc
