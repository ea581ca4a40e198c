// The test source's sync modes (implicit vgem fences, explicit sync timelines): option names and
// validation, the unsignalled-sync defect, and the Buffers/Meta params explicit sync announces,
// parsed back the way PipeWire's buffer negotiation reads them.
#include <catch2/catch.hpp>

#include <spa/buffer/meta.h>
#include <spa/param/buffers.h>
#include <spa/pod/iter.h>
#include <spa/pod/parser.h>

#include "capture/video/sync_timeline.hpp"
#include "testsrc/options.hpp"
#include "testsrc/params.hpp"

using zc::testsrc::BufferMode;
using zc::testsrc::DmabufAllocator;
using zc::testsrc::SyncMode;

TEST_CASE("sync modes: names both ways, real dmabufs needed, late pixels within a frame and only with a sync") {
  for (const auto m : {SyncMode::None, SyncMode::Implicit, SyncMode::Explicit})
    CHECK(zc::testsrc::sync_mode_from_string(zc::testsrc::to_string(m)) == m);
  CHECK_FALSE(zc::testsrc::sync_mode_from_string("Explicit"));
  CHECK(zc::testsrc::dmabuf_allocator_from_string("udmabuf") == DmabufAllocator::Udmabuf);

  zc::testsrc::Options o;
  o.fps = 30;
  o.mode = BufferMode::DmaBuf;
  o.dmabuf_allocator = DmabufAllocator::Udmabuf;
  o.sync = SyncMode::Explicit;
  o.late_ms = 20;
  CHECK(zc::testsrc::validate(o));
  o.late_ms = 34;  // a frame at 30 fps lasts 33 ms
  CHECK_FALSE(zc::testsrc::validate(o));
  o.late_ms = 0;
  o.dmabuf_allocator = DmabufAllocator::MemFd;  // memfds have no fences and no syncobjs to speak of
  CHECK_FALSE(zc::testsrc::validate(o));
  o.dmabuf_allocator = DmabufAllocator::Gbm;
  o.sync = SyncMode::Implicit;
  CHECK(zc::testsrc::validate(o));
  o.mode = BufferMode::Shm;
  CHECK_FALSE(zc::testsrc::validate(o));
  o.mode = BufferMode::DmaBuf;
  o.sync = SyncMode::None;
  o.late_ms = 5;
  CHECK_FALSE(zc::testsrc::validate(o));
  o.mode = BufferMode::Shm;
  o.dmabuf_allocator = DmabufAllocator::Udmabuf;  // udmabufs only in dmabuf mode
  o.late_ms = 0;
  CHECK_FALSE(zc::testsrc::validate(o));

  auto d = zc::testsrc::parse_defect("unsignalled-sync@20");
  REQUIRE(d);
  CHECK(d->kind == zc::testsrc::DefectKind::UnsignalledSync);
  CHECK(d->applies_to(20));
}

TEST_CASE("explicit sync: a 3-block Buffers param valid only with the SyncTimeline meta comes first") {
  zc::testsrc::PodStorage storage;
  auto b = storage.builder();
  zc::testsrc::BufferOffer offer;
  offer.stride = 1280;
  offer.size = 1280 * 720;
  offer.data_types = (1u << SPA_DATA_MemFd) | (1u << SPA_DATA_DmaBuf);
  offer.sync_timeline = true;
  const auto params = zc::testsrc::build_buffer_params(b, offer);
  REQUIRE(params.size() == 5);  // sync Buffers, plain Buffers, Header, Damage, SyncTimeline
  int32_t blocks = 0;
  REQUIRE(spa_pod_parse_object(params[0], SPA_TYPE_OBJECT_ParamBuffers, nullptr, SPA_PARAM_BUFFERS_blocks,
                               SPA_POD_Int(&blocks)) >= 0);
  CHECK(blocks == 3);  // the image, the acquire syncobj, the release syncobj
  const spa_pod_prop* meta = spa_pod_find_prop(params[0], nullptr, zc::capture::kSpaParamBuffersMetaType);
  REQUIRE(meta);
  CHECK((meta->flags & SPA_POD_PROP_FLAG_MANDATORY) != 0);
  int32_t mask = 0;
  REQUIRE(spa_pod_get_int(&meta->value, &mask) == 0);
  CHECK(mask == (1 << zc::capture::kSpaMetaSyncTimeline));
  // The plain param for a consumer without explicit sync: one block, no metaType.
  REQUIRE(spa_pod_parse_object(params[1], SPA_TYPE_OBJECT_ParamBuffers, nullptr, SPA_PARAM_BUFFERS_blocks,
                               SPA_POD_Int(&blocks)) >= 0);
  CHECK(blocks == 1);
  CHECK(spa_pod_find_prop(params[1], nullptr, zc::capture::kSpaParamBuffersMetaType) == nullptr);
  uint32_t type = 0;
  int32_t size = 0;
  REQUIRE(spa_pod_parse_object(params.back(), SPA_TYPE_OBJECT_ParamMeta, nullptr, SPA_PARAM_META_type,
                               SPA_POD_Id(&type), SPA_PARAM_META_size, SPA_POD_Int(&size)) >= 0);
  CHECK(type == zc::capture::kSpaMetaSyncTimeline);
  CHECK(size == 24);

  offer.sync_timeline = false;
  auto b2 = storage.builder();
  CHECK(zc::testsrc::build_buffer_params(b2, offer).size() == 3);
}
