#pragma once
// The seam between capture and encode: an Importer turns a captured Frame (shared memory or
// dmabuf) into a DeviceFrame in the encoder's layout. Implementations: CpuImporter (libyuv),
// EglCudaImporter (tiled dmabufs), VulkanCudaImporter (LINEAR dmabufs); tests add fakes.
//
// import() is called on the capture thread while the PipeWire buffer is dequeued. The buffer goes
// back to the producer once reads_done() says so: importers that finish reading inside import()
// (CPU: the conversion is done; GPU with a CPU wait on the pass) always say so; a GPU importer
// that leaves its read in flight says so once the GPU has finished it (deferred release).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/device_frame.hpp"
#include "core/error.hpp"
#include "core/frame.hpp"
#include "core/pixel_format.hpp"

namespace zc::zerocopy {

// What the encoder wants to be fed.
struct ImportTarget {
  uint32_t width = 0;  // output size: the visible rect (crop) scaled to this
  uint32_t height = 0;
  PixelFormat format = PixelFormat::NV12;  // NV12, I420, or a packed RGB format
  FrameMemory memory = FrameMemory::Cpu;
  bool draw_cursor = true;        // composite the metadata cursor
  Colour colour = kBt601Limited;  // YUV targets: the matrix and range RGB is converted by (the tags)

  bool operator==(const ImportTarget&) const = default;
};

// GPU time spent on imported frames (metrics). GPU importers read it without waiting: a frame's
// time is taken at a later import once its work has finished, so `frames` may trail the imports.
struct GpuTime {
  uint64_t frames = 0;  // frames measured
  uint64_t ns = 0;      // their GPU time, summed

  GpuTime& operator+=(const GpuTime& o) {
    frames += o.frames;
    ns += o.ns;
    return *this;
  }
};

// Output pixels a CPU conversion wrote, of all the frames' pixels: below the total where only
// what the producer's damage named was converted (cpu/damage.hpp).
struct ConvertedPixels {
  uint64_t converted = 0;
  uint64_t total = 0;
};

class Importer {
 public:
  virtual ~Importer() = default;

  virtual std::string_view name() const = 0;

  // Modifiers this importer has proven it can import for `format`, best first. Empty: it takes
  // shared memory only. Capture offers exactly these (plus shared memory, always).
  virtual std::vector<uint64_t> supported_modifiers(PixelFormat format) const = 0;

  // Errc::rejected means this (format, modifier) cannot be imported: capture renegotiates
  // without it. Other errors are per-frame failures (counted; repeated ones disable the importer).
  virtual Result<DeviceFrame> import(const Frame& frame, const ImportTarget& target) = 0;

  // The PipeWire buffer `buffer_id` was removed (or the stream renegotiated): drop any cached
  // image, mapping or import that refers to it (after any read of it still in flight is done).
  virtual void forget(uint64_t buffer_id) = 0;

  // Whether every read of PipeWire buffer `buffer_id` by the frames imported so far is done, so
  // the producer may have it back. With `wait`, blocks (sleeping) until it is, and says true.
  // Called on the thread that calls import(); cheap when nothing is in flight. Pure virtual on
  // purpose: a wrapper that forgot to forward it would give buffers back mid-read.
  virtual bool reads_done(uint64_t buffer_id, bool wait) = 0;

  // What the GPU spent on this importer's frames so far; nothing for importers that use no GPU.
  // Called on the thread that calls import().
  virtual GpuTime gpu_time() const { return {}; }

  // The CPU conversion's pixels so far (the CPU importer's; nothing for the others). Thread-safe.
  virtual ConvertedPixels converted_pixels() const { return {}; }

  // A pointer move over a still picture (a cursor-only buffer: mutter and KWin send one when only
  // the pointer moved and the cursor is metadata), numbered `sequence` as a frame would be: the
  // last frame this importer made for `target`, again, with `cursor` drawn where it is now and
  // nowhere else. Called on the thread that calls import(); `cursor.pixels` is valid during the
  // call. Errc::unsupported when there is
  // no such frame to start from (none yet, another target, the cursor not drawn) or this importer
  // cannot (the GPU importers: the pointer then shows on the next picture).
  virtual Result<DeviceFrame> redraw_cursor(const Cursor& cursor, uint64_t sequence, const ImportTarget& target) {
    (void)cursor;
    (void)sequence;
    (void)target;
    return fail(Errc::unsupported, "import", std::string(name()) + " does not draw a pointer move on its own");
  }

  // The stream's format is known and its first frames will be imported into `target`: make now
  // what they will need (output buffers and their pages), before the producer sends them. Called
  // on the thread that calls import(); nothing by default.
  virtual void prepare(const ImportTarget& target) { (void)target; }
};

}  // namespace zc::zerocopy
