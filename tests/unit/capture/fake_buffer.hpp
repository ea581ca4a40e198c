#pragma once
// A spa_buffer built by hand, as pw_stream would hand it to the process callback.
#include <cstdint>
#include <cstring>
#include <vector>

#include <spa/buffer/buffer.h>
#include <spa/buffer/meta.h>

namespace zc::capture::test {

struct FakeBuffer {
  // Shared memory of `maxsize` bytes, a chunk covering `size` bytes at `offset`.
  FakeBuffer(uint32_t type, uint32_t maxsize, uint32_t offset, uint32_t size, int32_t stride) : memory(maxsize, 0x5a) {
    chunk.offset = offset;
    chunk.size = size;
    chunk.stride = stride;
    chunk.flags = SPA_CHUNK_FLAG_NONE;
    data.type = type;
    data.maxsize = maxsize;
    data.data = type == SPA_DATA_DmaBuf ? nullptr : memory.data();
    data.fd = type == SPA_DATA_DmaBuf ? 42 : -1;
    data.chunk = &chunk;
    buffer.n_datas = 1;
    buffer.datas = &data;
    buffer.n_metas = 0;
    buffer.metas = metas;
  }
  FakeBuffer(const FakeBuffer&) = delete;

  void add_header(uint32_t flags, int64_t pts, uint64_t seq) {
    header.flags = flags;
    header.pts = pts;
    header.seq = seq;
    add_meta(SPA_META_Header, &header, sizeof header);
  }
  void add_meta(uint32_t type, void* mem, uint32_t size) { metas[buffer.n_metas++] = spa_meta{type, size, mem}; }

  std::vector<uint8_t> memory;
  spa_chunk chunk{};
  spa_data data{};
  spa_meta_header header{};
  spa_meta metas[8]{};
  spa_buffer buffer{};
};

}  // namespace zc::capture::test
