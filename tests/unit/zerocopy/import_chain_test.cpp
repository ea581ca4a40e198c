// ImportChain's bookkeeping with scripted importers: rejections go back to negotiation once per
// (format, modifier) and never disable the importer; other failures do, after kDisableAfter in a
// row; every frame the primary could not take is imported by the CPU path.
#include <catch2/catch.hpp>

#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "zerocopy/import_chain.hpp"

using namespace zc;
using zc::zerocopy::ImportChain;

namespace {

// Imports, or fails with `code` for the modifiers in `refuse`.
class ScriptedImporter : public zerocopy::Importer {
 public:
  ScriptedImporter(std::vector<uint64_t> refuse, Errc code, std::string name = "scripted")
      : refuse_(std::move(refuse)), code_(code), name_(std::move(name)) {}
  std::string_view name() const override { return name_; }
  std::vector<uint64_t> supported_modifiers(PixelFormat) const override { return offered; }
  Result<DeviceFrame> import(const Frame& frame, const zerocopy::ImportTarget&) override {
    for (uint64_t m : refuse_) {
      if (frame.memory == MemoryKind::DmaBuf && frame.modifier == m) return fail(code_, "import", "scripted refusal");
    }
    DeviceFrame d;
    d.sequence = frame.sequence;
    return d;
  }
  Result<DeviceFrame> redraw_cursor(const Cursor&, uint64_t, const zerocopy::ImportTarget&) override {
    ++redraws;
    return DeviceFrame{};
  }
  void forget(uint64_t) override {}
  // A buffer in `in_flight` is still being read until someone waits for it.
  bool reads_done(uint64_t buffer_id, bool wait) override {
    if (in_flight.count(buffer_id) == 0) return true;
    if (!wait) return false;
    in_flight.erase(buffer_id);
    ++waits;
    return true;
  }
  std::set<uint64_t> in_flight;
  int waits = 0;
  int redraws = 0;
  std::vector<uint64_t> offered{1, 2};

 private:
  std::vector<uint64_t> refuse_;
  Errc code_;
  std::string name_;
};

Frame dmabuf(uint64_t modifier, uint64_t sequence) {
  Frame f;
  f.memory = MemoryKind::DmaBuf;
  f.modifier = modifier;
  f.sequence = sequence;
  return f;
}

struct Rejections {
  std::vector<std::pair<PixelFormat, uint64_t>> seen;
  ImportChain::RejectFn fn() {
    return [this](PixelFormat f, uint64_t m) { seen.emplace_back(f, m); };
  }
};

}  // namespace

TEST_CASE("import chain: buffers of a rejected modifier still in flight ask once and keep the importer") {
  ImportChain chain(std::make_unique<ScriptedImporter>(std::vector<uint64_t>{1}, Errc::rejected),
                    std::make_unique<ScriptedImporter>(std::vector<uint64_t>{}, Errc::gpu));
  Rejections r;
  for (uint64_t i = 0; i < 2 * ImportChain::kDisableAfter + 1; ++i) {
    auto d = chain.import(dmabuf(1, i), {}, r.fn());
    REQUIRE(d);
    CHECK(d->sequence == i);  // the CPU path took it: no frame lost
  }
  CHECK(r.seen.size() == 1);
  CHECK(r.seen.front().second == 1);
  CHECK(chain.primary_enabled());
  CHECK(chain.fallbacks() == 2 * ImportChain::kDisableAfter + 1);
  CHECK(chain.modifiers(PixelFormat::BGRx) == std::vector<uint64_t>{1, 2});

  // The next modifier the renegotiation picks goes through the primary.
  REQUIRE(chain.import(dmabuf(2, 100), {}, r.fn()));
  CHECK(chain.fallbacks() == 2 * ImportChain::kDisableAfter + 1);
  CHECK(chain.path() == "scripted");
}

// A CPU importer that offers nothing (shared memory), or `offered` (LINEAR with ZEROCAST_CPU_DMABUF=1).
std::unique_ptr<ScriptedImporter> cpu_offering(std::vector<uint64_t> offered = {}) {
  auto cpu = std::make_unique<ScriptedImporter>(std::vector<uint64_t>{}, Errc::gpu, "cpu");
  cpu->offered = std::move(offered);
  return cpu;
}

TEST_CASE("import chain: repeated failures disable the primary once, towards shared memory") {
  ImportChain chain(std::make_unique<ScriptedImporter>(std::vector<uint64_t>{1, 2}, Errc::gpu), cpu_offering());
  Rejections r;
  for (uint64_t i = 0; i < ImportChain::kDisableAfter - 1; ++i)
    REQUIRE(chain.import(dmabuf(1, i), {}, r.fn()));
  CHECK(chain.primary_enabled());
  CHECK(r.seen.empty());  // a failure is not a rejection: no renegotiation yet
  REQUIRE(chain.import(dmabuf(1, 10), {}, r.fn()));
  CHECK_FALSE(chain.primary_enabled());
  CHECK(r.seen.size() == 1);
  CHECK(chain.modifiers(PixelFormat::BGRx).empty());
  CHECK(chain.path().find("scripted disabled") != std::string::npos);
  // Later dmabufs go straight to the CPU path, without asking again.
  REQUIRE(chain.import(dmabuf(2, 11), {}, r.fn()));
  CHECK(r.seen.size() == 1);
  CHECK(chain.primary_failures() == ImportChain::kDisableAfter);
}

TEST_CASE("import chain: a success resets the run of failures") {
  ImportChain chain(std::make_unique<ScriptedImporter>(std::vector<uint64_t>{1}, Errc::gpu),
                    std::make_unique<ScriptedImporter>(std::vector<uint64_t>{}, Errc::gpu));
  Rejections r;
  for (int round = 0; round < 3; ++round) {
    for (uint64_t i = 0; i < ImportChain::kDisableAfter - 1; ++i)
      REQUIRE(chain.import(dmabuf(1, i), {}, r.fn()));
    REQUIRE(chain.import(dmabuf(2, 50), {}, r.fn()));
  }
  CHECK(chain.primary_enabled());
  CHECK(r.seen.empty());
}

TEST_CASE("import chain: the path names what imported the last frame, and why the CPU") {
  Rejections r;
  SECTION("with a GPU importer") {
    ImportChain chain(std::make_unique<ScriptedImporter>(std::vector<uint64_t>{2}, Errc::gpu, "gpu"),
                      std::make_unique<ScriptedImporter>(std::vector<uint64_t>{}, Errc::gpu, "cpu"));
    // Before any frame it is the GPU importer that will be tried (stop 7 logged "cpu" here).
    CHECK(chain.path() == "gpu (no frame yet)");
    REQUIRE(chain.import(dmabuf(1, 0), {}, r.fn()));
    CHECK(chain.path() == "gpu");
    Frame shm;
    shm.memory = MemoryKind::Cpu;
    REQUIRE(chain.import(shm, {}, r.fn()));
    CHECK(chain.path() == "cpu (the producer sends shared memory)");
    // A format the GPU passes do not take is offered as shared memory only, and said so.
    Frame yuy2 = shm;
    yuy2.format = PixelFormat::YUY2;
    REQUIRE(chain.import(yuy2, {}, r.fn()));
    CHECK(chain.path() == "cpu (format YUY2 is not imported on the GPU)");
    CHECK(chain.modifiers(PixelFormat::YUY2).empty());
    CHECK(chain.modifiers(PixelFormat::xRGB_210LE).empty());
    CHECK(chain.modifiers(PixelFormat::BGRx) == std::vector<uint64_t>{1, 2});
    REQUIRE(chain.import(shm, {}, r.fn()));
    CHECK(chain.path() == "cpu (the producer sends shared memory)");
    REQUIRE(chain.import(dmabuf(2, 1), {}, r.fn()));
    CHECK(chain.path() == "cpu (gpu failed on the last frame)");
    REQUIRE(chain.import(dmabuf(1, 2), {}, r.fn()));
    CHECK(chain.path() == "gpu");
  }
  SECTION("CPU only: the CPU importer's own name, whatever came") {
    ImportChain chain(nullptr, std::make_unique<ScriptedImporter>(std::vector<uint64_t>{}, Errc::gpu, "cpu (no GPU)"));
    CHECK(chain.path() == "cpu (no GPU)");
    REQUIRE(chain.import(dmabuf(1, 0), {}, r.fn()));
    CHECK(chain.path() == "cpu (no GPU)");
  }
}

TEST_CASE("import chain: reads_done asks the primary, disabled or not, and the CPU path") {
  auto primary = std::make_unique<ScriptedImporter>(std::vector<uint64_t>{1, 2}, Errc::gpu);
  auto cpu = std::make_unique<ScriptedImporter>(std::vector<uint64_t>{}, Errc::gpu);
  ScriptedImporter* p = primary.get();
  ScriptedImporter* c = cpu.get();
  ImportChain chain(std::move(primary), std::move(cpu));
  p->in_flight = {7};
  c->in_flight = {8};
  CHECK(chain.reads_done(6, false));
  CHECK_FALSE(chain.reads_done(7, false));
  CHECK_FALSE(chain.reads_done(8, false));
  // Disabled after repeated failures: a read it left in flight before is still waited for.
  Rejections r;
  for (uint64_t i = 0; i < ImportChain::kDisableAfter; ++i)
    REQUIRE(chain.import(dmabuf(1, i), {}, r.fn()));
  REQUIRE_FALSE(chain.primary_enabled());
  CHECK_FALSE(chain.reads_done(7, false));
  CHECK(chain.reads_done(7, true));
  CHECK(p->waits == 1);
  CHECK(chain.reads_done(7, false));
  CHECK(chain.reads_done(8, true));
  CHECK(c->waits == 1);
}

TEST_CASE("import chain: without a primary, or once it is disabled, the CPU importer's modifiers are offered") {
  ImportChain cpu_only(nullptr, cpu_offering({zc::kModifierLinear}));
  CHECK(cpu_only.modifiers(PixelFormat::BGRx) == std::vector<uint64_t>{zc::kModifierLinear});
  ImportChain none(nullptr, cpu_offering());
  CHECK(none.modifiers(PixelFormat::BGRx).empty());

  ImportChain chain(std::make_unique<ScriptedImporter>(std::vector<uint64_t>{1, 2}, Errc::gpu),
                    cpu_offering({zc::kModifierLinear}));
  CHECK(chain.modifiers(PixelFormat::BGRx) == std::vector<uint64_t>{1, 2});
  Rejections r;
  for (uint64_t i = 0; i < ImportChain::kDisableAfter; ++i)
    REQUIRE(chain.import(dmabuf(1, i), {}, r.fn()));
  REQUIRE_FALSE(chain.primary_enabled());
  CHECK(chain.modifiers(PixelFormat::BGRx) == std::vector<uint64_t>{zc::kModifierLinear});
}

TEST_CASE("import chain: a frame whose implicit fence never signalled is dropped, the primary not blamed") {
  ImportChain chain(std::make_unique<ScriptedImporter>(std::vector<uint64_t>{1}, Errc::timeout), cpu_offering());
  Rejections r;
  for (uint64_t i = 0; i < 2 * ImportChain::kDisableAfter; ++i) {
    auto d = chain.import(dmabuf(1, i), {}, r.fn());
    REQUIRE_FALSE(d);
    CHECK(d.error().code == Errc::timeout);  // not imported by the CPU path either: it would read too early
  }
  CHECK(chain.primary_enabled());
  CHECK(chain.fallbacks() == 0);
  CHECK(chain.primary_failures() == 0);
  CHECK(r.seen.empty());
  REQUIRE(chain.import(dmabuf(2, 100), {}, r.fn()));
}

TEST_CASE("import chain: a pointer move goes to the importer that made the last frame") {
  auto primary = std::make_unique<ScriptedImporter>(std::vector<uint64_t>{1}, Errc::rejected, "gpu");
  auto cpu = cpu_offering();
  const ScriptedImporter& p = *primary;
  const ScriptedImporter& c = *cpu;
  ImportChain chain(std::move(primary), std::move(cpu));
  Rejections r;
  const Cursor pointer;
  CHECK_FALSE(chain.redraw_cursor(pointer, 1, {}));  // no frame yet: nothing to draw on
  CHECK(p.redraws + c.redraws == 0);
  REQUIRE(chain.import(dmabuf(1, 1), {}, r.fn()));  // the CPU path took it
  REQUIRE(chain.redraw_cursor(pointer, 1, {}));
  CHECK(c.redraws == 1);
  REQUIRE(chain.import(dmabuf(2, 2), {}, r.fn()));  // the primary took it
  REQUIRE(chain.redraw_cursor(pointer, 1, {}));
  CHECK(p.redraws == 1);
  CHECK(c.redraws == 1);
}
