#include "session/source_opener.hpp"

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <utility>

#include "capture/graph/source.hpp"
#include "testsrc/test_source.hpp"

namespace zc::session {
namespace {

// `record` blocks SIGINT and SIGTERM and takes them later (the daemon's event loop takes them from
// a signalfd): one pending means "stop" while the portal's dialog is open.
bool stop_signal_pending() {
  sigset_t pending;
  sigpending(&pending);
  return sigismember(&pending, SIGINT) == 1 || sigismember(&pending, SIGTERM) == 1;
}

Result<OpenedSource> open_test_source(const RecordOptions& options,
                                      const std::function<void(testsrc::Options&)>& adjust) {
  testsrc::Options so;
  so.width = options.test.size.width;
  so.height = options.test.size.height;
  so.fps = options.test.fps;
  so.mark_every = std::max<uint32_t>(1, options.test.fps / 2);  // the test audio clicks twice a second
  if (adjust) adjust(so);
  OpenedSource out;
  out.test_source = std::make_unique<testsrc::TestSource>(so);
  if (auto ok = out.test_source->start(); !ok) return tl::unexpected(ok.error());
  auto node = out.test_source->wait_for_node(std::chrono::seconds(5));
  if (!node) return tl::unexpected(node.error());
  out.target = capture::Target{node->serial, node->id, so.node_name};
  out.description = "test source " + std::to_string(so.width) + "x" + std::to_string(so.height) + "@" +
                    std::to_string(so.fps) + " (node " + std::to_string(node->id) + ")";
  out.size_hint = capture::Size{options.test.size.width, options.test.size.height};
  out.rate_hint = capture::Fraction{options.test.fps, 1};
  return out;
}

Result<OpenedSource> open_portal(const RecordOptions& options) {
  capture::PortalOptions po;
  po.source_types = static_cast<uint32_t>(options.source.value);
  po.draw_cursor = options.draw_cursor;
  po.interrupted = stop_signal_pending;
  po.state_dir = options.toggles.state_dir;
  auto session = capture::open_portal_session(po);
  if (!session) return tl::unexpected(session.error());
  OpenedSource out;
  out.portal = std::move(*session);
  out.target = out.portal->target();
  out.pipewire_fd = out.portal->take_pipewire_fd();
  const auto& ps = out.portal->streams().front();
  out.description =
      "portal node " + std::to_string(ps.node_id) + " " + std::to_string(ps.width) + "x" + std::to_string(ps.height);
  if (ps.width && ps.height) out.size_hint = capture::Size{ps.width, ps.height};
  return out;
}

}  // namespace

OpenedSource::OpenedSource() = default;
OpenedSource::~OpenedSource() = default;
OpenedSource::OpenedSource(OpenedSource&&) noexcept = default;
OpenedSource& OpenedSource::operator=(OpenedSource&&) noexcept = default;

Result<OpenedSource> open_source(const RecordOptions& options,
                                 const std::function<void(testsrc::Options&)>& adjust_test_source) {
  if (options.test_source()) return open_test_source(options, adjust_test_source);
  if (options.source.kind == capture::SourceSpec::Kind::portal) return open_portal(options);
  auto resolved = capture::resolve_source(options.source);
  if (!resolved) return tl::unexpected(resolved.error());
  OpenedSource out;
  out.target = *resolved;
  out.description = "node " + std::to_string(out.target.node_id) + " " + out.target.name;
  return out;
}

}  // namespace zc::session
