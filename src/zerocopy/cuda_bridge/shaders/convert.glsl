// zerocast's colour pass, shared by the GL (GLSL ES 3.10) and Vulkan (GLSL 4.50) backends: one
// invocation writes one 4-byte word of the output (see layout.hpp for the word grid).
//
// The backend defines, before this file:
//   uvec3 zc_source_rgb(ivec2 p)  8-bit R, G, B of output pixel p (crop, scale and cursor applied)
//   ZC_LAYOUT     int: 0 packed RGB, 1 NV12, 2 I420
//   ZC_PLANES     int: number of planes
//   ZC_REGION(i)  ivec4: plane i's rectangle (x, y, w, h) in the word grid
//   ZC_OUT_SIZE   ivec2: output size in pixels
//   ZC_OUT_ORDER  ivec4: for each byte of a packed output pixel, its channel (0 R, 1 G, 2 B, 3 X = 255)
//   ZC_YUV(i)     ivec4: i = 0 luma, 1 Cb, 2 Cr: the R, G, B factors and the offset (w) of
//                 core/colour.hpp's 8-bit YuvFactors for the target's matrix and range
//
// YUV is computed as the CPU path's rows (zerocopy/cpu/rgb8_avx2.cpp) do, which are libyuv's
// ARGBToI420 at BT.601 limited range: Y = (yr R + yg G + yb B + (y_offset << 8) + 128) >> 8; chroma
// from the 2x2 block averaged with rounding, the two rows first, then the two columns;
// Cb = ((ur R + ug G + ub B) >> 8) + c_offset (an arithmetic shift), Cr likewise.

int zc_dot(ivec4 f, uvec3 c) { return f.x * int(c.r) + f.y * int(c.g) + f.z * int(c.b); }
uint zc_luma(uvec3 c) { return uint((zc_dot(ZC_YUV(0), c) + (ZC_YUV(0).w << 8) + 128) >> 8); }
uint zc_cb(uvec3 c) { return uint((zc_dot(ZC_YUV(1), c) >> 8) + ZC_YUV(1).w); }
uint zc_cr(uvec3 c) { return uint((zc_dot(ZC_YUV(2), c) >> 8) + ZC_YUV(2).w); }
uvec3 zc_avg(uvec3 a, uvec3 b) { return (a + b + 1u) >> 1; }

uvec3 zc_block(int cx, int cy) {
  ivec2 p = ivec2(2 * cx, 2 * cy);
  uvec3 a = zc_source_rgb(p);
  uvec3 b = zc_source_rgb(p + ivec2(1, 0));
  uvec3 c = zc_source_rgb(p + ivec2(0, 1));
  uvec3 d = zc_source_rgb(p + ivec2(1, 1));
  return zc_avg(zc_avg(a, c), zc_avg(b, d));
}

uint zc_pack(uvec4 b) { return b.x | (b.y << 8) | (b.z << 16) | (b.w << 24); }

// The four bytes of grid word g, its plane and its word position inside the plane; false when g
// lies in no plane (grid padding).
bool zc_word(ivec2 g, out uvec4 bytes, out int plane, out ivec2 local) {
  bytes = uvec4(0u);
  plane = 0;
  local = ivec2(0);
  for (int i = 0; i < ZC_PLANES; ++i) {
    ivec4 r = ZC_REGION(i);
    ivec2 l = g - r.xy;
    if (l.x < 0 || l.y < 0 || l.x >= r.z || l.y >= r.w) continue;
    plane = i;
    local = l;
    int w = ZC_OUT_SIZE.x;
    if (ZC_LAYOUT == 0) {
      uvec4 ch = uvec4(zc_source_rgb(l), 255u);
      ivec4 o = ZC_OUT_ORDER;
      bytes = uvec4(ch[o.x], ch[o.y], ch[o.z], ch[o.w]);
    } else if (i == 0) {
      for (int k = 0; k < 4; ++k) {
        int x = 4 * l.x + k;
        if (x < w) bytes[k] = zc_luma(zc_source_rgb(ivec2(x, l.y)));
      }
    } else if (ZC_LAYOUT == 1) {
      for (int k = 0; k < 2; ++k) {
        int cx = 2 * l.x + k;
        if (2 * cx < w) {
          uvec3 c = zc_block(cx, l.y);
          bytes[2 * k] = zc_cb(c);
          bytes[2 * k + 1] = zc_cr(c);
        }
      }
    } else {
      for (int k = 0; k < 4; ++k) {
        int cx = 4 * l.x + k;
        if (2 * cx < w) {
          uvec3 c = zc_block(cx, l.y);
          bytes[k] = i == 1 ? zc_cb(c) : zc_cr(c);
        }
      }
    }
    return true;
  }
  return false;
}
