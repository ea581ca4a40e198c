// `zerocast test-source`: the built-in PipeWire test producer as a foreground command.
#include <memory>

#include "cli/cli.hpp"
#include "core/log.hpp"
#include "session/record_options.hpp"
#include "testsrc/pack.hpp"
#include "testsrc/run.hpp"

namespace zc::cli {

using session::kExitUsage;
using session::parse_size;
namespace {

struct TestSourceArgs {
  testsrc::RunOptions run;
  std::string size = "1920x1080";
  std::string format = "BGRx";
  std::string mode = "shm";
  std::string dmabuf_alloc = "auto";
  std::string sync = "none";
  std::vector<std::string> defects;
  double duration = 0;
};

int run_test_source(TestSourceArgs& a) {
  auto size = parse_size(a.size, false);  // a producer may send odd sizes: so may the test source
  if (!size) {
    zc::log::error("test-source: {}", size.error().describe());
    return kExitUsage;
  }
  auto& o = a.run.source;
  o.width = size->width;
  o.height = size->height;
  auto format = pixel_format_from_string(a.format);
  if (!format || !testsrc::sends(*format)) {
    zc::log::error("test-source: --format {} is not one of {}", a.format, testsrc::format_names());
    return kExitUsage;
  }
  o.format = *format;
  if (a.mode == "shm") {
    o.mode = testsrc::BufferMode::Shm;
  } else if (a.mode == "dmabuf") {
    o.mode = testsrc::BufferMode::DmaBuf;
  } else {
    zc::log::error("test-source: --mode {} is not shm or dmabuf", a.mode);
    return kExitUsage;
  }
  auto alloc = testsrc::dmabuf_allocator_from_string(a.dmabuf_alloc);
  if (!alloc) {
    zc::log::error("test-source: --dmabuf-alloc {} is not auto, gbm, udmabuf or memfd", a.dmabuf_alloc);
    return kExitUsage;
  }
  o.dmabuf_allocator = *alloc;
  auto sync = testsrc::sync_mode_from_string(a.sync);
  if (!sync) {
    zc::log::error("test-source: --sync {} is not none, implicit or explicit", a.sync);
    return kExitUsage;
  }
  o.sync = *sync;
  for (const auto& text : a.defects) {
    auto d = testsrc::parse_defect(text);
    if (!d) {
      zc::log::error("test-source: {}", d.error().describe());
      return kExitUsage;
    }
    o.defects.push_back(*d);
  }
  if (a.duration > 0) a.run.duration = std::chrono::milliseconds(static_cast<int64_t>(a.duration * 1000));
  if (auto ok = testsrc::validate(o); !ok) {
    zc::log::error("test-source: {}", ok.error().describe());
    return kExitUsage;
  }
  return testsrc::run(a.run);
}

}  // namespace

std::function<int()> add_test_source_command(CLI::App& app) {
  auto args = std::make_shared<TestSourceArgs>();
  auto* cmd = app.add_subcommand("test-source", "Run the built-in PipeWire test producer (frame-numbered pattern)");
  auto& o = args->run.source;
  cmd->add_option("--size", args->size, "WIDTHxHEIGHT, up to 7680x4320")->capture_default_str();
  cmd->add_option("--fps", o.fps, "Frames per second, up to 240")->capture_default_str();
  cmd->add_option("--format", args->format, testsrc::format_names())->capture_default_str();
  cmd->add_option("--mode", args->mode, "shm, or dmabuf (with modifier fixation)")
      ->type_name("shm | dmabuf")
      ->capture_default_str();
  cmd->add_option("--dmabuf-alloc", args->dmabuf_alloc,
                  "dmabuf mode's buffers: auto (GBM when it allocates on a DRM node, else memfds), gbm (required), "
                  "udmabuf (/dev/udmabuf, LINEAR), memfd")
      ->type_name("auto | gbm | udmabuf | memfd")
      ->capture_default_str();
  cmd->add_option("--name", o.node_name, "node.name")->capture_default_str();
  cmd->add_option("--buffers", o.buffers, "Buffers to offer, and the most it takes (2..16; mutter offers 16)")
      ->capture_default_str();
  cmd->add_option(
      "--defect", args->defects,
      "Inject a defect: KIND@FRAME[/EVERY][:WxH], KIND one of corrupted-flag corrupted-chunk zero-chunk "
      "bad-stride short-buffer resize disappear corrupt-jpeg (MJPG) unsignalled-sync lost stale cursor-only "
      "(--cursor); repeatable");
  cmd->add_option("--sync", args->sync,
                  "dmabuf mode (gbm or udmabuf): none, implicit (a vgem write fence per frame) or explicit "
                  "(SPA_META_SyncTimeline on timeline syncobjs)")
      ->type_name("none | implicit | explicit")
      ->capture_default_str();
  cmd->add_option("--late-ms", o.late_ms,
                  "With --sync: queue each buffer first, write its pixels and signal its sync this many ms later");
  cmd->add_flag("--cursor", o.cursor, "Send a metadata cursor (SPA_META_Cursor)");
  cmd->add_option("--hdr", o.hdr, "10-bit RGB formats: announce HDR, pq or hlg (with BT.2020 primaries)")
      ->type_name("pq | hlg");
  cmd->add_option("--frames", args->run.frames, "Stop after this many frames");
  cmd->add_option("--duration", args->duration, "Stop after this many seconds");
  return [args] { return run_test_source(*args); };
}

}  // namespace zc::cli
