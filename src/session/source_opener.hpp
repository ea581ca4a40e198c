#pragma once
// The first step of a run: what `--source` names, opened. The built-in test source is started
// (and its node awaited), the ScreenCast portal asked for a stream (its dialog may be open a while:
// a pending SIGINT/SIGTERM ends the wait), a node, serial or gamescope looked up on the graph. What
// comes back is the capture target and what must live as long as the capture does.
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "capture/portal/portal.hpp"
#include "capture/video/stream.hpp"
#include "core/error.hpp"
#include "core/unique_fd.hpp"
#include "session/record_options.hpp"

namespace zc::testsrc {
class TestSource;
struct Options;
}  // namespace zc::testsrc

namespace zc::session {

struct OpenedSource {
  OpenedSource();
  ~OpenedSource();
  OpenedSource(OpenedSource&&) noexcept;
  OpenedSource& operator=(OpenedSource&&) noexcept;

  capture::Target target;
  UniqueFd pipewire_fd;                    // the portal's PipeWire remote (capture::StreamOptions::fd); else none
  std::string description;                 // "test source 1920x1080@60 (node 42)", "portal node 57 2560x1440", ...
  std::optional<capture::Size> size_hint;  // what the source announced before negotiation
  std::optional<capture::Fraction> rate_hint;
  std::unique_ptr<testsrc::TestSource> test_source;  // --source test: its producer
  std::unique_ptr<capture::PortalSession> portal;    // --source portal: its stream lives as long as this
};

// Opens options.source. `adjust_test_source` (tests) changes the test source's options first.
Result<OpenedSource> open_source(const RecordOptions& options,
                                 const std::function<void(testsrc::Options&)>& adjust_test_source = {});

}  // namespace zc::session
