#version 450
// Vulkan backend of convert.glsl: reads a LINEAR dmabuf bound as a storage buffer, writes the
// output planes into the exportable buffer that CUDA imported, in the pooled buffer's layout.
#extension GL_GOOGLE_include_directive : require

layout(local_size_x = 16, local_size_y = 16) in;

layout(std430, set = 0, binding = 0) readonly buffer Src { uint src_words[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Dst { uint dst_words[]; };
layout(std430, set = 0, binding = 2) readonly buffer Cur { uint cursor_words[]; };
layout(std140, set = 0, binding = 3) uniform Params {
  ivec4 regions[3];
  ivec4 dst_base;      // word offset of each plane in dst
  ivec4 dst_pitch;     // words per row of each plane
  ivec4 src_info;      // offset (words), pitch (words), width, height
  ivec4 src_order;     // byte of R, G, B within a source word
  vec4 crop;           // visible rectangle of the source: x, y, w, h
  ivec4 out_info;      // output width, height, layout, planes
  ivec4 out_order;
  ivec4 cursor;        // cursor rectangle in source pixels; w = 0: no cursor
  ivec4 cursor_order;  // byte of R, G, B, A in a cursor word; A < 0: opaque
  ivec4 misc;          // cursor pitch (words), scaled (bilinear) flag
  ivec4 yuv[3];        // luma, Cb, Cr: R, G, B factors and offset (core/colour.hpp's YuvFactors)
} P;

#define ZC_LAYOUT P.out_info.z
#define ZC_PLANES P.out_info.w
#define ZC_REGION(i) P.regions[i]
#define ZC_OUT_SIZE P.out_info.xy
#define ZC_OUT_ORDER P.out_order
#define ZC_YUV(i) P.yuv[i]

uvec3 zc_src_px(ivec2 q) {
  q = clamp(q, ivec2(0), P.src_info.zw - 1);
  uint w = src_words[P.src_info.x + q.y * P.src_info.y + q.x];
  return uvec3((w >> (8 * P.src_order.x)) & 255u, (w >> (8 * P.src_order.y)) & 255u, (w >> (8 * P.src_order.z)) & 255u);
}

uvec3 zc_source_rgb(ivec2 p) {
  vec2 sp = P.crop.xy + (vec2(p) + 0.5) * (P.crop.zw / vec2(P.out_info.xy));
  uvec3 c;
  if (P.misc.y == 0) {
    c = zc_src_px(ivec2(floor(sp)));
  } else {
    vec2 f = sp - 0.5;
    ivec2 i = ivec2(floor(f));
    vec2 t = f - vec2(i);
    vec3 a = vec3(zc_src_px(i)), b = vec3(zc_src_px(i + ivec2(1, 0)));
    vec3 d = vec3(zc_src_px(i + ivec2(0, 1))), e = vec3(zc_src_px(i + ivec2(1, 1)));
    c = uvec3(round(mix(mix(a, b, t.x), mix(d, e, t.x), t.y)));
  }
  if (P.cursor.z > 0) {
    ivec2 q = ivec2(floor(sp)) - P.cursor.xy;
    if (q.x >= 0 && q.y >= 0 && q.x < P.cursor.z && q.y < P.cursor.w) {
      uint k = cursor_words[q.y * P.misc.x + q.x];
      uint a = P.cursor_order.w < 0 ? 255u : (k >> (8 * P.cursor_order.w)) & 255u;
      uvec3 kc = uvec3((k >> (8 * P.cursor_order.x)) & 255u, (k >> (8 * P.cursor_order.y)) & 255u,
                       (k >> (8 * P.cursor_order.z)) & 255u);
      c = (kc * a + c * (255u - a) + 127u) / 255u;
    }
  }
  return c;
}

#include "convert.glsl"

void main() {
  ivec2 g = ivec2(gl_GlobalInvocationID.xy);
  uvec4 bytes;
  int plane;
  ivec2 local;
  if (!zc_word(g, bytes, plane, local)) return;
  dst_words[P.dst_base[plane] + local.y * P.dst_pitch[plane] + local.x] = zc_pack(bytes);
}
