// The stand-ins' H.264 writer (fake_h264.h), checked where CI runs: FFmpeg's own decoder, stopping
// at its first error, must give back exactly the samples it was given, in CAVLC and CABAC, I and P
// slices, several slices a picture, headers written here or taken from an application's packed
// NAL. The GPU cases trust it to turn what FFmpeg's NVENC wrapper asked for into a stream, and the
// fake VA-API driver to turn what an application's VA calls asked for into one.
#include <catch2/catch.hpp>

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

extern "C" {
#include <libavutil/frame.h>
#include <libavutil/pixfmt.h>

#include "fake_h264.h"
}

#include "strict_decode.hpp"
#include "support/decode.hpp"
#include "support/process.hpp"

namespace {

constexpr uint32_t kW = 328, kH = 200, kPitch = 352;

// A different NV12 picture each time: gradients with the picture's number mixed in.
std::vector<uint8_t> picture(uint32_t n) {
  std::vector<uint8_t> nv12(size_t{kPitch} * kH * 3 / 2, 0xEE);  // padding bytes that must not show
  for (uint32_t y = 0; y < kH; ++y)
    for (uint32_t x = 0; x < kW; ++x)
      nv12[size_t{y} * kPitch + x] = static_cast<uint8_t>(x + 3 * y + 17 * n);
  for (uint32_t y = 0; y < kH / 2; ++y)
    for (uint32_t x = 0; x < kW / 2; ++x) {
      nv12[size_t{kPitch} * kH + size_t{y} * kPitch + 2 * x] = static_cast<uint8_t>(5 * x + n);
      nv12[size_t{kPitch} * kH + size_t{y} * kPitch + 2 * x + 1] = static_cast<uint8_t>(7 * y + 2 * n);
    }
  return nv12;
}

ZcH264Sequence nvenc_sequence() {
  ZcH264Sequence seq{};  // BT.709 primaries, sRGB curve, matrix 1, full
  seq.width = kW;
  seq.height = kH;
  seq.signal_type_present = 1;
  seq.video_format = 5;
  seq.full_range = 1;
  seq.colour_description_present = 1;
  seq.primaries = 1;
  seq.transfer = 13;
  seq.matrix = 1;
  seq.chroma_loc_present = 1;
  return seq;
}

// The stand-in NVENC's five pictures: IDR, two more, IDR, one more.
constexpr uint32_t kNvencPictures = 5;
std::vector<std::vector<uint8_t>> nvenc_pictures() {
  const ZcH264Sequence seq = nvenc_sequence();
  std::vector<std::vector<uint8_t>> out;
  for (uint32_t n = 0; n < kNvencPictures; ++n) {
    const bool idr = n == 0 || n == 3;
    ZcBytes au{};
    if (idr) zc_h264_parameter_sets(&au, &seq);
    const auto nv12 = picture(n);
    zc_h264_pcm_picture(&au, &seq, nv12.data(), kPitch, idr ? 1 : 0, n, n < 3 ? n : n - 3);
    out.emplace_back(au.data, au.data + au.size);
    zc_bytes_free(&au);
  }
  return out;
}

std::vector<uint8_t> nvenc_stream() {
  std::vector<uint8_t> stream;
  for (const auto& au : nvenc_pictures())
    stream.insert(stream.end(), au.begin(), au.end());
  return stream;
}

// A picture of any size for the new cases: gradients, and whole macroblocks of zeros so that the
// samples themselves need emulation prevention bytes. NV12 with padding that must not show.
struct Nv12 {
  uint32_t width, height, pitch;
  std::vector<uint8_t> bytes;
  ZcNv12 view() const { return {bytes.data(), pitch, bytes.data() + size_t{pitch} * height, pitch}; }
  uint8_t luma(uint32_t x, uint32_t y) const { return bytes[size_t{y} * pitch + x]; }
  uint8_t chroma(uint32_t x, uint32_t y, int c) const {
    return bytes[size_t{pitch} * height + size_t{y} * pitch + 2 * x + c];
  }
};

Nv12 make_nv12(uint32_t width, uint32_t height, uint32_t n) {
  Nv12 p{width, height, (width + 63) / 64 * 64 + 32, {}};
  p.bytes.assign(size_t{p.pitch} * height * 3 / 2, 0xEE);
  auto blank = [&](uint32_t x, uint32_t y) { return (x / 16 + y / 16 + n) % 5 == 0; };
  for (uint32_t y = 0; y < height; ++y)
    for (uint32_t x = 0; x < width; ++x)
      p.bytes[size_t{y} * p.pitch + x] = blank(x, y) ? 0 : static_cast<uint8_t>(x * 7 + 3 * y + 29 * n);
  for (uint32_t y = 0; y < height / 2; ++y)
    for (uint32_t x = 0; x < width / 2; ++x)
      for (int c = 0; c < 2; ++c)
        p.bytes[size_t{p.pitch} * height + size_t{y} * p.pitch + 2 * x + c] =
            blank(2 * x, 2 * y) ? 0 : static_cast<uint8_t>(c ? 7 * y + 2 * n : 5 * x + 3 * n + 1);
  return p;
}

// One picture of a test stream; frame_num, POC and idr_pic_id are counted by encode().
struct Pic {
  bool idr = false;
  bool p = false;  // P slices, else I
  int ref_idc = 2;
  int qp_delta = 0;
  int cabac_init_idc = 0;
  int deblocking = 1;  // disable_deblocking_filter_idc
  bool override_refs = false;
  std::vector<uint32_t> slices = {0};  // first_mb of each
  bool packed = false;                 // the headers through an application's packed NAL
  int idr_pic_id = -1;                 // -1: the IDR's count
};

struct Encoded {
  std::vector<std::vector<uint8_t>> packets;  // one access unit each
  std::vector<Nv12> pictures;
  int packed_escapes = 0;  // prevention bytes in the packed headers
  int packed_unaligned = 0;
};

// What an application's packed slice header holds: a start code (4, 3 or no bytes), the NAL
// header, the header's RBSP with prevention bytes (its partial last byte padded with zeros, and
// escaped like a whole one), `*nal_bits` long.
std::vector<uint8_t> packed_nal(int start_code, int ref_idc, int type, const uint8_t* rbsp, size_t bits,
                                size_t* nal_bits, int* escapes) {
  std::vector<uint8_t> nal(static_cast<size_t>(start_code), 0);
  if (start_code) nal.back() = 1;
  nal.push_back(static_cast<uint8_t>(ref_idc << 5 | type));
  int zeros = 0;
  for (size_t i = 0; i < (bits + 7) / 8; ++i) {
    if (zeros == 2 && rbsp[i] <= 3) {
      nal.push_back(3);
      ++*escapes;
      zeros = 0;
    }
    nal.push_back(rbsp[i]);
    zeros = rbsp[i] == 0 ? zeros + 1 : 0;
  }
  *nal_bits = nal.size() * 8 - (8 - bits % 8) % 8;
  return nal;
}

Encoded encode(const ZcH264Sequence& seq, const std::vector<Pic>& pics) {
  Encoded e;
  unsigned frame_num = 0, since_idr = 0, idrs = 0;
  for (size_t n = 0; n < pics.size(); ++n) {
    const Pic& pic = pics[n];
    if (pic.idr) frame_num = since_idr = 0;
    e.pictures.push_back(make_nv12(seq.width, seq.height, static_cast<uint32_t>(n)));
    const ZcNv12 view = e.pictures.back().view();
    ZcBytes au{};
    if (pic.idr) zc_h264_parameter_sets(&au, &seq);
    for (size_t s = 0; s < pic.slices.size(); ++s) {
      ZcH264SliceHeader h{};
      h.nal_ref_idc = pic.idr ? 3 : pic.ref_idc;
      h.idr = pic.idr;
      h.first_mb = pic.slices[s];
      h.slice_type = (pic.p ? 0 : 2) + (n % 2 ? 5 : 0);  // both forms of each type
      h.frame_num = frame_num;
      h.idr_pic_id = pic.idr_pic_id >= 0 ? static_cast<unsigned>(pic.idr_pic_id) : idrs;
      h.poc_lsb = 2 * since_idr;
      h.num_ref_idx_override = pic.override_refs;
      h.num_ref_idx_l0 = 1;
      h.cabac_init_idc = pic.cabac_init_idc;
      h.slice_qp_delta = pic.qp_delta;
      h.disable_deblocking_filter_idc = pic.deblocking;
      h.slice_alpha_c0_offset_div2 = pic.deblocking == 1 ? 0 : 6;  // the most filtering there is
      h.slice_beta_offset_div2 = pic.deblocking == 1 ? 0 : 6;
      ZcBits w{};
      zc_h264_slice_header(&w, &seq, &h);
      const uint8_t* header = zc_bits_data(&w);
      size_t header_bits = zc_bits_count(&w);
      int ref_idc = h.nal_ref_idc, type = pic.idr ? 5 : 1;
      ZcBytes rbsp{};
      if (pic.packed) {
        size_t nal_bits = 0;
        static const int kStartCodes[] = {4, 3, 0};
        const auto nal =
            packed_nal(kStartCodes[(n + s) % 3], ref_idc, type, header, header_bits, &nal_bits, &e.packed_escapes);
        e.packed_unaligned += nal_bits % 8 != 0;
        ref_idc = type = -1;
        size_t rbsp_bits = 0;
        REQUIRE(zc_h264_unpack_nal(nal.data(), nal_bits, &ref_idc, &type, &rbsp, &rbsp_bits) == 0);
        CHECK(ref_idc == h.nal_ref_idc);
        CHECK(type == (pic.idr ? 5 : 1));
        REQUIRE(rbsp_bits == header_bits);
        CHECK(std::vector<uint8_t>(rbsp.data, rbsp.data + rbsp.size) ==
              std::vector<uint8_t>(header, header + (header_bits + 7) / 8));
        header = rbsp.data;
      }
      ZcH264SliceData d{};
      d.slice_type = h.slice_type;
      d.first_mb = pic.slices[s];
      d.mb_count = s + 1 < pic.slices.size() ? pic.slices[s + 1] - pic.slices[s] : 0;
      d.slice_qp = (seq.pic_init_qp ? seq.pic_init_qp : 26) + pic.qp_delta;
      d.cabac_init_idc = pic.cabac_init_idc;
      zc_h264_slice(&au, &seq, ref_idc, type, header, header_bits, &d, &view);
      zc_bytes_free(&rbsp);
      zc_bits_free(&w);
    }
    e.packets.emplace_back(au.data, au.data + au.size);
    zc_bytes_free(&au);
    if (pic.idr) ++idrs;
    if (pic.idr || pic.ref_idc) ++frame_num;
    ++since_idr;
  }
  return e;
}

// Decodes strictly and compares every visible sample of every picture; returns the decode for
// the callers' own checks.
zc::test::StrictDecode check_exact(const ZcH264Sequence& seq, const std::vector<Pic>& pics) {
  const Encoded e = encode(seq, pics);
  const auto d = zc::test::decode_h264_strict(e.packets);
  for (const auto& error : d.errors)
    FAIL_CHECK("decoder: " << error);
  REQUIRE(d.frames.size() == pics.size());
  for (size_t n = 0; n < pics.size(); ++n) {
    INFO("picture " << n);
    const auto& f = d.frames[n];
    const Nv12& want = e.pictures[n];
    REQUIRE(f.width == static_cast<int>(seq.width));
    REQUIRE(f.height == static_cast<int>(seq.height));
    CHECK((f.format == AV_PIX_FMT_YUV420P || f.format == AV_PIX_FMT_YUVJ420P));
    CHECK(f.decode_error_flags == 0);
    CHECK_FALSE(f.corrupt);
    CHECK(f.key == pics[n].idr);
    CHECK(f.type == (pics[n].p ? 'P' : 'I'));
    size_t wrong = 0;
    for (uint32_t y = 0; y < seq.height; ++y)
      for (uint32_t x = 0; x < seq.width; ++x)
        wrong += f.y[size_t{y} * seq.width + x] != want.luma(x, y);
    const uint32_t cw = seq.width / 2, ch = seq.height / 2;
    for (uint32_t y = 0; y < ch; ++y)
      for (uint32_t x = 0; x < cw; ++x) {
        wrong += f.u[size_t{y} * ((seq.width + 1) / 2) + x] != want.chroma(x, y, 0);
        wrong += f.v[size_t{y} * ((seq.width + 1) / 2) + x] != want.chroma(x, y, 1);
      }
    CHECK(wrong == 0);
  }
  return d;
}

ZcH264Sequence sequence(uint32_t width, uint32_t height, bool cabac) {
  ZcH264Sequence seq{};
  seq.width = width;
  seq.height = height;
  seq.entropy_cabac = cabac;
  if (cabac) {
    seq.profile_idc = 77;  // Main: CABAC's first
    seq.deblocking_filter_control_present = 1;
  }
  seq.poc_type = 0;
  seq.log2_max_poc_lsb = 5;  // the lsb wraps every 16 pictures
  seq.max_num_ref_frames = 1;
  return seq;
}

// IDR, P pictures past frame_num's wrap (mod 16), a non-reference one, a second IDR, one more P.
std::vector<Pic> idr_and_p(int cabac_init_idcs) {
  std::vector<Pic> pics(22);
  for (size_t n = 0; n < pics.size(); ++n) {
    pics[n].idr = n == 0 || n == 20;
    pics[n].p = !pics[n].idr;
    pics[n].cabac_init_idc = static_cast<int>(n) % cabac_init_idcs;
  }
  pics[19].ref_idc = 0;
  pics[3].override_refs = true;
  pics[5].deblocking = 0;  // I_PCM's QP is 0: nothing to filter even at the largest offsets
  pics[6].deblocking = 2;
  return pics;
}

}  // namespace

TEST_CASE("the stand-in NVENC's H.264 decodes to exactly its input, with the colour its VUI was given",
          "[gpu-standin]") {
  const auto stream = nvenc_stream();
  const std::string path = zc::test::make_temp_dir("zc-fake-h264") + "/pcm.h264";
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(stream.data()), static_cast<std::streamsize>(stream.size()));

  uint32_t index = 0, wrong = 0;
  const auto d = zc::test::decode_file(path, [&](const AVFrame& f) {
    REQUIRE((f.format == AV_PIX_FMT_YUV420P || f.format == AV_PIX_FMT_YUVJ420P));  // J: full range
    REQUIRE(f.width == static_cast<int>(kW));
    REQUIRE(f.height == static_cast<int>(kH));
    const auto want = picture(index++);
    for (uint32_t y = 0; y < kH; ++y)
      for (uint32_t x = 0; x < kW; ++x)
        wrong += f.data[0][y * f.linesize[0] + x] != want[size_t{y} * kPitch + x];
    for (uint32_t y = 0; y < kH / 2; ++y)
      for (uint32_t x = 0; x < kW / 2; ++x) {
        const size_t c = size_t{kPitch} * kH + size_t{y} * kPitch + 2 * x;
        wrong += f.data[1][y * f.linesize[1] + x] != want[c];
        wrong += f.data[2][y * f.linesize[2] + x] != want[c + 1];
      }
    CHECK(f.color_primaries == AVCOL_PRI_BT709);
    CHECK(f.color_trc == AVCOL_TRC_IEC61966_2_1);
    CHECK(f.colorspace == AVCOL_SPC_BT709);
    CHECK(f.color_range == AVCOL_RANGE_JPEG);
    CHECK(f.chroma_location == AVCHROMA_LOC_LEFT);
  });
  INFO(d.error);
  REQUIRE(d.ok);
  CHECK(d.decode_errors == 0);
  CHECK(index == kNvencPictures);
  CHECK(wrong == 0);
  REQUIRE(d.frames.size() == kNvencPictures);
  for (uint32_t n = 0; n < kNvencPictures; ++n)
    CHECK(d.frames[n].keyframe == (n == 0 || n == 3));
}

TEST_CASE("the stand-in NVENC's stream is byte for byte what the writer gave before CABAC and P slices",
          "[gpu-standin]") {
  const auto stream = nvenc_stream();
  uint64_t hash = 0xcbf29ce484222325u;  // FNV-1a
  for (const uint8_t b : stream)
    hash = (hash ^ b) * 0x100000001b3u;
  CHECK(stream.size() == 527206);
  CHECK(hash == 0x4db1a4578286bb67u);
  const auto d = zc::test::decode_h264_strict(nvenc_pictures());
  for (const auto& error : d.errors)
    FAIL_CHECK("decoder: " << error);
  CHECK(d.frames.size() == kNvencPictures);
}

TEST_CASE("the bit writer writes Exp-Golomb codes and partial bytes as H.264 reads them", "[h264-writer]") {
  ZcBits w{};
  zc_bits_ue(&w, 0);         // 1
  zc_bits_ue(&w, 1);         // 010
  zc_bits_ue(&w, 7);         // 0001000
  zc_bits_se(&w, 1);         // 010
  zc_bits_se(&w, -1);        // 011
  zc_bits_se(&w, -2);        // 00101
  zc_bits_put(&w, 5, 0x13);  // 10011
  CHECK(zc_bits_count(&w) == 27);
  const uint8_t* data = zc_bits_data(&w);  // 1010 0001 0000 1001 1001 0110 011
  CHECK(data[0] == 0xA1);
  CHECK(data[1] == 0x09);
  CHECK(data[2] == 0x96);
  CHECK(data[3] == 0x60);  // the unused bits 0
  zc_bits_put(&w, 32, 0xDEADBEEF);
  zc_bits_ue(&w, 0xFFFFFFFFu);  // 32 zeros, a 1, 32 zeros
  CHECK(zc_bits_count(&w) == 27 + 32 + 65);
  zc_bits_free(&w);
  CHECK(zc_bits_count(&w) == 0);

  ZcBytes b{};
  zc_bytes_append(&b, "ab", 2);
  zc_bytes_append(&b, "", 0);
  zc_bytes_append(&b, "cde", 3);
  CHECK(std::string(reinterpret_cast<const char*>(b.data), b.size) == "abcde");
  zc_bytes_free(&b);
}

TEST_CASE("CAVLC I pictures decode to exactly their samples", "[h264-writer]") {
  std::vector<Pic> pics(6);
  pics[0].idr = pics[4].idr = true;
  pics[2].ref_idc = 0;
  check_exact(sequence(kW, kH, false), pics);
}

TEST_CASE("CAVLC IDR and P pictures decode exactly, POC type 0 and frame_num wrapping", "[h264-writer]") {
  check_exact(sequence(kW, kH, false), idr_and_p(1));
}

TEST_CASE("CABAC I pictures decode to exactly their samples", "[h264-writer]") {
  std::vector<Pic> pics(6);
  pics[0].idr = pics[4].idr = true;
  pics[2].ref_idc = 0;
  const auto d = check_exact(sequence(kW, kH, true), pics);
  CHECK(d.profile == 77);
}

TEST_CASE("CABAC IDR and P pictures decode exactly, with each cabac_init_idc", "[h264-writer]") {
  check_exact(sequence(kW, kH, true), idr_and_p(3));
}

TEST_CASE("CABAC under the High profile with the 8x8 transform decodes exactly", "[h264-writer]") {
  ZcH264Sequence seq = sequence(kW, kH, true);
  seq.profile_idc = 100;
  seq.level_idc = 40;
  seq.transform_8x8_mode = 1;
  seq.chroma_qp_index_offset = -2;
  seq.log2_max_frame_num = 8;
  seq.log2_max_poc_lsb = 9;
  seq.max_num_ref_frames = 2;
  seq.num_ref_idx_l0_default = 1;
  seq.sps_id = 3;
  seq.pps_id = 7;
  const auto d = check_exact(seq, idr_and_p(3));
  CHECK(d.profile == 100);
  CHECK(d.level == 40);
}

TEST_CASE("CABAC slices at QP 0, 26 and 51 decode exactly", "[h264-writer]") {
  struct Qp {
    int init, delta;
  };
  for (const Qp qp : {Qp{26, -26}, Qp{26, 0}, Qp{26, 25}, Qp{51, 0}, Qp{1, -1}, Qp{40, 11}}) {
    INFO("pic_init_qp " << qp.init << " slice_qp_delta " << qp.delta);
    ZcH264Sequence seq = sequence(64, 48, true);
    seq.pic_init_qp = qp.init;
    std::vector<Pic> pics = idr_and_p(3);
    pics.resize(8);
    for (auto& pic : pics)
      pic.qp_delta = qp.delta;
    check_exact(seq, pics);
  }
}

TEST_CASE("pictures in several slices decode exactly, a slice starting mid-row", "[h264-writer]") {
  for (const bool cabac : {false, true}) {
    INFO((cabac ? "CABAC" : "CAVLC"));
    const ZcH264Sequence seq = sequence(kW, kH, cabac);  // 21 x 13 macroblocks
    std::vector<Pic> pics = idr_and_p(3);
    pics.resize(6);
    for (auto& pic : pics)
      pic.slices = {0, 21 + 5, 3 * 21 + 20};  // mid-row: the first row's above, and its first left, elsewhere
    pics[4].slices = {0, 1};                  // a slice of one macroblock, then the rest
    check_exact(seq, pics);
  }
}

TEST_CASE("a size that is not whole macroblocks, and one macroblock, decode exactly", "[h264-writer]") {
  struct Size {
    uint32_t w, h;
  };
  for (const bool cabac : {false, true})
    for (const Size size : {Size{328, 200}, Size{16, 16}, Size{18, 34}}) {
      INFO((cabac ? "CABAC " : "CAVLC ") << size.w << "x" << size.h);
      std::vector<Pic> pics = idr_and_p(3);
      pics.resize(4);
      check_exact(sequence(size.w, size.h, cabac), pics);
    }
}

TEST_CASE("slice headers from an application's packed NAL, escaped and unaligned, give exact pictures",
          "[h264-writer]") {
  for (const bool cabac : {false, true}) {
    INFO((cabac ? "CABAC" : "CAVLC"));
    ZcH264Sequence seq = sequence(kW, kH, cabac);
    seq.log2_max_frame_num = 16;  // long runs of zero bits: frame_num and POC lsb near 0
    seq.log2_max_poc_lsb = 16;
    std::vector<Pic> pics = idr_and_p(3);
    pics.resize(5);
    pics[3].ref_idc = 0;
    for (auto& pic : pics) {
      pic.packed = true;
      pic.slices = {0, 100};
    }
    pics[0].idr_pic_id = 8191;  // frame_num's 16 zero bits, then this code's 13: 00 00 03 00
    const Encoded e = encode(seq, pics);
    CHECK(e.packed_escapes > 0);
    CHECK(e.packed_unaligned > 0);
    check_exact(seq, pics);
  }
}

TEST_CASE("zc_h264_unpack_nal takes off start codes and prevention bytes, also by a partial last byte",
          "[h264-writer]") {
  struct Case {
    std::vector<uint8_t> nal;
    size_t bits;
    int ref_idc, type;
    std::vector<uint8_t> rbsp;
    size_t rbsp_bits;
  };
  const Case cases[] = {
      {{0x65, 0x88, 0x00, 0x00, 0x03, 0x01}, 48, 3, 5, {0x88, 0x00, 0x00, 0x01}, 32},
      {{0, 0, 0, 1, 0x41, 0x9A, 0x00, 0x00, 0x03, 0x00, 0x80}, 81, 2, 1, {0x9A, 0x00, 0x00, 0x00, 0x80}, 33},
      {{0, 0, 1, 0x21, 0xE0}, 35, 1, 1, {0xE0}, 3},
      // the prevention byte right before the partial last byte (01, 2 bits used)
      {{0x41, 0xAB, 0x00, 0x00, 0x03, 0x40}, 42, 2, 1, {0xAB, 0x00, 0x00, 0x40}, 26},
      // a partial last byte that reads 03 is data: its 6 bits are zeros, its unused bits not
      {{0x41, 0x00, 0x00, 0x03}, 30, 2, 1, {0x00, 0x00, 0x00}, 22},
      // 00 00 03 03: the first is a prevention byte, the second data
      {{0x01, 0x00, 0x00, 0x03, 0x03, 0xC0}, 42, 0, 1, {0x00, 0x00, 0x03, 0xC0}, 26},
      // a prevention byte at the very end
      {{0x06, 0x00, 0x00, 0x03}, 32, 0, 6, {0x00, 0x00}, 16},
  };
  for (const Case& c : cases) {
    INFO("case of " << c.bits << " bits");
    int ref_idc = -1, type = -1;
    ZcBytes rbsp{};
    zc_bytes_append(&rbsp, "stale", 5);
    size_t rbsp_bits = 0;
    REQUIRE(zc_h264_unpack_nal(c.nal.data(), c.bits, &ref_idc, &type, &rbsp, &rbsp_bits) == 0);
    CHECK(ref_idc == c.ref_idc);
    CHECK(type == c.type);
    CHECK(std::vector<uint8_t>(rbsp.data, rbsp.data + rbsp.size) == c.rbsp);
    CHECK(rbsp_bits == c.rbsp_bits);
    zc_bytes_free(&rbsp);
  }
  const uint8_t forbidden[] = {0x85, 0x00}, start_only[] = {0, 0, 0, 1};
  int ref_idc = 0, type = 0;
  ZcBytes rbsp{};
  size_t rbsp_bits = 0;
  CHECK(zc_h264_unpack_nal(forbidden, 16, &ref_idc, &type, &rbsp, &rbsp_bits) == -1);
  CHECK(zc_h264_unpack_nal(start_only, 32, &ref_idc, &type, &rbsp, &rbsp_bits) == -1);
  CHECK(zc_h264_unpack_nal(start_only, 0, &ref_idc, &type, &rbsp, &rbsp_bits) == -1);
  zc_bytes_free(&rbsp);
}
