#include <catch2/catch.hpp>

#include "core/pool.hpp"

namespace {
struct Buffer : zc::Pooled<Buffer> {
  explicit Buffer(int* live) : live(live) { ++*live; }
  ~Buffer() override { --*live; }
  int* live;
};
}  // namespace

TEST_CASE("a released lease is reused, not re-created", "[pool]") {
  int live = 0;
  zc::Pool<Buffer> pool([&] { return std::make_unique<Buffer>(&live); });
  for (int i = 0; i < 100; ++i) {
    auto a = pool.acquire();
    auto b = pool.acquire();
    REQUIRE(a);
    REQUIRE(b);
    CHECK(a.get() != b.get());
  }
  const auto c = pool.counters();
  CHECK(c.created == 2);
  CHECK(c.acquired == 200);
  CHECK(c.reused == 198);
  CHECK(c.outstanding == 0);
  CHECK(live == 2);
}

TEST_CASE("a lease travels type-erased as Storage and still returns home", "[pool]") {
  int live = 0;
  zc::Pool<Buffer> pool([&] { return std::make_unique<Buffer>(&live); });
  {
    zc::Storage s = pool.acquire();
    CHECK(pool.counters().outstanding == 1);
  }
  CHECK(pool.counters().outstanding == 0);
  auto again = pool.acquire();
  CHECK(pool.counters().created == 1);
}

TEST_CASE("a lease that outlives its pool destroys its resource", "[pool]") {
  int live = 0;
  zc::Lease<Buffer> kept;
  {
    zc::Pool<Buffer> pool([&] { return std::make_unique<Buffer>(&live); });
    kept = pool.acquire();
    auto other = pool.acquire();
  }
  CHECK(live == 1);  // the free one died with the pool
  kept.reset();
  CHECK(live == 0);
}

TEST_CASE("a failing factory gives an empty lease", "[pool]") {
  zc::Pool<Buffer> pool([] { return std::unique_ptr<Buffer>(); });
  auto l = pool.acquire();
  CHECK_FALSE(l);
  CHECK(pool.counters().outstanding == 0);
}
