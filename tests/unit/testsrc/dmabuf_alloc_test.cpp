// DmaBuf mode's allocator: the option's names, and the choice on a machine without a render
// node, made deterministic by pointing the lookup at an empty or missing directory. What GBM
// allocates is tested end to end (and skipped without a render node) in
// tests/integration/test_source/gbm_test.cpp.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "drm/gbm.hpp"
#include "support/process.hpp"
#include "testsrc/dmabuf_backend.hpp"
#include "testsrc/test_source.hpp"

using Catch::Matchers::Contains;
using zc::testsrc::BufferMode;
using zc::testsrc::DmabufAllocator;

namespace {

zc::testsrc::Options dmabuf_options(DmabufAllocator allocator, std::string render_node_dir) {
  zc::testsrc::Options o;
  o.width = 320;
  o.height = 180;
  o.mode = BufferMode::DmaBuf;
  o.dmabuf_allocator = allocator;
  o.render_node_dir = std::move(render_node_dir);
  return o;
}

}  // namespace

TEST_CASE("dmabuf allocator names map both ways, and the gbm allocator needs dmabuf mode") {
  for (const auto a : {DmabufAllocator::Auto, DmabufAllocator::Gbm, DmabufAllocator::MemFd})
    CHECK(zc::testsrc::dmabuf_allocator_from_string(zc::testsrc::to_string(a)) == a);
  CHECK(zc::testsrc::dmabuf_allocator_from_string("auto") == DmabufAllocator::Auto);
  CHECK(zc::testsrc::dmabuf_allocator_from_string("gbm") == DmabufAllocator::Gbm);
  CHECK(zc::testsrc::dmabuf_allocator_from_string("memfd") == DmabufAllocator::MemFd);
  CHECK_FALSE(zc::testsrc::dmabuf_allocator_from_string("GBM"));
  CHECK_FALSE(zc::testsrc::dmabuf_allocator_from_string(""));
  CHECK(zc::testsrc::Options{}.dmabuf_allocator == DmabufAllocator::Auto);

  auto o = dmabuf_options(DmabufAllocator::Gbm, "/dev/dri");
  CHECK(zc::testsrc::validate(o));
  o.mode = BufferMode::Shm;
  const auto r = zc::testsrc::validate(o);
  REQUIRE_FALSE(r);
  CHECK_THAT(r.error().message, Contains("gbm allocator needs dmabuf mode"));
  o.dmabuf_allocator = DmabufAllocator::Auto;  // auto and memfd are fine in any mode
  CHECK(zc::testsrc::validate(o));
}

TEST_CASE("render node lookup: the first renderD* by name, or which one is missing") {
  const std::string dir = zc::test::make_temp_dir("zc-dri");
  auto none = zc::drm::gbm::find_render_node(dir);
  REQUIRE_FALSE(none);
  CHECK(none.error().code == zc::Errc::not_found);
  CHECK(none.error().message == "no DRM render node (" + dir + "/renderD*)");
  CHECK_FALSE(zc::drm::gbm::find_render_node(dir + "/missing"));
  // Plain files stand in for the device nodes: only the lookup is under test, nothing opens them.
  for (const char* name : {"card0", "renderD129", "renderD128"})
    std::ofstream(dir + "/" + name).put('x');
  auto node = zc::drm::gbm::find_render_node(dir);
  REQUIRE(node);
  CHECK(*node == dir + "/renderD128");
  // Where GBM may allocate, in the order tried: render nodes, then card nodes (Mesa's software
  // backend allocates only on those).
  std::ofstream(dir + "/card1").put('x');
  CHECK(zc::drm::gbm::find_drm_nodes(dir) ==
        std::vector<std::string>{dir + "/renderD128", dir + "/renderD129", dir + "/card0", dir + "/card1"});
  CHECK(zc::drm::gbm::find_drm_nodes(dir + "/missing").empty());
  std::filesystem::remove_all(dir);
}

TEST_CASE("auto without a render node: memfds, and the reason") {
  const std::string empty = zc::test::make_temp_dir("zc-dri");
  for (const std::string& dir : {empty, std::string("/nonexistent/zc-dri")}) {
    INFO(dir);
    auto backend = zc::testsrc::open_dmabuf_backend(DmabufAllocator::Auto, dir);
    REQUIRE(backend);
    CHECK_FALSE(backend->gbm);
    CHECK(backend->unavailable == "no DRM node (" + dir + "/renderD*, " + dir + "/card*)");
  }
  // memfd never looks.
  auto memfd = zc::testsrc::open_dmabuf_backend(DmabufAllocator::MemFd, "/nonexistent/zc-dri");
  REQUIRE(memfd);
  CHECK_FALSE(memfd->gbm);
  CHECK(memfd->unavailable.empty());
  std::filesystem::remove_all(empty);
}

TEST_CASE("gbm required without a render node: start() fails naming what is missing") {
  const std::string dir = zc::test::make_temp_dir("zc-dri");
  auto backend = zc::testsrc::open_dmabuf_backend(DmabufAllocator::Gbm, dir);
  REQUIRE_FALSE(backend);
  CHECK(backend.error().message == "dmabuf allocator gbm: no DRM node (" + dir + "/renderD*, " + dir + "/card*)");

  // Before any PipeWire connection, so no daemon is needed to see it.
  zc::testsrc::TestSource source(dmabuf_options(DmabufAllocator::Gbm, "/nonexistent/zc-dri"));
  auto started = source.start();
  REQUIRE_FALSE(started);
  CHECK(started.error().describe() ==
        "test-source: dmabuf allocator gbm: no DRM node (/nonexistent/zc-dri/renderD*, /nonexistent/zc-dri/card*)");
  CHECK(source.stats().queued == 0);
  std::filesystem::remove_all(dir);
}
