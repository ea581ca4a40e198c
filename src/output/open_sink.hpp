#pragma once
// What the pipeline calls: one sink per -o, several behind a tee.
#include <memory>
#include <string_view>
#include <vector>

extern "C" {
#include <libavcodec/codec_id.h>
}

#include "output/format_sink.hpp"
#include "output/queued_sink.hpp"
#include "output/sink.hpp"

namespace zc::output {

struct SinkOptions {
  FormatOptions format;
  QueueOptions queue;
  bool queue_files = false;  // files are written on the caller's thread unless asked
};

// Parses the target, refuses a codec it cannot carry, makes a file's missing folder and refuses
// one that is not writable, all before anything is opened; registers URL secrets with the logger. Network
// targets come back behind a QueuedSink. Nothing is opened until the first keyframe.
Result<std::unique_ptr<Sink>> open_sink(std::string_view spec, AVCodecID codec, const SinkOptions& options = {});

// One sink per target; a TeeSink when there are several. Fails on the first refused target.
Result<std::unique_ptr<Sink>> open_sinks(const std::vector<std::string>& specs, AVCodecID codec,
                                         const SinkOptions& options = {});

}  // namespace zc::output
