// --region: its forms, and the crop it makes of a frame (pixels, or the layout through the
// portal stream's placement), always even and inside the picture.
#include <catch2/catch.hpp>

#include "session/region.hpp"

using namespace zc;
using namespace zc::session;

TEST_CASE("region: the forms it takes and the ones it refuses", "[session][region]") {
  auto r = parse_region("64,32,640x360");
  REQUIRE(r);
  CHECK(r->rect == Rect{64, 32, 640, 360});
  CHECK_FALSE(r->select);
  CHECK_FALSE(r->layout);
  auto slurp = parse_region("10,-20 300x200\n");  // slurp's own form, a monitor left of the origin
  REQUIRE(slurp);
  CHECK(slurp->rect == Rect{10, -20, 300, 200});
  auto select = parse_region("select");
  REQUIRE(select);
  CHECK(select->select);
  CHECK(to_string(*r) == "64,32,640x360");
  for (const char* bad : {"", "64,32,640", "64,32,640x", "a,b,cxd", "64;32;640x360", "0,0,8x8", "0,0,20000x100"}) {
    INFO(bad);
    auto refused = parse_region(bad);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code == Errc::invalid_argument);
    CHECK(refused.error().message.find("region") != std::string::npos);
  }
}

TEST_CASE("region: the crop in a frame's pixels", "[session][region]") {
  const Rect whole{0, 0, 1920, 1080};
  CHECK(region_crop(*parse_region("100,50,640x360"), whole, std::nullopt) == Rect{100, 50, 640, 360});
  // Odd edges become even (start down, size down): 4:2:0 chroma.
  CHECK(region_crop(*parse_region("101,51,641x361"), whole, std::nullopt) == Rect{100, 50, 642, 362});
  // Clamped to the picture.
  CHECK(region_crop(*parse_region("1800,1000,640x360"), whole, std::nullopt) == Rect{1800, 1000, 120, 80});
  CHECK(region_crop(*parse_region("-100,-100,300x300"), whole, std::nullopt) == Rect{0, 0, 200, 200});
  // Outside, or a sliver: none.
  CHECK_FALSE(region_crop(*parse_region("1920,0,100x100"), whole, std::nullopt));
  CHECK_FALSE(region_crop(*parse_region("1910,0,100x100"), whole, std::nullopt));
  // Inside a producer's own crop: relative to what it shows.
  CHECK(region_crop(*parse_region("10,20,100x100"), Rect{200, 100, 800, 600}, std::nullopt) ==
        Rect{210, 120, 100, 100});
}

TEST_CASE("region: a layout region through the stream's placement and scale", "[session][region]") {
  Region r = *parse_region("2100,100,400x300");
  r.layout = true;
  // A 1920x1080 monitor at 1920,0 in the layout, shown at scale 2 (a 3840x2160 picture).
  const StreamPlacement placed{1920, 0, 1920, 1080};
  CHECK(region_crop(r, Rect{0, 0, 3840, 2160}, placed) == Rect{360, 200, 800, 600});
  // At scale 1 the same monitor's picture.
  CHECK(region_crop(r, Rect{0, 0, 1920, 1080}, placed) == Rect{180, 100, 400, 300});
  // On another monitor: misses this one.
  Region left = *parse_region("100,100,400x300");
  left.layout = true;
  CHECK_FALSE(region_crop(left, Rect{0, 0, 1920, 1080}, placed));
  // Without a placement (a node capture): taken as pixels.
  CHECK(region_crop(left, Rect{0, 0, 1920, 1080}, std::nullopt) == Rect{100, 100, 400, 300});
}
