// The colour rules (core/colour.hpp): which matrix, range, primaries and transfer a stream gets
// from its source, and the fixed-point factors every conversion uses.
#include <catch2/catch.hpp>

#include <string>

#include "core/colour.hpp"

using zc::AnnouncedColour;
using zc::Colour;
using zc::ColourChoice;
using zc::ColourMatrix;
using zc::ColourPrimaries;
using zc::ColourRange;
using zc::ColourTransfer;
using zc::MatrixChoice;
using zc::PixelFormat;

TEST_CASE("colour: the matrix players assume by height, BT.709 above 576 lines", "[colour]") {
  CHECK(zc::matrix_for_height(480) == ColourMatrix::BT601);
  CHECK(zc::matrix_for_height(576) == ColourMatrix::BT601);
  CHECK(zc::matrix_for_height(578) == ColourMatrix::BT709);
  CHECK(zc::matrix_for_height(720) == ColourMatrix::BT709);
  CHECK(zc::matrix_for_height(2160) == ColourMatrix::BT709);
}

TEST_CASE("colour: screens (RGB) by the output's height or the user's choice, sRGB, centre-sited", "[colour]") {
  const Colour hd = zc::output_colour(PixelFormat::BGRx, {}, 1080, 1080, {});
  CHECK(hd.matrix == ColourMatrix::BT709);
  CHECK(hd.range == ColourRange::Limited);
  CHECK(hd.primaries == ColourPrimaries::BT709);
  CHECK(hd.transfer == ColourTransfer::SRGB);
  CHECK(hd.siting == zc::ChromaSiting::Centre);
  // Scaled down to 480 lines: the output's height decides.
  CHECK(zc::output_colour(PixelFormat::BGRx, {}, 1080, 480, {}).matrix == ColourMatrix::BT601);
  CHECK(zc::output_colour(PixelFormat::xRGB_210LE, {}, 2160, 2160, {}).matrix == ColourMatrix::BT709);
  CHECK(zc::output_colour(PixelFormat::RGB, {}, 480, 480, {}).matrix == ColourMatrix::BT601);
  const Colour forced =
      zc::output_colour(PixelFormat::BGRx, {}, 1080, 1080, ColourChoice{MatrixChoice::BT601, ColourRange::Full});
  CHECK(forced.matrix == ColourMatrix::BT601);
  CHECK(forced.range == ColourRange::Full);
  CHECK(zc::output_colour(PixelFormat::BGRx, {}, 480, 480, ColourChoice{MatrixChoice::BT709, ColourRange::Limited})
            .matrix == ColourMatrix::BT709);
  // A producer's announcement does not change an RGB source's conversion.
  AnnouncedColour said;
  said.matrix = ColourMatrix::BT601;
  CHECK(zc::output_colour(PixelFormat::BGRx, said, 1080, 1080, {}).matrix == ColourMatrix::BT709);
}

TEST_CASE("colour: YUV sources keep what they announce, else what GStreamer assumes for their size", "[colour]") {
  std::string notes;
  const Colour hd = zc::output_colour(PixelFormat::NV12, {}, 1080, 1080, {}, &notes);
  CHECK(hd.matrix == ColourMatrix::BT709);
  CHECK(hd.primaries == ColourPrimaries::BT709);
  CHECK(hd.transfer == ColourTransfer::BT709);
  CHECK(hd.range == ColourRange::Limited);
  CHECK(hd.siting == zc::ChromaSiting::Left);
  CHECK(notes == "matrix bt709, range limited, primaries bt709, transfer bt709");
  const Colour sd = zc::output_colour(PixelFormat::YUY2, {}, 480, 480, {});
  CHECK(sd.matrix == ColourMatrix::BT601);
  CHECK(sd.primaries == ColourPrimaries::BT601);
  const Colour uhd = zc::output_colour(PixelFormat::I420, {}, 2160, 2160, {});
  CHECK(uhd.matrix == ColourMatrix::BT2020);
  CHECK(uhd.primaries == ColourPrimaries::BT2020);
  // Scaled or not, the source's own height decides, and the user's choice is for RGB only.
  CHECK(zc::output_colour(PixelFormat::NV12, {}, 1080, 480, ColourChoice{MatrixChoice::BT601, ColourRange::Full})
            .matrix == ColourMatrix::BT709);
  AnnouncedColour said;
  said.matrix = ColourMatrix::BT601;
  said.range = ColourRange::Full;
  notes.clear();
  const Colour kept = zc::output_colour(PixelFormat::NV12, said, 1080, 1080, {}, &notes);
  CHECK(kept.matrix == ColourMatrix::BT601);
  CHECK(kept.range == ColourRange::Full);
  CHECK(notes == "primaries bt709, transfer bt709");
}

TEST_CASE("colour: an HDR screen keeps its curve and primaries, with BT.2020's matrix", "[colour]") {
  AnnouncedColour pq;
  pq.transfer = ColourTransfer::PQ;
  std::string notes;
  const Colour c = zc::output_colour(PixelFormat::xRGB_210LE, pq, 2160, 2160, {}, &notes);
  CHECK(c.matrix == ColourMatrix::BT2020);
  CHECK(c.primaries == ColourPrimaries::BT2020);
  CHECK(c.transfer == ColourTransfer::PQ);
  CHECK(notes == "primaries bt2020");
  AnnouncedColour hlg;
  hlg.transfer = ColourTransfer::HLG;
  hlg.primaries = ColourPrimaries::BT2020;
  CHECK(zc::output_colour(PixelFormat::xRGB_210LE, hlg, 1080, 1080, {}).transfer == ColourTransfer::HLG);
  // A forced matrix is still the user's; SDR stays SDR.
  CHECK(zc::output_colour(PixelFormat::xRGB_210LE, hlg, 1080, 1080,
                          ColourChoice{MatrixChoice::BT709, ColourRange::Limited})
            .matrix == ColourMatrix::BT709);
  AnnouncedColour srgb;
  srgb.transfer = ColourTransfer::SRGB;
  CHECK(zc::output_colour(PixelFormat::xRGB_210LE, srgb, 1080, 1080, {}).transfer == ColourTransfer::SRGB);
  CHECK(zc::output_colour(PixelFormat::xRGB_210LE, srgb, 1080, 1080, {}).matrix == ColourMatrix::BT709);
}

TEST_CASE("colour: MJPEG is BT.601, brought to the chosen range", "[colour]") {
  CHECK(zc::output_colour(PixelFormat::MJPG, {}, 1080, 1080, {}).matrix == ColourMatrix::BT601);
  CHECK(zc::output_colour(PixelFormat::MJPG, {}, 1080, 1080, {}).range == ColourRange::Limited);
  CHECK(zc::output_colour(PixelFormat::MJPG, {}, 720, 720, ColourChoice{MatrixChoice::Auto, ColourRange::Full}).range ==
        ColourRange::Full);
}

TEST_CASE("colour: the factors, libyuv's for BT.601 limited, each chroma triple summing to 0", "[colour]") {
  const auto f = zc::yuv_factors_8bit(Colour{ColourMatrix::BT601, ColourRange::Limited});
  CHECK((f.yr == 66 && f.yg == 129 && f.yb == 25));
  CHECK((f.ur == -38 && f.ug == -74 && f.ub == 112));
  CHECK((f.vr == 112 && f.vg == -94 && f.vb == -18));
  CHECK((f.y_offset == 16 && f.c_offset == 128));
  // The 10-bit rows' factors of BT.601 limited range: 876/1023 of 2^15 is 28059.4, so the luma
  // triple sums to 28059 (the constants they replaced, 8390 + 16471 + 3199, summed to 28060).
  const auto t = zc::yuv_factors(ColourMatrix::BT601, ColourRange::Limited, 10, 15, 32767);
  CHECK((t.yr == 8389 && t.yg == 16471 && t.yb == 3199));
  CHECK((t.ur == -4843 && t.ug == -9507 && t.ub == 14350));
  CHECK((t.vr == 14350 && t.vg == -12016 && t.vb == -2334));
  CHECK((t.y_offset == 64 && t.c_offset == 512));
  for (const auto m : {ColourMatrix::BT601, ColourMatrix::BT709, ColourMatrix::BT2020}) {
    for (const auto r : {ColourRange::Limited, ColourRange::Full}) {
      INFO(zc::to_string(m) << " " << zc::to_string(r));
      const auto k = zc::yuv_factors_8bit(Colour{m, r});
      CHECK(k.ur + k.ug + k.ub == 0);
      CHECK(k.vr + k.vg + k.vb == 0);
      CHECK(k.yr + k.yg + k.yb == (r == ColourRange::Full ? 256 : 220));
      CHECK((k.ub <= 127 && k.vr <= 127 && k.ug >= -128 && k.vg >= -128));
      CHECK(k.y_offset == (r == ColourRange::Full ? 0 : 16));
    }
  }
  // BT.709 limited: 0.2126, 0.7152, 0.0722 of 219/255.
  const auto hd = zc::yuv_factors_8bit(Colour{ColourMatrix::BT709, ColourRange::Limited});
  CHECK((hd.yr == 47 && hd.yg == 157 && hd.yb == 16));
}

TEST_CASE("colour: names and the words the settings take", "[colour]") {
  CHECK(zc::describe(Colour{}) == "bt709 limited (primaries bt709, transfer srgb, chroma centre)");
  CHECK(zc::matrix_choice_from_string("bt601").value() == MatrixChoice::BT601);
  CHECK(zc::matrix_choice_from_string("auto").value() == MatrixChoice::Auto);
  CHECK_FALSE(zc::matrix_choice_from_string("bt2020"));
  CHECK(zc::colour_range_from_string("full").value() == ColourRange::Full);
  CHECK_FALSE(zc::colour_range_from_string("tv"));
}
