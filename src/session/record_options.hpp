#pragma once
// What `zerocast record` (and later a D-Bus StartCapture) asks the pipeline to do.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "capture/graph/source.hpp"
#include "capture/portal/portal_token.hpp"
#include "capture/video/params.hpp"
#include "core/colour.hpp"
#include "core/error.hpp"
#include "encode/audio_encoder.hpp"
#include "encode/encoder.hpp"
#include "output/naming.hpp"
#include "session/audio/audio_options.hpp"
#include "session/region.hpp"

namespace zc::session {

struct Size {
  uint32_t width = 0;
  uint32_t height = 0;
  bool operator==(const Size&) const = default;
};

// 1280x720 at 30 fps: what a 2-core machine encodes with libx264's file tuning without a drop (at
// 1920x1080@60 it fell behind for 14-117 of 285 frames).
struct TestSourceSpec {
  Size size{1280, 720};
  uint32_t fps = 30;
  bool operator==(const TestSourceSpec&) const = default;
};

// How a run goes about its work where the defaults are right for nearly everyone: environment
// variables only (settings/table.cpp declares them).
struct RunToggles {
  // ZEROCAST_CAPTURE_BUFFERS: the most buffers capture asks the producer for (0: its own count).
  uint32_t capture_buffers = capture::kMaxBuffersAsked;
  bool relink = true;            // ZEROCAST_RELINK: keep our links when a session manager restarts
  uint32_t encoder_threads = 0;  // ZEROCAST_ENCODER_THREADS (0: the encoder's own choice)
  std::string state_dir;         // where the portal's restore tokens live ($XDG_STATE_HOME/zerocast)
  bool operator==(const RunToggles&) const = default;
};

struct RecordOptions {
  bool test_source() const { return source.kind == capture::SourceSpec::Kind::test; }

  // portal (the default: the screen, monitor chosen in the portal's dialog) | test | node:ID |
  // serial:N | gamescope
  capture::SourceSpec source{capture::SourceSpec::Kind::portal, capture::kPortalMonitor};
  TestSourceSpec test;               // for the test source
  std::vector<std::string> outputs;  // paths or URLs
  // Outputs named from a template or folder (name_outputs): new files, never replaced.
  std::vector<std::string> named_outputs;
  bool overwrite = false;  // replace an output file that exists (else it is refused)
  encode::Codec codec = encode::Codec::H264;
  std::string encoder = "auto";
  uint32_t bitrate_kbps = 0;  // 0: the tuning's default
  uint32_t fps = 0;           // 0: the rate the source announces (60 when it announces none)
  uint32_t gop_frames = 0;    // 0: gop_seconds' worth at the nominal rate
  double gop_seconds = 2.0;   // the daemon's capture.gop_seconds
  std::optional<double> duration_s;
  std::optional<uint64_t> max_frames;
  std::optional<encode::Tuning> tuning;                 // unset: low latency for network outputs, quality for files
  encode::BitDepth bit_depth = encode::BitDepth::Auto;  // 10 needs HEVC or AV1
  std::optional<Size> scale;
  std::optional<Region> region;  // a part of the picture (session/region.hpp), cropped before scaling
  ColourChoice colour;           // RGB sources' matrix (auto: by the output's height) and range
  encode::HdrMetadata hdr;       // an HDR stream's mastering display and content light (SDR: unused)
  bool cfr = false;              // repeat frames to hold a constant rate
  bool draw_cursor = true;

  // Sound: none by default (as in gpu-screen-recorder and wf-recorder).
  std::vector<AudioSourceSetting> audio;
  AudioTracks audio_tracks = AudioTracks::mix;
  std::optional<encode::AudioCodec> audio_codec;  // unset: Opus where every output is mkv, else AAC
  uint32_t audio_bitrate_kbps = 0;                // 0: 128 kbit/s
  double test_audio_ppm = 0;  // --audio test: the test source's sample clock against the system clock

  RunToggles toggles;

  bool operator==(const RecordOptions&) const = default;
};

// "1280x720" → Size (16..8192 each way; even both ways unless `even` is false).
Result<Size> parse_size(const std::string& text, bool even = true);

// Checks a RecordOptions for contradictions before anything opens (codec/container pairs are
// checked by output; this covers what is ours): at least one output, sane numbers.
// `require_output` false: a daemon capture may feed only its replay buffer.
Result<void> validate(const RecordOptions& options, bool require_output = true);
// The first output file that exists already (a regular file: devices and pipes are written to),
// unless options.overwrite; each command refuses it in its own words before anything starts.
std::optional<std::string> existing_output(const RecordOptions& options);

// Expands the file outputs written as templates or folders (output/naming.hpp) into names, kept in
// named_outputs (existing_output leaves them alone: claim_outputs picks a new name on a clash).
Result<void> name_outputs(RecordOptions& options, const output::NameFields& fields);
// Creates each named output's file, the first free of NAME, NAME-2 ...: right before the run.
Result<void> claim_outputs(RecordOptions& options);
// After the run: a claimed file nothing was written to (no frame came) is removed.
void remove_unwritten(const RecordOptions& options);

// The highest frame rate zerocast takes (--fps, the test source's rate) and holds (--cfr).
inline constexpr uint32_t kMaxFps = 240;

// The rate frames are nominally captured at: --fps, else the test source's rate, else 60 (rate
// control, --cfr, the length of the last frame). A running pipeline puts the rate the producer
// announces before that 60 (Pipeline::frame_rate).
uint32_t nominal_fps(const RecordOptions& options);

// The GOP in frames for a capture at `fps`: gop_frames, else gop_seconds' worth (at least 1).
uint32_t gop_frames_at(const RecordOptions& options, uint32_t fps);

// What the encoder is configured with for a capture at `fps`, `width` x `height`, `depth` bits:
// the codec, rate control at options' bitrate, the GOP, the tuning, --cfr's last picture kept.
// The caller adds the time origin and the thread count.
encode::EncoderConfig encoder_config(const RecordOptions& options, uint32_t fps, uint32_t width, uint32_t height,
                                     uint32_t depth);

// The one audio codec of every output: the one asked for, else Opus where every output is mkv
// and AAC otherwise (output::default_audio_codec); nullopt without sound.
std::optional<encode::AudioCodec> audio_codec_for(const RecordOptions& options);

// The tuning to use when none was asked for: low latency if any output is a network URL.
encode::Tuning effective_tuning(const RecordOptions& options);

// Process exit codes of `zerocast record` (documented in the README).
enum ExitCode : int {
  kExitOk = 0,           // finished: duration/frames reached, interrupted, or the producer ended
  kExitRuntime = 1,      // failed while running (every output failed, capture error mid-stream)
  kExitUsage = 2,        // bad arguments, impossible codec/container pair
  kExitSource = 3,       // no PipeWire, node not found, negotiation failed, no frame arrived; the portal is
                         // missing, or its request was cancelled, denied or closed
  kExitEncoder = 4,      // no encoder could be opened for the codec
  kExitOutput = 5,       // an output could not be opened or written from the start
  kExitAbandoned = 130,  // a second Ctrl-C (SIGINT, SIGTERM or SIGHUP): the outputs keep what reached them
};

int exit_code_for(const Error& error);

}  // namespace zc::session
