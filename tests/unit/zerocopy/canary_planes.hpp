#pragma once
// A 4:2:0 destination (NV12, I420, P010 or I010) for a w x h image whose rows are wider than needed
// and whose bytes start as a canary (Y 0xa5, U or UV 0x5a, V 0xc3), so that a write outside the
// image shows up as a difference. Odd w or h get the rounded-up chroma size.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/pixel_format.hpp"
#include "zerocopy/cpu/planar.hpp"

namespace zc::test {

struct CanaryPlanes {
  CanaryPlanes(PixelFormat f, uint32_t w, uint32_t h) : cw((w + 1) / 2), ch((h + 1) / 2) {
    const uint32_t bytes = f == PixelFormat::P010 || f == PixelFormat::I010 ? 2 : 1;
    const bool interleaved = f == PixelFormat::NV12 || f == PixelFormat::P010;
    view.format = f;
    view.width = w + w % 2;
    view.height = h + h % 2;
    view.y_pitch = w * bytes + 36;
    view.u_pitch = (interleaved ? cw * 2 : cw) * bytes + 20;
    view.v_pitch = cw * bytes + 44;
    y.assign(size_t{view.y_pitch} * h, 0xa5);
    u.assign(size_t{view.u_pitch} * ch, 0x5a);
    v.assign(size_t{view.v_pitch} * ch, 0xc3);
    view.y = y.data();
    view.u = u.data();
    view.v = interleaved ? nullptr : v.data();
  }
  uint32_t cw, ch;  // chroma samples a row, chroma rows
  zerocopy::PlanarView view;
  std::vector<uint8_t> y, u, v;
};

}  // namespace zc::test
