// Damage-driven conversion (zerocopy/cpu/damage.hpp): a pooled frame that holds an earlier picture
// is brought up to date by converting only what the producer's damage names, and the result is
// byte for byte what a full conversion gives, for every kind of source format, 8- and 10-bit
// targets, a crop, a moving cursor, frames in flight (pooled frames out of order), a lost frame,
// damage not known, a producer that starts its numbers again.
#include <catch2/catch.hpp>

#include <cstring>
#include <deque>
#include <random>
#include <vector>

#include "cpu_source_image.hpp"
#include "zerocopy/cpu/cpu_importer.hpp"
#include "zerocopy/cpu/damage.hpp"

using zc::PixelFormat;
using zc::Rect;
using zc::test::Rgba;
using zc::test::SourceImage;
using zc::zerocopy::ContentTag;
using zc::zerocopy::CpuImporter;
using zc::zerocopy::CpuImportOptions;
using zc::zerocopy::DamageShape;
using zc::zerocopy::DamageTracker;

namespace {

// Every byte of a frame's visible planes (8- or 16-bit samples), for exact comparisons.
std::vector<uint8_t> bytes_of(const zc::DeviceFrame& f) {
  const uint32_t sample = zc::bit_depth(f.format) > 8 ? 2 : 1;
  const bool interleaved = f.format == PixelFormat::NV12 || f.format == PixelFormat::P010;
  std::vector<uint8_t> out;
  const auto rows = [&](uint32_t plane, uint32_t row_bytes, uint32_t n) {
    for (uint32_t r = 0; r < n; ++r) {
      const uint8_t* p = f.cpu_plane(plane) + size_t{r} * f.pitches[plane];
      out.insert(out.end(), p, p + row_bytes);
    }
  };
  rows(0, f.width * sample, f.height);
  if (interleaved) {
    rows(1, f.width * sample, f.height / 2);
  } else {
    rows(1, f.width / 2 * sample, f.height / 2);
    rows(2, f.width / 2 * sample, f.height / 2);
  }
  return out;
}

Rgba random_colour(std::mt19937& rng) {
  return Rgba{static_cast<uint8_t>(rng()), static_cast<uint8_t>(rng()), static_cast<uint8_t>(rng()), 255};
}

// A rect on even coordinates inside w x h (YUV sources change whole chroma samples there).
Rect random_rect(std::mt19937& rng, uint32_t w, uint32_t h) {
  const uint32_t x = (rng() % (w / 2)) * 2, y = (rng() % (h / 2)) * 2;
  const uint32_t rw = std::min<uint32_t>(2 + (rng() % 24) * 2, w - x);
  const uint32_t rh = std::min<uint32_t>(2 + (rng() % 16) * 2, h - y);
  return Rect{static_cast<int32_t>(x), static_cast<int32_t>(y), rw, rh};
}

// The first byte where two frames' samples differ, or their size when none does.
size_t first_difference(const zc::DeviceFrame& a, const zc::DeviceFrame& b) {
  const auto ba = bytes_of(a), bb = bytes_of(b);
  size_t first = 0;
  while (first < ba.size() && first < bb.size() && ba[first] == bb[first])
    ++first;
  return first;
}

struct Run {
  uint64_t frames = 0;
  uint64_t pointer_moves = 0;  // redraw_cursor() frames compared
  uint64_t partial = 0;
  uint64_t pixels_converted = 0;
  uint64_t pixels_total = 0;
};

// A producer changing a few rects a frame and naming them in its damage, imported with damage
// and in full; every output must match. Now and then a frame is lost (its change never named),
// sent without damage, or the numbers start again. Up to three frames stay in flight, so pooled
// frames come back out of order. With a cursor, now and then only the pointer moves (a
// cursor-only buffer): redraw_cursor() must give what a full conversion of the still picture with
// the cursor at its new place gives, and the frames after it still match.
Run compare_with_full(PixelFormat source, PixelFormat target, std::optional<Rect> crop, bool cursor, int frames = 90) {
  const uint32_t w = 224, h = 64;  // four 64-column blocks, the last one short
  SourceImage img(source, w, h);
  std::mt19937 rng(static_cast<uint32_t>(source) * 31 + static_cast<uint32_t>(target));
  for (int i = 0; i < 8; ++i) {
    const Rect r = random_rect(rng, w, h);
    img.fill_rect(static_cast<uint32_t>(r.x), static_cast<uint32_t>(r.y), r.width, r.height, random_colour(rng));
  }
  CpuImporter damaged;
  CpuImportOptions full_options;
  full_options.damage = false;
  CpuImporter full(full_options);
  const Rect visible = crop.value_or(Rect{0, 0, w, h});
  const zc::zerocopy::ImportTarget t = zc::test::target(visible.width, visible.height, target);
  std::vector<uint8_t> bitmap(16 * 16 * 4, 0);
  for (size_t i = 0; i < bitmap.size(); i += 4) {
    bitmap[i] = 255;                                   // B
    bitmap[i + 3] = static_cast<uint8_t>(i % 7 * 40);  // a translucent, uneven alpha
  }
  const auto place_cursor = [&](zc::Frame& frame, int n, bool off) {
    frame.cursor.visible = true;
    frame.cursor.x = off ? static_cast<int32_t>(w) + 8 : static_cast<int32_t>(n * 3 % w) - 4;
    frame.cursor.y = static_cast<int32_t>(n * 2 % h) - 4;
    frame.cursor.width = 16;
    frame.cursor.height = 16;
    frame.cursor.stride = 16 * 4;
    frame.cursor.format = PixelFormat::BGRA;
    frame.cursor.pixels = bitmap.data();
  };
  std::deque<zc::DeviceFrame> in_flight;
  const auto keep_some = [&](zc::DeviceFrame f) {
    in_flight.push_back(std::move(f));
    while (in_flight.size() > rng() % 4)
      in_flight.erase(in_flight.begin() + static_cast<long>(rng() % in_flight.size()));
  };
  uint64_t sequence = 100;
  uint64_t pointer_moves = 0;
  for (int n = 0; n < frames; ++n) {
    zc::Frame frame = img.frame();
    const int event = static_cast<int>(rng() % 30);
    if (cursor && n > 0 && event >= 25) {
      // Only the pointer moved (once in five of these off the picture): no new picture.
      frame.crop = crop;
      place_cursor(frame, n, event == 29);
      zc::zerocopy::ImportTarget tc = t;
      // Numbered next (the run goes on), or once in five after a number lost (it cannot).
      sequence += event == 28 ? 2 : 1;
      auto a = damaged.redraw_cursor(frame.cursor, sequence, tc);
      auto b = full.import(frame, tc);
      INFO("pointer move at frame " << n << (event == 29 ? " (off the picture)" : ""));
      REQUIRE(a);
      REQUIRE(b);
      REQUIRE(first_difference(*a, *b) == bytes_of(*a).size());
      ++pointer_moves;
      keep_some(std::move(*a));
      continue;
    }
    // The change, named in the damage (or not, below).
    const uint32_t changes = rng() % 3;
    for (uint32_t c = 0; c < changes; ++c) {
      const Rect r = random_rect(rng, w, h);
      img.fill_rect(static_cast<uint32_t>(r.x), static_cast<uint32_t>(r.y), r.width, r.height, random_colour(rng));
      frame.damage[frame.damage_count++] = r;
    }
    if (frame.damage_count == 0) frame.damage[frame.damage_count++] = Rect{0, 0, 2, 2};  // nothing changed there
    frame.damage_known = true;
    sequence += 1;
    if (event == 0) {
      // A frame lost before us: its change was never named to us.
      const Rect r = random_rect(rng, w, h);
      img.fill_rect(static_cast<uint32_t>(r.x), static_cast<uint32_t>(r.y), r.width, r.height, random_colour(rng));
      frame.missed_before = 1;
      sequence += 1;
    } else if (event == 1) {
      const Rect r = random_rect(rng, w, h);
      img.fill_rect(static_cast<uint32_t>(r.x), static_cast<uint32_t>(r.y), r.width, r.height, random_colour(rng));
      frame.damage_known = false;  // a frame without damage: all of it may have changed
      frame.damage_count = 0;
    } else if (event == 2) {
      sequence = 5;  // the producer started its numbers again
    }
    frame.sequence = sequence;
    frame.crop = crop;
    if (cursor) place_cursor(frame, n, false);
    zc::zerocopy::ImportTarget tc = t;
    tc.draw_cursor = cursor;
    auto a = damaged.import(frame, tc);
    auto b = full.import(frame, tc);
    REQUIRE(a);
    REQUIRE(b);
    INFO("frame " << n << " (sequence " << sequence << ", event " << event << ")");
    const size_t first = first_difference(*a, *b);
    INFO("first difference at byte " << first << " of " << bytes_of(*a).size() << " (luma "
                                     << size_t{a->width} * a->height << ")");
    REQUIRE(first == bytes_of(*a).size());
    keep_some(std::move(*a));
  }
  const auto c = damaged.counters();
  CHECK(c.pointer_moves == pointer_moves);
  return Run{c.imported, pointer_moves, c.partial, c.pixels_converted, c.pixels_total};
}

}  // namespace

TEST_CASE("damage: converting only what changed gives the full conversion's bytes, every source kind",
          "[cpu_import][damage]") {
  // 32-bit and 24-bit RGB, 4:2:0 and 4:2:2 YUV, 10-bit RGB.
  for (const PixelFormat source : {PixelFormat::BGRx, PixelFormat::xRGB, PixelFormat::RGB, PixelFormat::NV12,
                                   PixelFormat::I420, PixelFormat::YUY2, PixelFormat::xRGB_210LE}) {
    for (const PixelFormat target : {PixelFormat::NV12, PixelFormat::I420}) {
      INFO(zc::to_string(source) << " -> " << zc::to_string(target));
      const Run r = compare_with_full(source, target, std::nullopt, false);
      // Most frames took the partial path, and converted less than everything (on this small
      // picture a region is a whole 64-column block or more).
      CHECK(r.partial > r.frames / 2);
      CHECK(r.pixels_converted * 4 < r.pixels_total * 3);
    }
  }
}

TEST_CASE("damage: 10-bit targets, a crop and a moving cursor match the full conversion too", "[cpu_import][damage]") {
  for (const PixelFormat source : {PixelFormat::BGRx, PixelFormat::xRGB_210LE}) {
    for (const PixelFormat target : {PixelFormat::P010, PixelFormat::I010}) {
      INFO(zc::to_string(source) << " -> " << zc::to_string(target));
      const Run r = compare_with_full(source, target, std::nullopt, false);
      CHECK(r.partial > r.frames / 2);
    }
  }
  SECTION("crop with an odd origin (RGB) and an even one (YUV)") {
    CHECK(compare_with_full(PixelFormat::BGRx, PixelFormat::NV12, Rect{5, 3, 64, 40}, false).partial > 30);
    CHECK(compare_with_full(PixelFormat::NV12, PixelFormat::NV12, Rect{6, 4, 64, 40}, false).partial > 30);
  }
  SECTION("a cursor drawn over the picture, moving every frame: its old place is converted again") {
    for (const PixelFormat target : {PixelFormat::NV12, PixelFormat::I420, PixelFormat::P010, PixelFormat::I010}) {
      INFO(zc::to_string(target));
      const Run r = compare_with_full(PixelFormat::BGRx, target, std::nullopt, true);
      CHECK(r.partial > 30);
      // Pointer moves over the still picture among them (a sixth of the frames).
      CHECK(r.pointer_moves >= 8);
    }
    const Run cropped = compare_with_full(PixelFormat::BGRx, PixelFormat::NV12, Rect{5, 3, 64, 40}, true);
    CHECK(cropped.pointer_moves >= 8);
  }
}

TEST_CASE("damage: a producer that changes nothing costs next to nothing, and with damage off all is converted",
          "[cpu_import][damage]") {
  const uint32_t w = 320, h = 180;
  SourceImage img(PixelFormat::BGRx, w, h);
  img.fill(Rgba{10, 200, 30, 255});
  for (const bool on : {true, false}) {
    CpuImportOptions o;
    o.damage = on;
    CpuImporter importer(o);
    for (uint64_t n = 1; n <= 50; ++n) {
      zc::Frame frame = img.frame();
      frame.sequence = n;
      frame.damage[0] = Rect{100, 50, 8, 8};
      frame.damage_count = 1;
      frame.damage_known = true;
      REQUIRE(importer.import(frame, zc::test::target(w, h)));
    }
    const auto c = importer.counters();
    INFO("damage " << on << ": " << c.pixels_converted << " of " << c.pixels_total << " pixels, " << c.partial
                   << " partial");
    if (on) {
      // The pool's first frame (one here: each is released at once) in full, then the 8x8 square
      // grown to 64 columns: 64x8 a frame.
      CHECK(c.partial == 49);
      CHECK(c.pixels_converted == uint64_t{w} * h + 49 * 64 * 8);
    } else {
      CHECK(c.partial == 0);
      CHECK(c.pixels_converted == c.pixels_total);
    }
  }
}

TEST_CASE("damage tracker: what a held picture needs, and when only a full conversion will do", "[damage]") {
  DamageTracker t;
  const DamageShape shape{PixelFormat::BGRx, 100, 60, Rect{0, 0, 100, 60}, PixelFormat::NV12, 100, 60};
  const auto frame = [](uint64_t seq, std::vector<Rect> damage, uint32_t missed = 0) {
    zc::Frame f;
    f.sequence = seq;
    f.missed_before = missed;
    for (const Rect& r : damage)
      f.damage[f.damage_count++] = r;
    f.damage_known = !damage.empty();
    return f;
  };
  const uint64_t epoch = t.note(frame(1, {}), shape);
  CHECK(epoch != 0);
  // The run's first frame: nothing before it is known.
  CHECK_FALSE(t.regions_for(ContentTag{}));
  CHECK(t.regions_for(ContentTag{epoch, 1, std::nullopt}) == std::vector<Rect>{});
  CHECK(t.note(frame(2, {Rect{3, 3, 4, 4}}), shape) == epoch);
  CHECK(t.note(frame(3, {Rect{70, 11, 5, 5}}), shape) == epoch);
  // Grown to 64 columns (the right edge at 100) and even rows; the older frame needs both frames'.
  CHECK(t.regions_for(ContentTag{epoch, 2, std::nullopt}) == std::vector<Rect>{Rect{64, 10, 36, 6}});
  CHECK(t.regions_for(ContentTag{epoch, 1, std::nullopt}) == std::vector<Rect>{Rect{0, 2, 64, 6}, Rect{64, 10, 36, 6}});
  // A cursor drawn over the held picture is erased.
  CHECK(t.regions_for(ContentTag{epoch, 2, Rect{50, 51, 3, 3}}) ==
        std::vector<Rect>{Rect{64, 10, 36, 6}, Rect{0, 50, 64, 4}});
  // Another run's picture, or one from the future, is converted in full.
  CHECK_FALSE(t.regions_for(ContentTag{epoch + 1, 2, std::nullopt}));
  CHECK_FALSE(t.regions_for(ContentTag{epoch, 4, std::nullopt}));
  // The same frame again: nothing to do.
  CHECK(t.regions_for(ContentTag{epoch, 3, std::nullopt}) == std::vector<Rect>{});
  // A lost frame starts a new run: every earlier picture is unknown.
  const uint64_t second = t.note(frame(5, {Rect{0, 0, 2, 2}}, 1), shape);
  CHECK(second != epoch);
  CHECK_FALSE(t.regions_for(ContentTag{epoch, 3, std::nullopt}));
  // So do damage not known, and another shape.
  t.note(frame(6, {Rect{0, 0, 2, 2}}), shape);
  CHECK(t.note(frame(7, {}), shape) != second);
  DamageShape other = shape;
  other.visible = Rect{2, 0, 98, 60};
  const uint64_t third = t.note(frame(8, {Rect{0, 0, 2, 2}}), shape);
  CHECK(t.note(frame(9, {Rect{0, 0, 2, 2}}), other) != third);
  // Only kHistory frames back.
  const uint64_t run = t.note(frame(100, {}), shape);
  for (uint64_t s = 101; s <= 100 + DamageTracker::kHistory + 1; ++s)
    t.note(frame(s, {Rect{0, 0, 2, 2}}), shape);
  CHECK_FALSE(t.regions_for(ContentTag{run, 100, std::nullopt}));
  CHECK(t.regions_for(ContentTag{run, 100 + DamageTracker::kHistory, std::nullopt}));
  // A region inside another is dropped; beyond kMaxRegions they become their bounding box.
  const uint64_t many = t.note(frame(500, {}), shape);
  for (const int32_t x : {0, 70}) {
    std::vector<Rect> d;
    for (int32_t k = 0; k < 16; ++k)
      d.push_back(Rect{x, 2 * k, 1, 1});
    t.note(frame(x == 0 ? 501 : 502, d), shape);
  }
  CHECK(t.regions_for(ContentTag{many, 500, std::nullopt})->size() == 32);
  t.note(frame(503, {Rect{10, 0, 4, 2}, Rect{5, 40, 1, 1}}), shape);  // the first inside a region
  CHECK(t.regions_for(ContentTag{many, 500, std::nullopt}) == std::vector<Rect>{Rect{0, 0, 100, 42}});
  // A run ends after kMaxRun frames: a damage a producer got wrong does not live on.
  const uint64_t long_run = t.note(frame(1000, {}), shape);
  uint64_t s = 1001;
  for (; s < 1000 + DamageTracker::kMaxRun; ++s)
    REQUIRE(t.note(frame(s, {Rect{0, 0, 2, 2}}), shape) == long_run);
  CHECK(t.note(frame(s, {Rect{0, 0, 2, 2}}), shape) != long_run);
}

TEST_CASE("damage: aligned_clip grows a rect to 64 columns and whole chroma samples inside the picture", "[damage]") {
  using zc::zerocopy::aligned_clip;
  CHECK(aligned_clip(Rect{3, 5, 4, 4}, 200, 60) == Rect{0, 4, 64, 6});
  CHECK(aligned_clip(Rect{60, 5, 10, 4}, 200, 60) == Rect{0, 4, 128, 6});
  CHECK(aligned_clip(Rect{-3, -1, 6, 4}, 200, 60) == Rect{0, 0, 64, 4});
  CHECK(aligned_clip(Rect{197, 57, 10, 10}, 200, 60) == Rect{192, 56, 8, 4});
  CHECK_FALSE(aligned_clip(Rect{200, 10, 4, 4}, 200, 60));
  CHECK_FALSE(aligned_clip(Rect{10, 10, 0, 4}, 200, 60));
}

TEST_CASE("pointer move: drawn only over the last picture of a drawn metadata cursor, one frame kept for it",
          "[cpu_import][cursor]") {
  const uint32_t w = 128, h = 64;
  SourceImage img(PixelFormat::BGRx, w, h);
  img.fill(Rgba{200, 40, 90, 255});
  std::vector<uint8_t> bitmap(8 * 8 * 4, 255);  // opaque white
  zc::Cursor pointer;
  pointer.visible = true;
  pointer.x = 10;
  pointer.y = 12;
  pointer.width = pointer.height = 8;
  pointer.stride = 8 * 4;
  pointer.format = PixelFormat::BGRA;
  pointer.pixels = bitmap.data();
  const auto t = zc::test::target(w, h);
  CpuImporter importer;
  const auto unsupported = [&](const zc::zerocopy::ImportTarget& target) {
    auto r = importer.redraw_cursor(pointer, 99, target);
    return !r && r.error().code == zc::Errc::unsupported;
  };
  CHECK(unsupported(t));  // no picture yet
  zc::Frame frame = img.frame();
  REQUIRE(importer.import(frame, t));
  CHECK(unsupported(t));  // the producer sends no cursor meta: nothing kept
  frame.cursor = pointer;
  auto no_cursor = t;
  no_cursor.draw_cursor = false;
  REQUIRE(importer.import(frame, no_cursor));
  CHECK(unsupported(no_cursor));  // --no-cursor
  REQUIRE(importer.import(frame, t));
  CHECK(unsupported(zc::test::target(w / 2, h / 2)));  // another target than the last picture's
  const auto before = importer.pool_counters().created;
  // Moves with no frame held anywhere else: the kept frame and the one drawn, nothing more.
  for (int i = 0; i < 40; ++i) {
    pointer.x = 10 + i;
    auto moved = importer.redraw_cursor(pointer, static_cast<uint64_t>(100 + i), t);
    REQUIRE(moved);
    // White where the pointer is now, the picture's own colour where it was.
    CHECK(moved->cpu_plane(0)[size_t{12} * moved->pitches[0] + static_cast<size_t>(pointer.x)] == 235);
    const size_t was = static_cast<size_t>(pointer.x) - 1;  // the last place's first column
    CHECK(moved->cpu_plane(0)[size_t{12} * moved->pitches[0] + was] != 235);
  }
  CHECK(importer.counters().pointer_moves == 40);
  CHECK(importer.pool_counters().created <= before + 1);
}

TEST_CASE("pointer move: a damage run goes on across pointer moves numbered in turn", "[cpu_import][cursor][damage]") {
  // mutter and KWin number their cursor-only buffers like frames: a move between two frames must
  // not cost the next frame a full conversion.
  const uint32_t w = 320, h = 128;
  SourceImage img(PixelFormat::BGRx, w, h);
  img.fill(Rgba{30, 60, 200, 255});
  std::vector<uint8_t> bitmap(16 * 16 * 4, 255);
  CpuImporter damaged;
  CpuImportOptions full_options;
  full_options.damage = false;
  CpuImporter full(full_options);
  const auto t = zc::test::target(w, h);
  std::deque<zc::DeviceFrame> held;  // the encoder's queue: a few frames out at once
  uint64_t sequence = 1;
  for (int i = 0; i < 30; ++i) {
    zc::Frame frame = img.frame();
    frame.cursor.visible = true;
    frame.cursor.x = 10 + 4 * i;
    frame.cursor.y = 20 + i;
    frame.cursor.width = frame.cursor.height = 16;
    frame.cursor.stride = 16 * 4;
    frame.cursor.format = PixelFormat::BGRA;
    frame.cursor.pixels = bitmap.data();
    if (i % 2 == 1) {
      auto a = damaged.redraw_cursor(frame.cursor, sequence++, t);
      auto b = full.import(frame, t);
      REQUIRE(a);
      REQUIRE(b);
      REQUIRE(first_difference(*a, *b) == bytes_of(*a).size());
      held.push_back(std::move(*a));
    } else {
      const uint32_t x = static_cast<uint32_t>(i) * 8;
      img.fill_rect(x, 100, 8, 8, Rgba{static_cast<uint8_t>(i * 8), 200, 10, 255});
      frame = [&] {
        zc::Frame f = img.frame();
        f.cursor = frame.cursor;
        return f;
      }();
      frame.damage[0] = Rect{static_cast<int32_t>(x), 100, 8, 8};
      frame.damage_count = 1;
      frame.damage_known = true;
      frame.sequence = sequence++;
      auto a = damaged.import(frame, t);
      auto b = full.import(frame, t);
      REQUIRE(a);
      REQUIRE(b);
      INFO("frame " << i);
      REQUIRE(first_difference(*a, *b) == bytes_of(*a).size());
      held.push_back(std::move(*a));
    }
    while (held.size() > 2)
      held.pop_front();
  }
  const auto c = damaged.counters();
  // Nearly every frame converted only what changed: all but the run's first and those that got a
  // pool frame new to the run (a full conversion each after a move, before: the move's number
  // broke the run, and no frame was partial).
  CHECK(c.imported == 15);
  CHECK(c.partial >= 12);
  CHECK(c.pointer_moves == 15);
}
