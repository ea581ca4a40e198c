// install_importer: the one function `record` and the daemon use to pick the import path per
// ZEROCAST_ZEROCOPY, with the GPU path's factory replaced by fakes.
#include <catch2/catch.hpp>

#include "fake_importer.hpp"
#include "session/zerocopy_mode.hpp"

using namespace zc;
using namespace zc::session;

namespace {

GpuPathFactory failing(int& calls, Errc code, std::string message) {
  return [&calls, code, message](std::shared_ptr<cuda::CudaContext>) -> Result<zerocopy::cuda_bridge::GpuPath> {
    ++calls;
    return fail(code, "zerocopy:cuda", message);
  };
}

}  // namespace

TEST_CASE("ZEROCAST_ZEROCOPY values parse, and anything else is refused") {
  CHECK(parse_zerocopy_mode("") == ZerocopyMode::Auto);
  CHECK(parse_zerocopy_mode("auto") == ZerocopyMode::Auto);
  CHECK(parse_zerocopy_mode("1") == ZerocopyMode::Required);
  CHECK(parse_zerocopy_mode("0") == ZerocopyMode::Off);
  auto bad = parse_zerocopy_mode("2");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == Errc::invalid_argument);
}

TEST_CASE("=0 never tries the GPU and names the CPU path after the setting") {
  int calls = 0;
  PipelineHooks hooks;
  auto c = install_importer(ZerocopyMode::Off, hooks, failing(calls, Errc::not_found, "x"));
  REQUIRE(c);
  CHECK(calls == 0);
  CHECK_FALSE(c->gpu);
  CHECK_FALSE(hooks.make_importer);
  REQUIRE(hooks.make_cpu_importer);
  CHECK(hooks.make_cpu_importer()->name() == "cpu (ZEROCAST_ZEROCOPY=0)");
}

TEST_CASE("auto without a driver goes the CPU way and says why, =1 fails naming the stage") {
  int calls = 0;
  PipelineHooks hooks;
  auto c = install_importer(ZerocopyMode::Auto, hooks, failing(calls, Errc::not_found, "cannot load libcuda.so.1"));
  REQUIRE(c);
  CHECK(calls == 1);
  CHECK_FALSE(hooks.make_importer);
  CHECK(hooks.make_cpu_importer()->name() == "cpu (no NVIDIA driver or device: cannot load libcuda.so.1)");

  PipelineHooks required;
  auto r = install_importer(ZerocopyMode::Required, required, failing(calls, Errc::unsupported, "no GPU bridge"));
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Errc::gpu);
  CHECK(r.error().message.find("zerocopy:cuda: no GPU bridge") != std::string::npos);
}

TEST_CASE("a GPU path that comes up is installed: the first pipeline gets it, later ones make their own") {
  int made = 0;
  // (Which context later calls get is checked on the GPU machine: a fake path has none.)
  auto factory = [&made](std::shared_ptr<cuda::CudaContext>) -> Result<zerocopy::cuda_bridge::GpuPath> {
    ++made;
    zerocopy::cuda_bridge::GpuPath p;
    auto log = std::make_shared<test::FakeImportLog>();
    p.importer = std::make_unique<zerocopy::cuda_bridge::RoutingImporter>(
        nullptr,
        std::make_unique<test::FakeGpuImporter>(test::FakeGpuImporter::Behaviour{{kModifierLinear}, {}, 0}, log));
    p.description = "fake bridge";
    return p;
  };
  PipelineHooks hooks;
  auto c = install_importer(ZerocopyMode::Required, hooks, factory);
  REQUIRE(c);
  CHECK(c->gpu);
  CHECK(c->description == "zero-copy fake bridge");
  REQUIRE(hooks.make_importer);
  REQUIRE(hooks.catalog);  // NVENC fed from the GPU path's context
  auto first = hooks.make_importer();
  REQUIRE(first);
  CHECK(made == 1);
  CHECK(first->name() == "zero-copy fake-gpu");
  CHECK(first->supported_modifiers(PixelFormat::BGRx) == std::vector<uint64_t>{kModifierLinear});
  auto second = hooks.make_importer();
  REQUIRE(second);
  CHECK(made == 2);
  CHECK(hooks.make_cpu_importer()->name() == "cpu");
}
