#pragma once
// What the test source is asked to do, and what it reports back. Plain values: the daemon maps
// its CLI flags onto Options, tests fill them in directly.
#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/frame.hpp"
#include "core/pixel_format.hpp"

namespace zc::testsrc {

enum class BufferMode : uint8_t {
  // Shared memory that PipeWire allocates; consumers see it as SPA_DATA_MemPtr inside one shared
  // block. Immune to the allocation race below, so the default.
  Shm,
  // Memfds we allocate (PW_STREAM_FLAG_ALLOC_BUFFERS); consumers see SPA_DATA_MemFd. PipeWire
  // 0.3.65 now and then passes producer-allocated buffers on before their memory is attached:
  // the consumer gets datas of type SPA_ID_INVALID until it renegotiates (about 1 link in 100
  // here, with WirePlumber).
  MemFd,
  // Buffers we allocate and announce as SPA_DATA_DmaBuf with a modifier, fixated by us from the
  // consumer's DONT_FIXATE list; shared memory (our memfds) when the consumer offers none. Real
  // dmabufs from GBM or memfds typed as dmabufs: DmabufAllocator.
  DmaBuf,
};
std::string_view to_string(BufferMode mode);

// Where DmaBuf mode's buffers come from.
enum class DmabufAllocator : uint8_t {
  // GBM when a DRM render node opens and libgbm loads, else memfds. A (format, modifier) GBM
  // refuses (the fake tiled modifier on a real GPU) gets memfds, with one warning.
  Auto,
  // Real dmabufs from GBM, required: start() fails when there is no render node or no libgbm,
  // and the stream fails on a (format, modifier) GBM cannot allocate.
  Gbm,
  // Memfds typed SPA_DATA_DmaBuf (the bytes are linear whatever the modifier says).
  MemFd,
  // Real dmabufs from /dev/udmabuf (a sealed memfd's pages exported as a dmabuf), required:
  // start() fails without the device; LINEAR only (another fixated modifier fails the stream).
  Udmabuf,
};
std::string_view to_string(DmabufAllocator allocator);

// How a DmaBuf mode source tells readers that a frame's pixels are there (Options::sync).
enum class SyncMode : uint8_t {
  None,
  // A vgem write fence on the buffer (drm/vgem_fence.hpp): implicit sync, as a compositor
  // rendering straight into the buffer leaves it.
  Implicit,
  // SPA_META_SyncTimeline: timeline syncobjs on a DRM node that has them, an acquire point per
  // frame, the consumer's release point waited for before the buffer is written again (PipeWire
  // >= 1.2; a consumer that does not negotiate it gets buffers without).
  Explicit,
};
std::string_view to_string(SyncMode mode);
std::optional<SyncMode> sync_mode_from_string(std::string_view name);                // none, implicit, explicit
std::optional<DmabufAllocator> dmabuf_allocator_from_string(std::string_view name);  // auto, gbm, memfd, udmabuf

// A fake tiled modifier (I915_FORMAT_MOD_X_TILED's value) offered beside LINEAR: in memfds the
// bytes are linear whatever the modifier says; it only exercises negotiation. GBM allocates it
// for real only on an Intel GPU.
inline constexpr uint64_t kFakeTiledModifier = 0x0100000000000001ULL;

enum class DefectKind : uint8_t {
  CorruptedFlag,   // SPA_META_HEADER_FLAG_CORRUPTED in the header meta
  CorruptedChunk,  // SPA_CHUNK_FLAG_CORRUPTED on the chunk
  ZeroChunk,       // chunk size 0
  BadStride,       // chunk stride below width * 4
  ShortBuffer,     // chunk size below stride * height
  Resize,          // renegotiate to another size; the frame is the first at the new size
  Disappear,       // the stream is destroyed instead of producing the frame (the node vanishes)
  CorruptJpeg,     // MJPEG: the JPEG cut to half its bytes (its end-of-image marker gone)
  // Options::sync: the frame's vgem write fence or acquire point is not signalled when its pixels
  // are written (readers time out; a fence is signalled when the buffer comes back, or by the
  // kernel after 10 s; a later acquire point passes it).
  UnsignalledSync,
  // The frame is numbered but never sent (the next one carries the next number): what a consumer
  // sees when a graph cycle ran before it took the last buffer.
  Lost,
  // Before frame N a buffer goes out again as its last fill left it (pixels, header seq, metas),
  // an older frame than the last one sent: GStreamer's pipewiresink on PipeWire 1.4 now and then
  // does this. Shared memory without sync only; a buffer never filled yet is not sent stale.
  Stale,
  // Frame N goes out as a cursor-only buffer, what GNOME's mutter and KDE's KWin send when only
  // the pointer moved: its pixels not written (chunk size 0 and SPA_CHUNK_FLAG_CORRUPTED: "do not
  // look at the contents"), numbered N, with the cursor meta at frame N's place and no damage. The
  // next frame's damage is against the last frame painted. Needs the cursor meta, no sync. Both
  // compositors number these from the counter their frames use (mutter's record_frame takes
  // `++buffer_sequence_counter` for either kind, KWin's addHeader `m_sequential++`); KWin leaves the
  // chunk's size as it was and sets only the flag (capture/video/metas.cpp takes either).
  CursorOnly,
};
inline constexpr size_t kDefectKindCount = 12;

std::string_view to_string(DefectKind kind);
std::optional<DefectKind> defect_kind_from_string(std::string_view name);

struct DefectSpec {
  DefectKind kind = DefectKind::CorruptedFlag;
  uint64_t at = 0;     // first frame number that carries it
  uint64_t every = 0;  // 0: only at `at`; N: also at at+N, at+2N, ...
  // Resize: the size to switch to. With `every`, the source alternates between this size and the
  // one it had before.
  uint32_t width = 0;
  uint32_t height = 0;

  bool applies_to(uint64_t frame) const {
    if (frame < at) return false;
    return every == 0 ? frame == at : (frame - at) % every == 0;
  }
};

// Parses "KIND@FRAME", "KIND@FRAME/EVERY" and, for resize, a size suffix ":WxH", e.g.
// "corrupted-flag@100", "zero-chunk@30/60", "resize@120:1280x720", "disappear@300". Kind names
// are to_string(DefectKind): corrupted-flag, corrupted-chunk, zero-chunk, bad-stride,
// short-buffer, resize, disappear, corrupt-jpeg, unsignalled-sync, lost, stale, cursor-only.
Result<DefectSpec> parse_defect(std::string_view text);

struct Options {
  std::string node_name = "zerocast-test-source";
  uint32_t width = 1920;                   // 64..7680
  uint32_t height = 1080;                  // 32..4320
  uint32_t fps = 60;                       // 1..240
  PixelFormat format = PixelFormat::BGRx;  // any raw format capture takes (testsrc/pack.hpp)
  // 10-bit RGB formats: announce HDR, "pq" or "hlg" (with BT.2020 primaries); empty: nothing.
  std::string hdr;
  BufferMode mode = BufferMode::Shm;
  // DmaBuf mode: modifiers in order of preference (fixation picks the first one the consumer
  // also offers). Shared memory is always offered as well, after them.
  std::vector<uint64_t> modifiers{kModifierLinear, kFakeTiledModifier};
  DmabufAllocator dmabuf_allocator = DmabufAllocator::Auto;  // DmaBuf mode only
  std::string render_node_dir = "/dev/dri";                  // where GBM looks for renderD* (tests override it)
  uint32_t buffers = 4;                                      // buffers to ask for, and the most it takes (2..16)
  uint32_t buffers_min = 2;    // the fewest it takes (2..buffers): a producer needing more than a consumer asks for
  uint32_t stride_align = 64;  // row stride = width * 4 rounded up to this (a power of two)
  bool damage_meta = true;     // offer SPA_META_VideoDamage and fill it with what changed
  std::optional<Rect> crop;    // offer SPA_META_VideoCrop with this region
  bool cursor = false;         // offer SPA_META_Cursor: a 32x32 RGBA arrow circling the frame
  bool driver = true;          // connect with PW_STREAM_FLAG_DRIVER (drive the graph when alone)
  uint64_t frame_limit = 0;    // stop producing after this many frames (0: no limit); stays connected
  uint32_t mark_every = 0;     // frames whose number is a multiple are "marked": their capture times
                               // are kept for the audio source's clicks (TestSource::marks_between)
  // DmaBuf mode with real dmabufs (gbm or udmabuf allocator): how readers are told a frame is
  // ready, and how late. With `late_ms`, each buffer is queued at once and its pixels written, and
  // its fence or acquire point signalled, that many ms later (a compositor whose GPU finishes
  // after it handed the buffer over): a reader that does not wait sees an older frame. 0: the
  // pixels and the signal come before the queue. Below one frame interval.
  SyncMode sync = SyncMode::None;
  uint32_t late_ms = 0;
  std::string sync_drm_dir = "/dev/dri";           // where the vgem or syncobj node is looked for
  std::chrono::milliseconds release_timeout{100};  // Explicit: the wait for a buffer's release point
  std::vector<DefectSpec> defects;
};

// Checks ranges (size, rate, format, buffer count, defects). Everything start() would refuse.
Result<void> validate(const Options& options);

// No PipeWire daemon answered (errno `err`): said with what to start, since the test source is a
// PipeWire node like any producer (`record` starts a private daemon first; the daemon does not).
Error no_pipewire(std::string stage, int err);

// A period of the stream with one format: from `first_frame` on, frames have this geometry.
struct FormatEpoch {
  uint64_t first_frame = 0;
  uint32_t width = 0;
  uint32_t height = 0;
  uint32_t stride = 0;
  PixelFormat format = PixelFormat::BGRx;
  BufferMode memory = BufferMode::Shm;   // how this epoch's buffers are shared
  uint64_t modifier = kModifierInvalid;  // DmaBuf only
  bool gbm = false;                      // DmaBuf: GBM buffers (`stride` is then the buffer's)
  bool udmabuf = false;                  // DmaBuf: udmabufs
};

struct DefectRecord {
  DefectKind kind = DefectKind::CorruptedFlag;
  uint64_t frame = 0;
};

struct Stats {
  uint64_t queued = 0;             // frames handed to PipeWire == the next frame number
  uint64_t skipped_no_buffer = 0;  // ticks while streaming with no free buffer (number not advanced)
  // Buffers a departed consumer still held (their busy count was not zero) when the stream paused,
  // given back to PipeWire's free list then (release_departed).
  uint64_t reclaimed_buffers = 0;
  // pw_stream_queue_buffer refusals: a buffer queued that PipeWire already had. Zero unless the
  // source's own bookkeeping is wrong (each refusal also takes one from the buffer's busy count).
  uint64_t queue_failures = 0;
  uint64_t skipped_paused = 0;  // ticks while not streaming, negotiating or renegotiating
  uint64_t skipped_busy = 0;    // driving: ticks while our last graph cycle was still running (number not advanced)
  uint64_t cycle_timeouts = 0;  // driving: cycles that never reported done within CycleGate::kTimeoutNs (gate reopened)
  uint64_t late_ticks = 0;      // timer expirations missed because the loop was late
  std::array<uint64_t, kDefectKindCount> defects{};  // by DefectKind
  std::vector<DefectRecord> defect_frames;           // in order; the first kMaxDefectRecords
  std::vector<FormatEpoch> epochs;                   // every format accepted, in order
  uint32_t fixations = 0;                            // DONT_FIXATE formats we fixated to one modifier
  uint32_t renegotiations = 0;                       // formats accepted after the first
  // DmaBuf mode: Gbm or MemFd once started (Auto resolved); why not GBM when Auto found none
  // (e.g. "no DRM node (/dev/dri/renderD*, /dev/dri/card*)"); the DRM node GBM allocates on.
  DmabufAllocator dmabuf_allocator = DmabufAllocator::MemFd;
  std::string gbm_unavailable;
  std::string render_node;
  uint64_t gbm_buffers = 0;      // buffers allocated through GBM (real dmabufs)
  uint64_t memfd_buffers = 0;    // buffers backed by our memfds (MemFd mode, memfd dmabufs, shared-memory fallback)
  uint64_t udmabuf_buffers = 0;  // buffers allocated through /dev/udmabuf (real dmabufs)
  uint32_t gbm_refusals = 0;     // Auto: (format, modifier) pairs GBM refused, sent as memfds instead
  // Options::sync: frames sent with a fence or acquire point, those signalled once their pixels
  // were written, those left unsignalled (UnsignalledSync); Explicit: whether the consumer took
  // the sync timeline, release points waited for before reuse and those not signalled in time.
  uint64_t syncs = 0;
  uint64_t syncs_signalled = 0;
  uint64_t syncs_unsignalled = 0;
  // PipeWire 1.4 recycles a buffer its consumer never got (a frame lost in the link while the
  // consumer was busy) without anyone signalling its release point: such a timeout is not the
  // consumer's fault. release_timeout_frames says which frames' releases did not come (the first
  // kMaxDefectRecords), so a test can check they are frames its consumer never saw.
  bool sync_timeline = false;
  uint64_t release_waits = 0;
  uint64_t release_timeouts = 0;
  std::vector<uint64_t> release_timeout_frames;
  bool streaming = false;
  bool driving = false;  // the source drives the graph (else it follows another driver)
  bool gone = false;     // the stream was destroyed (Disappear, or an error)
  std::string error;     // the stream's error, if it failed
  // CPU time of the source's loop thread (drawing, metas, PipeWire's main-loop work) and the
  // part of it spent painting, both since start.
  int64_t loop_cpu_ns = 0;
  int64_t paint_cpu_ns = 0;

  static constexpr size_t kMaxDefectRecords = 4096;

  // The current format (the last epoch), if one was negotiated.
  const FormatEpoch* format() const { return epochs.empty() ? nullptr : &epochs.back(); }
  uint64_t defect_count(DefectKind kind) const { return defects[static_cast<size_t>(kind)]; }
};

// The node as the PipeWire registry shows it; connect consumers by serial (ids are reused).
struct NodeIdentity {
  uint32_t id = 0;
  uint64_t serial = 0;
};

}  // namespace zc::testsrc
