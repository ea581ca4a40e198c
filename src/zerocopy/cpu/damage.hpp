#pragma once
// Damage-driven conversion: a pooled output frame still holds the picture it was last converted
// to, so when the producer says what changed since then (SPA_META_VideoDamage: mutter, KWin and
// xdg-desktop-portal-wlr send it, and the test source does) only those regions are converted
// again. A desktop where a cursor blinks or a terminal scrolls converts a few percent of each
// frame instead of all of it.
//
// The tracker keeps the damage of the last frames of one unbroken run: consecutive producer
// numbers, none missed, each with its damage known, and the same source and target shape. A
// pooled frame is tagged with the run (epoch) and the number it holds; a frame of the same run
// with every later number's damage still in the history needs only their union (and the cursor it
// had drawn, erased). Anything else is converted in full: another run (a new epoch on any break),
// a frame from before the history's reach, a frame being written.
#include <cstdint>
#include <optional>
#include <vector>

#include "core/frame.hpp"
#include "core/pixel_format.hpp"

namespace zc::zerocopy {

// What a pooled output frame holds. epoch 0: unknown (new, or partly written).
struct ContentTag {
  uint64_t epoch = 0;
  uint64_t sequence = 0;       // the producer's number of the frame it holds
  std::optional<Rect> cursor;  // where a cursor was drawn over it (output coordinates)
};

// What must stay the same for an earlier conversion to be reused: the source buffer's format and
// size, the visible rect read, the target's format and size.
struct DamageShape {
  PixelFormat source = PixelFormat::BGRx;
  uint32_t width = 0, height = 0;
  Rect visible;
  PixelFormat target = PixelFormat::NV12;
  uint32_t target_width = 0, target_height = 0;
  bool operator==(const DamageShape&) const = default;
};

class DamageTracker {
 public:
  // Frames whose damage is remembered: a pooled frame older than this is converted in full.
  static constexpr size_t kHistory = 12;
  // Regions beyond this many are merged into their bounding box.
  static constexpr size_t kMaxRegions = 32;
  // A run ends after this many frames all the same, so that damage a producer got wrong (a region
  // it changed but did not name) stays in a recording for seconds at most: one full conversion
  // of each pooled frame every 600 frames.
  static constexpr uint64_t kMaxRun = 600;

  // Records `frame` (read through `shape`, whose visible rect is the target's size: direct
  // conversions only) and returns its run's epoch (never 0).
  uint64_t note(const Frame& frame, const DamageShape& shape);
  // A pointer move numbered `sequence` (a cursor-only buffer: the picture did not change). When it
  // is the run's next number, the run goes on with nothing changed at that number: true. (mutter
  // and KWin number a cursor-only buffer next, from their frames' counter: testsrc/options.hpp.)
  bool note_still(uint64_t sequence);
  // Forgets everything: the next note() starts a new run.
  void reset();
  // The current run (0: none).
  uint64_t epoch() const { return epoch_; }

  // What must be converted to bring a pooled frame holding `held` up to the frame last noted:
  // rects in output coordinates (aligned_clip), inside the target; empty when nothing changed.
  // nullopt: convert it all.
  std::optional<std::vector<Rect>> regions_for(const ContentTag& held) const;

 private:
  struct Entry {
    uint64_t sequence = 0;
    std::vector<Rect> damage;  // output coordinates, even-aligned
  };
  std::optional<DamageShape> shape_;
  uint64_t epoch_ = 0;
  uint64_t next_epoch_ = 1;
  uint64_t run_length_ = 0;
  std::vector<Entry> history_;  // of the current run, oldest first, consecutive numbers
};

// Columns a converted region starts and ends on (or ends at the picture's right edge). libyuv's
// rows convert blocks of up to 64 pixels with SIMD and a row's last, shorter block through
// another path that does not always give the same bytes (YUY2 to NV12: the last chroma sample of
// an 18-pixel row differs from the same pixels inside a 96-pixel one); with regions on these
// columns every pixel goes through the same path as in a full conversion of the picture.
inline constexpr uint32_t kRegionColumns = 64;

// `r` grown to kRegionColumns columns and even rows (whole 4:2:0 chroma samples) and clipped to a
// width x height target; nullopt when empty.
std::optional<Rect> aligned_clip(const Rect& r, uint32_t width, uint32_t height);

}  // namespace zc::zerocopy
