#include <catch2/catch.hpp>

#include <cstring>
#include <string>

extern "C" {
#include <libavutil/mastering_display_metadata.h>
}

#include "encode/hdr_metadata.hpp"

using namespace zc::encode;

namespace {

constexpr const char* kP3 = "G(13250,34500)B(7500,3000)R(34000,16000)WP(15635,16450)L(10000000,1)";

std::string why(const zc::Result<MasteringDisplay>& r) {
  return r ? std::string("parsed") : r.error().message;
}

}  // namespace

TEST_CASE("mastering display: x265's form parses into chromaticities and cd/m², and is written back the same",
          "[encode][hdr]") {
  const auto d = parse_mastering_display(kP3);
  REQUIRE(d);
  CHECK(d->green.x == Approx(0.265));
  CHECK(d->green.y == Approx(0.69));
  CHECK(d->blue.x == Approx(0.15));
  CHECK(d->red.y == Approx(0.32));
  CHECK(d->white.x == Approx(0.3127));
  CHECK(d->max_luminance == Approx(1000));
  CHECK(d->min_luminance == Approx(0.0001));
  CHECK(x265_master_display(*d) == kP3);
  CHECK(svtav1_mastering_display(*d) ==
        "G(0.26500,0.69000)B(0.15000,0.06000)R(0.68000,0.32000)WP(0.31270,0.32900)L(1000.0000,0.0001)");
}

TEST_CASE("mastering display: a named gamut with its light in cd/m² is the same display", "[encode][hdr]") {
  const auto named = parse_mastering_display("p3-d65,1000,0.0001");
  REQUIRE(named);
  CHECK(x265_master_display(*named) == kP3);
  const auto bt2020 = parse_mastering_display("bt2020,4000,0.005");
  REQUIRE(bt2020);
  CHECK(x265_master_display(*bt2020) == "G(8500,39850)B(6550,2300)R(35400,14600)WP(15635,16450)L(40000000,50)");
}

TEST_CASE("mastering display and content light: bad text is refused, saying what the form is", "[encode][hdr]") {
  CHECK_THAT(why(parse_mastering_display("")), Catch::Contains("PRIMARIES,MAX,MIN"));
  CHECK_THAT(why(parse_mastering_display("G(13250,34500)B(7500,3000)R(34000,16000)WP(15635,16450)")),
             Catch::Contains("must end with L(max,min)"));
  CHECK_THAT(why(parse_mastering_display("G(13250,34500)B(7500,3000)R(34000,16000)WP(15635,16450)L(1,10)")),
             Catch::Contains("below the most"));
  CHECK_THAT(why(parse_mastering_display("G(60000,34500)B(7500,3000)R(34000,16000)WP(15635,16450)L(10,1)")),
             Catch::Contains("G(x,y) must be two whole numbers"));
  CHECK_THAT(why(parse_mastering_display("G(1,2)R(7500,3000)B(34000,16000)WP(15635,16450)L(10,1)")),
             Catch::Contains("B(x,y)"));
  CHECK_THAT(why(parse_mastering_display(std::string(kP3) + "x")), Catch::Contains("must end with L"));
  CHECK_THAT(why(parse_mastering_display("dci,1000,0.01")), Catch::Contains("bt2020, p3-d65 or bt709"));
  CHECK_THAT(why(parse_mastering_display("bt2020,20000,0.01")), Catch::Contains("up to 10000"));
  CHECK_THAT(why(parse_mastering_display("bt2020,1000")), Catch::Contains("neither"));
  CHECK(parse_content_light("1000,400").value() == ContentLight{1000, 400});
  CHECK_FALSE(parse_content_light("400,1000"));
  CHECK_FALSE(parse_content_light("1000"));
  CHECK_FALSE(parse_content_light("70000,400"));
  CHECK_FALSE(parse_content_light("1000,400,1"));
  CHECK(to_string(ContentLight{1000, 400}) == "1000,400");
}

TEST_CASE("HDR metadata becomes FFmpeg's stream side data, in its own units", "[encode][hdr]") {
  CHECK(stream_side_data(HdrMetadata{}).empty());
  const HdrMetadata hdr{parse_mastering_display(kP3).value(), ContentLight{1000, 400}};
  const auto side = stream_side_data(hdr);
  REQUIRE(side.size() == 2);
  REQUIRE(side[0].type == AV_PKT_DATA_MASTERING_DISPLAY_METADATA);
  REQUIRE(side[0].bytes.size() == sizeof(AVMasteringDisplayMetadata));
  AVMasteringDisplayMetadata m{};
  std::memcpy(&m, side[0].bytes.data(), sizeof m);
  CHECK(m.has_primaries == 1);
  CHECK(m.has_luminance == 1);
  CHECK(m.display_primaries[0][0].num == 34000);  // red x, in 1/50000
  CHECK(m.display_primaries[0][0].den == 50000);
  CHECK(m.display_primaries[1][1].num == 34500);  // green y
  CHECK(m.white_point[1].num == 16450);
  CHECK(av_q2d(m.max_luminance) == Approx(1000));
  CHECK(av_q2d(m.min_luminance) == Approx(0.0001));
  REQUIRE(side[1].type == AV_PKT_DATA_CONTENT_LIGHT_LEVEL);
  AVContentLightMetadata l{};
  REQUIRE(side[1].bytes.size() == sizeof l);
  std::memcpy(&l, side[1].bytes.data(), sizeof l);
  CHECK(l.MaxCLL == 1000);
  CHECK(l.MaxFALL == 400);
}
