// GL backend of convert.glsl: the source is a texture (a dmabuf or test EGLImage bound to
// GL_TEXTURE_2D or GL_TEXTURE_EXTERNAL_OES), the cursor a small RGBA8 texture holding the
// cursor's bytes as they came. ZC_SAMPLER is sampler2D or samplerExternalOES.
uniform highp ZC_SAMPLER u_src;
uniform highp sampler2D u_cursor_tex;
uniform vec2 u_src_size;      // source texture size in pixels
uniform vec4 u_crop;          // visible rectangle of the source: x, y, w, h
uniform ivec2 u_out_size;     // output size in pixels
uniform ivec4 u_src_order;    // texel component holding R, G, B
uniform ivec4 u_cursor;       // cursor bitmap rectangle in source pixels; w = 0: no cursor
uniform ivec4 u_cursor_order; // byte (texel component) of R, G, B, A in the cursor; A < 0: opaque
uniform int u_layout;
uniform int u_planes;
uniform ivec4 u_regions[3];
uniform ivec4 u_out_order;
uniform ivec4 u_yuv[3];       // luma, Cb, Cr factors (R, G, B) and offset (core/colour.hpp's YuvFactors)

#define ZC_LAYOUT u_layout
#define ZC_PLANES u_planes
#define ZC_REGION(i) u_regions[i]
#define ZC_OUT_SIZE u_out_size
#define ZC_OUT_ORDER u_out_order
#define ZC_YUV(i) u_yuv[i]

uvec3 zc_source_rgb(ivec2 p) {
  vec2 sp = u_crop.xy + (vec2(p) + 0.5) * (u_crop.zw / vec2(u_out_size));
  vec4 t = texture(u_src, sp / u_src_size);
  vec3 rgb = vec3(t[u_src_order.x], t[u_src_order.y], t[u_src_order.z]);
  uvec3 c = uvec3(round(clamp(rgb, 0.0, 1.0) * 255.0));
  if (u_cursor.z > 0) {
    ivec2 q = ivec2(floor(sp)) - u_cursor.xy;
    if (q.x >= 0 && q.y >= 0 && q.x < u_cursor.z && q.y < u_cursor.w) {
      uvec4 k = uvec4(round(texelFetch(u_cursor_tex, q, 0) * 255.0));
      uint a = u_cursor_order.w < 0 ? 255u : k[u_cursor_order.w];
      uvec3 kc = uvec3(k[u_cursor_order.x], k[u_cursor_order.y], k[u_cursor_order.z]);
      // Straight (non-premultiplied) alpha, as the CPU path and OBS blend it.
      c = (kc * a + c * (255u - a) + 127u) / 255u;
    }
  }
  return c;
}
