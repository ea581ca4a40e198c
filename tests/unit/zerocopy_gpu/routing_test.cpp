// RoutingImporter with fake bridges: which modifiers it offers and where each buffer goes; it and
// DownloadImporter pass reads_done() on to the bridges.
#include <catch2/catch.hpp>

#include <set>

#include "zerocopy/cuda_bridge/download_importer.hpp"
#include "zerocopy/cuda_bridge/gpu_importer.hpp"

using namespace zc;
using namespace zc::zerocopy;
using namespace zc::zerocopy::cuda_bridge;

namespace {

class FakeBridge final : public Importer {
 public:
  FakeBridge(std::string name, std::vector<uint64_t> mods) : name_(std::move(name)), mods_(std::move(mods)) {}
  std::string_view name() const override { return name_; }
  std::vector<uint64_t> supported_modifiers(PixelFormat) const override { return mods_; }
  Result<DeviceFrame> import(const Frame& frame, const ImportTarget&) override {
    imported.push_back(frame.buffer_id);
    DeviceFrame f;
    f.sequence = frame.sequence;
    return f;
  }
  void forget(uint64_t id) override { forgotten.push_back(id); }
  bool reads_done(uint64_t id, bool wait) override {
    if (in_flight.count(id) == 0) return true;
    if (wait) in_flight.erase(id);
    return wait;
  }
  std::vector<uint64_t> imported, forgotten;
  std::set<uint64_t> in_flight;  // buffers whose read is not over until someone waits

 private:
  std::string name_;
  std::vector<uint64_t> mods_;
};

Frame dmabuf(uint64_t id, uint64_t modifier) {
  Frame f;
  f.buffer_id = id;
  f.memory = MemoryKind::DmaBuf;
  f.modifier = modifier;
  return f;
}

}  // namespace

TEST_CASE("LINEAR goes to the Vulkan bridge when it takes it, tiled to EGL") {
  auto egl = std::make_unique<FakeBridge>("egl", std::vector<uint64_t>{0x31, kModifierLinear, 0x32});
  auto vk = std::make_unique<FakeBridge>("vk", std::vector<uint64_t>{kModifierLinear});
  auto* e = egl.get();
  auto* v = vk.get();
  RoutingImporter r(std::move(egl), std::move(vk));
  CHECK(r.name() == "egl+vk");
  CHECK(r.supported_modifiers(PixelFormat::BGRx) == std::vector<uint64_t>{0x31, 0x32, kModifierLinear});
  REQUIRE(r.import(dmabuf(1, 0x31), {}));
  REQUIRE(r.import(dmabuf(2, kModifierLinear), {}));
  CHECK(e->imported == std::vector<uint64_t>{1});
  CHECK(v->imported == std::vector<uint64_t>{2});
  r.forget(2);
  CHECK(e->forgotten == std::vector<uint64_t>{2});
  CHECK(v->forgotten == std::vector<uint64_t>{2});
}

TEST_CASE("without a Vulkan dmabuf import, LINEAR stays with EGL (external sampler) or is not offered") {
  SECTION("Vulkan up but no dmabuf import (as on the H100)") {
    auto egl = std::make_unique<FakeBridge>("egl", std::vector<uint64_t>{0x31, kModifierLinear});
    auto* e = egl.get();
    RoutingImporter r(std::move(egl), std::make_unique<FakeBridge>("vk", std::vector<uint64_t>{}));
    CHECK(r.supported_modifiers(PixelFormat::BGRx) == std::vector<uint64_t>{0x31, kModifierLinear});
    REQUIRE(r.import(dmabuf(3, kModifierLinear), {}));
    CHECK(e->imported == std::vector<uint64_t>{3});
  }
  SECTION("EGL without the external sampler") {
    RoutingImporter r(std::make_unique<FakeBridge>("egl", std::vector<uint64_t>{0x31}), nullptr);
    CHECK(r.supported_modifiers(PixelFormat::BGRx) == std::vector<uint64_t>{0x31});
  }
  SECTION("no bridge at all rejects") {
    RoutingImporter r(nullptr, nullptr);
    CHECK(r.supported_modifiers(PixelFormat::BGRx).empty());
    auto res = r.import(dmabuf(4, 0x31), {});
    REQUIRE_FALSE(res);
    CHECK(res.error().code == Errc::rejected);
  }
}

TEST_CASE("make_gpu_path without NVIDIA says so") {
  GpuImporterOptions o;
  o.cuda_library = "/nonexistent/zerocast-test/libcuda.so.1";
  auto p = make_gpu_path(o);
  REQUIRE_FALSE(p);
  CHECK(p.error().code == Errc::not_found);
}

TEST_CASE("reads_done reaches the bridge through RoutingImporter and DownloadImporter") {
  auto egl = std::make_unique<FakeBridge>("egl", std::vector<uint64_t>{7});
  auto vk = std::make_unique<FakeBridge>("vk", std::vector<uint64_t>{kModifierLinear});
  FakeBridge* e = egl.get();
  FakeBridge* v = vk.get();
  e->in_flight = {1};
  v->in_flight = {2};
  // No CUDA context: host frames would be pageable, and nothing is downloaded here.
  DownloadImporter download(nullptr, std::make_unique<RoutingImporter>(std::move(egl), std::move(vk)));
  CHECK(download.reads_done(3, false));
  CHECK_FALSE(download.reads_done(1, false));
  CHECK_FALSE(download.reads_done(2, false));
  CHECK(download.reads_done(1, true));
  CHECK(e->in_flight.empty());
  CHECK_FALSE(download.reads_done(2, false));  // the other bridge's read is still its own
  CHECK(download.reads_done(2, true));
  CHECK(v->in_flight.empty());
  CHECK(download.reads_done(1, false));
  CHECK(download.reads_done(2, false));
}
