#include "zerocopy/cuda_bridge/gl/gl_pass.hpp"

#include <algorithm>
#include <cstring>
#include <iterator>

#include <fmt/format.h>

#include "zerocopy/cuda_bridge/shaders/gl_shaders.hpp"

#ifndef GL_TIME_ELAPSED_EXT
#define GL_TIME_ELAPSED_EXT 0x88BF
#endif
#ifndef GL_GPU_DISJOINT_EXT
#define GL_GPU_DISJOINT_EXT 0x8FBB
#endif

namespace zc::zerocopy::cuda_bridge {
namespace {

constexpr int kGroup = 16;  // local size of the compute shader, both axes

std::string header(bool external) {
  std::string h = "#version 310 es\n";
  if (external) h += "#extension GL_OES_EGL_image_external_essl3 : require\n";
  h += "precision highp float;\nprecision highp int;\nprecision highp sampler2D;\n";
  h += external ? "#define ZC_SAMPLER samplerExternalOES\n" : "#define ZC_SAMPLER sampler2D\n";
  return h;
}

constexpr const char* kComputeMain = R"glsl(
layout(local_size_x = 16, local_size_y = 16) in;
layout(rgba8, binding = 0) writeonly uniform highp image2D u_out;
void main() {
  ivec2 g = ivec2(gl_GlobalInvocationID.xy);
  uvec4 bytes;
  int plane;
  ivec2 local;
  if (!zc_word(g, bytes, plane, local)) return;
  imageStore(u_out, g, vec4(bytes) / 255.0);
}
)glsl";

constexpr const char* kFragmentMain = R"glsl(
layout(location = 0) out vec4 o_color;
void main() {
  ivec2 g = ivec2(gl_FragCoord.xy);
  uvec4 bytes;
  int plane;
  ivec2 local;
  if (!zc_word(g, bytes, plane, local)) discard;
  o_color = vec4(bytes) / 255.0;
}
)glsl";

// A triangle that covers the viewport, from gl_VertexID alone.
constexpr const char* kVertex = R"glsl(#version 310 es
void main() {
  vec2 p = vec2(float((gl_VertexID << 1) & 2), float(gl_VertexID & 2));
  gl_Position = vec4(p * 2.0 - 1.0, 0.0, 1.0);
}
)glsl";

}  // namespace

Result<GlTexture> create_output_texture(const GlContext& gl, const cuda::FrameLayout& layout) {
  const EglApi& api = gl.api();
  GlTexture tex = GlTexture::create(api);
  api.glBindTexture(GL_TEXTURE_2D, tex.id());
  api.glTexStorage2D(GL_TEXTURE_2D, 1, GL_RGBA8, static_cast<GLsizei>(layout.grid_w),
                     static_cast<GLsizei>(layout.grid_h));
  api.glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
  api.glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
  api.glBindTexture(GL_TEXTURE_2D, 0);
  if (auto ok = gl.check_gl("glTexStorage2D(output)"); !ok) return tl::unexpected(ok.error());
  return tex;
}

Result<std::unique_ptr<GlPass>> GlPass::create(const GlContext& gl, PassKind kind) {
  if (auto ok = gl.make_current(); !ok) return tl::unexpected(ok.error());
  std::unique_ptr<GlPass> pass(new GlPass(gl, kind));
  const EglApi& api = gl.api();
  if (kind == PassKind::Draw) {
    pass->fbo_ = GlFramebuffer::create(api);
    api.glGenVertexArrays(1, &pass->vao_);
  }
  pass->read_fbo_ = GlFramebuffer::create(api);
  pass->cursor_tex_ = GlTexture::create(api);
  // A 1x1 placeholder so the cursor sampler is always complete.
  api.glBindTexture(GL_TEXTURE_2D, pass->cursor_tex_.id());
  api.glTexStorage2D(GL_TEXTURE_2D, 1, GL_RGBA8, 1, 1);
  api.glBindTexture(GL_TEXTURE_2D, 0);
  pass->cursor_w_ = pass->cursor_h_ = 1;
  // Compile the common variant now so a broken driver shows at start, not on the first frame.
  if (auto p = pass->program_for(false); !p) return tl::unexpected(p.error());
  if (auto ok = gl.check_gl("GlPass setup"); !ok) return tl::unexpected(ok.error());
  return pass;
}

GlPass::~GlPass() {
  if (gl_.make_current()) {
    const EglApi& api = gl_.api();
    if (vao_) api.glDeleteVertexArrays(1, &vao_);
    for (GLuint q : queries_)
      api.glDeleteQueries(1, &q);
    for (GLuint q : free_queries_)
      api.glDeleteQueries(1, &q);
  }
}

Result<GlPass::Program*> GlPass::program_for(bool external) {
  auto& slot = programs_[external ? 1 : 0];
  if (slot) return &*slot;
  const std::string common = header(external) + std::string(kGlSourceGlsl) + std::string(kConvertGlsl);
  std::vector<std::pair<GLenum, std::string>> stages;
  if (kind_ == PassKind::Compute) {
    stages.emplace_back(GL_COMPUTE_SHADER, common + kComputeMain);
  } else {
    stages.emplace_back(GL_VERTEX_SHADER, kVertex);
    stages.emplace_back(GL_FRAGMENT_SHADER, common + kFragmentMain);
  }
  auto linked = link_program(gl_, stages);
  if (!linked) return tl::unexpected(linked.error());
  Program p;
  p.program = std::move(*linked);
  const EglApi& api = gl_.api();
  const GLuint id = p.program.id();
  auto loc = [&](const char* name) { return api.glGetUniformLocation(id, name); };
  p.u_src = loc("u_src");
  p.u_cursor_tex = loc("u_cursor_tex");
  p.u_src_size = loc("u_src_size");
  p.u_crop = loc("u_crop");
  p.u_out_size = loc("u_out_size");
  p.u_src_order = loc("u_src_order");
  p.u_cursor = loc("u_cursor");
  p.u_cursor_order = loc("u_cursor_order");
  p.u_layout = loc("u_layout");
  p.u_planes = loc("u_planes");
  p.u_regions = loc("u_regions");
  p.u_out_order = loc("u_out_order");
  p.u_yuv = loc("u_yuv");
  slot = std::move(p);
  return &*slot;
}

Result<void> GlPass::upload_cursor(const Cursor* cursor, bool& drawn) {
  drawn = false;
  if (!cursor || !cursor->visible || !cursor->pixels || cursor->width == 0 || cursor->height == 0) return {};
  if (!is_packed_rgb(cursor->format) || cursor->stride < cursor->width * 4) return {};
  const EglApi& api = gl_.api();
  const size_t row = size_t{cursor->width} * 4;
  const size_t bytes = row * cursor->height;
  bool same = cursor_cache_.size() == bytes && cursor_w_ == cursor->width && cursor_h_ == cursor->height;
  for (uint32_t y = 0; same && y < cursor->height; ++y)
    same = std::memcmp(cursor_cache_.data() + y * row, cursor->pixels + size_t{y} * cursor->stride, row) == 0;
  drawn = true;
  if (same) return {};
  // A new bitmap: rare (the pointer changed shape). Reallocate only when it grows.
  if (cursor->width > cursor_w_ || cursor->height > cursor_h_ || !cursor_tex_) {
    cursor_tex_ = GlTexture::create(api);
    api.glBindTexture(GL_TEXTURE_2D, cursor_tex_.id());
    cursor_w_ = std::max(cursor->width, cursor_w_);
    cursor_h_ = std::max(cursor->height, cursor_h_);
    api.glTexStorage2D(GL_TEXTURE_2D, 1, GL_RGBA8, static_cast<GLsizei>(cursor_w_), static_cast<GLsizei>(cursor_h_));
  } else {
    api.glBindTexture(GL_TEXTURE_2D, cursor_tex_.id());
  }
  cursor_cache_.resize(bytes);
  for (uint32_t y = 0; y < cursor->height; ++y)
    std::memcpy(cursor_cache_.data() + y * row, cursor->pixels + size_t{y} * cursor->stride, row);
  api.glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
  api.glTexSubImage2D(GL_TEXTURE_2D, 0, 0, 0, static_cast<GLsizei>(cursor->width), static_cast<GLsizei>(cursor->height),
                      GL_RGBA, GL_UNSIGNED_BYTE, cursor_cache_.data());
  api.glBindTexture(GL_TEXTURE_2D, 0);
  return gl_.check_gl("cursor upload");
}

Result<void> GlPass::run(const PassSource& source, GLuint output, const cuda::FrameLayout& layout, const Rect& crop,
                         const Cursor* cursor, const Colour& colour) {
  const EglApi& api = gl_.api();
  const bool external = source.target == GL_TEXTURE_EXTERNAL_OES;
  auto prog = program_for(external);
  if (!prog) return tl::unexpected(prog.error());
  Program& p = **prog;

  bool cursor_drawn = false;
  if (auto ok = upload_cursor(cursor, cursor_drawn); !ok) return ok;

  api.glUseProgram(p.program.id());
  const bool scaled = crop.width != layout.width || crop.height != layout.height;
  api.glActiveTexture(GL_TEXTURE0);
  api.glBindTexture(source.target, source.texture);
  const GLint filter = scaled ? GL_LINEAR : GL_NEAREST;
  api.glTexParameteri(source.target, GL_TEXTURE_MIN_FILTER, filter);
  api.glTexParameteri(source.target, GL_TEXTURE_MAG_FILTER, filter);
  api.glTexParameteri(source.target, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
  api.glTexParameteri(source.target, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
  api.glActiveTexture(GL_TEXTURE1);
  api.glBindTexture(GL_TEXTURE_2D, cursor_tex_.id());
  Uniforms u{};
  u.src_size[0] = static_cast<float>(source.width);
  u.src_size[1] = static_cast<float>(source.height);
  u.crop[0] = static_cast<float>(crop.x);
  u.crop[1] = static_cast<float>(crop.y);
  u.crop[2] = static_cast<float>(crop.width);
  u.crop[3] = static_cast<float>(crop.height);
  u.out_size[0] = static_cast<GLint>(layout.width);
  u.out_size[1] = static_cast<GLint>(layout.height);
  for (size_t i = 0; i < 3; ++i)
    u.src_order[i] = source.channel_order[i];
  if (cursor_drawn) {
    const auto off = cuda::packed_channel_offsets(cursor->format);
    u.cursor[0] = cursor->x;
    u.cursor[1] = cursor->y;
    u.cursor[2] = static_cast<GLint>(cursor->width);
    u.cursor[3] = static_cast<GLint>(cursor->height);
    for (size_t i = 0; i < 3; ++i)
      u.cursor_order[i] = off[i];
    u.cursor_order[3] = has_alpha(cursor->format) ? off[3] : -1;
  }
  u.layout = is_packed_rgb(layout.format) ? 0 : layout.format == PixelFormat::NV12 ? 1 : 2;
  u.planes = static_cast<GLint>(layout.planes);
  for (uint32_t i = 0; i < 3; ++i) {
    u.regions[i * 4 + 0] = static_cast<GLint>(layout.words[i].x);
    u.regions[i * 4 + 1] = static_cast<GLint>(layout.words[i].y);
    u.regions[i * 4 + 2] = static_cast<GLint>(layout.words[i].w);
    u.regions[i * 4 + 3] = static_cast<GLint>(layout.words[i].h);
  }
  const auto order = cuda::packed_byte_order(is_packed_rgb(layout.format) ? layout.format : PixelFormat::RGBA);
  for (size_t i = 0; i < 4; ++i)
    u.out_order[i] = order[i];
  const YuvFactors f = yuv_factors_8bit(colour);
  const GLint yuv[12] = {f.yr, f.yg, f.yb, f.y_offset, f.ur, f.ug, f.ub, f.c_offset, f.vr, f.vg, f.vb, f.c_offset};
  std::copy(std::begin(yuv), std::end(yuv), u.yuv);
  if (p.last != u) {
    api.glUniform1i(p.u_src, 0);
    api.glUniform1i(p.u_cursor_tex, 1);
    api.glUniform2f(p.u_src_size, u.src_size[0], u.src_size[1]);
    api.glUniform4f(p.u_crop, u.crop[0], u.crop[1], u.crop[2], u.crop[3]);
    api.glUniform2i(p.u_out_size, u.out_size[0], u.out_size[1]);
    api.glUniform4iv(p.u_src_order, 1, u.src_order);
    api.glUniform4iv(p.u_cursor, 1, u.cursor);
    api.glUniform4iv(p.u_cursor_order, 1, u.cursor_order);
    api.glUniform1i(p.u_layout, u.layout);
    api.glUniform1i(p.u_planes, u.planes);
    api.glUniform4iv(p.u_regions, 3, u.regions);
    api.glUniform4iv(p.u_out_order, 1, u.out_order);
    api.glUniform4iv(p.u_yuv, 3, u.yuv);
    p.last = u;
  }

  GLuint query = 0;
  if (timing_) {
    if (free_queries_.empty()) {
      api.glGenQueries(1, &query);
    } else {
      query = free_queries_.back();
      free_queries_.pop_back();
    }
    api.glBeginQuery(GL_TIME_ELAPSED_EXT, query);
  }
  const auto gw = static_cast<GLsizei>(layout.grid_w);
  const auto gh = static_cast<GLsizei>(layout.grid_h);
  if (kind_ == PassKind::Compute) {
    api.glBindImageTexture(0, output, 0, GL_FALSE, 0, GL_WRITE_ONLY, GL_RGBA8);
    api.glDispatchCompute(static_cast<GLuint>((gw + kGroup - 1) / kGroup),
                          static_cast<GLuint>((gh + kGroup - 1) / kGroup), 1);
  } else {
    api.glBindFramebuffer(GL_FRAMEBUFFER, fbo_.id());
    // Attached every frame: a deleted output's name can come back for a new texture, and an
    // unbound framebuffer would still hold the old one.
    api.glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, output, 0);
    if (fbo_attached_ != output) {
      if (api.glCheckFramebufferStatus(GL_FRAMEBUFFER) != GL_FRAMEBUFFER_COMPLETE) {
        api.glBindFramebuffer(GL_FRAMEBUFFER, 0);
        return fail(Errc::gpu, "zerocopy:gl", "output texture is not a complete framebuffer");
      }
      fbo_attached_ = output;
    }
    api.glViewport(0, 0, gw, gh);
    api.glBindVertexArray(vao_);
    api.glDrawArrays(GL_TRIANGLES, 0, 3);
    api.glBindVertexArray(0);
    api.glBindFramebuffer(GL_FRAMEBUFFER, 0);
  }
  if (timing_) {
    api.glEndQuery(GL_TIME_ELAPSED_EXT);
    queries_.push_back(query);
  }
  api.glActiveTexture(GL_TEXTURE0);
  // glGetError can make a driver wait for its GL worker thread: only for the first passes of a
  // program (a broken shader or binding shows at once), not every frame.
  if (p.checked < 2) {
    ++p.checked;
    return gl_.check_gl(kind_ == PassKind::Compute ? "compute pass" : "draw pass");
  }
  return {};
}

bool GlPass::enable_timing(bool on) {
  const bool available = gl_.has_gl_extension("GL_EXT_disjoint_timer_query") && gl_.api().glGetQueryObjectui64vEXT &&
                         gl_.api().glGetQueryObjectivEXT;
  timing_available_ = available;
  timing_ = on && available;
  return timing_;
}

std::optional<uint64_t> GlPass::take_gpu_ns(bool wait) {
  if (queries_.empty()) return std::nullopt;
  const EglApi& api = gl_.api();
  const GLuint q = queries_.front();
  GLint available = 0;
  api.glGetQueryObjectivEXT(q, GL_QUERY_RESULT_AVAILABLE, &available);
  if (!available && !wait) return std::nullopt;
  queries_.erase(queries_.begin());
  free_queries_.push_back(q);
  // GL_QUERY_RESULT blocks until the result is there (bench only, never on the frame path).
  GLuint64 ns = 0;
  api.glGetQueryObjectui64vEXT(q, GL_QUERY_RESULT, &ns);
  GLint disjoint = 0;
  api.glGetIntegerv(GL_GPU_DISJOINT_EXT, &disjoint);
  if (disjoint || api.glGetError() != GL_NO_ERROR) return std::nullopt;
  return ns;
}

Result<std::vector<uint8_t>> GlPass::read_texture(GLuint texture, uint32_t width, uint32_t height) {
  const EglApi& api = gl_.api();
  // The compute pass's image stores become visible to the read only after this (CUDA needs no
  // barrier: its map orders itself after the GL work).
  api.glMemoryBarrier(GL_FRAMEBUFFER_BARRIER_BIT | GL_TEXTURE_UPDATE_BARRIER_BIT | GL_PIXEL_BUFFER_BARRIER_BIT);
  api.glBindFramebuffer(GL_FRAMEBUFFER, read_fbo_.id());
  api.glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, texture, 0);
  if (api.glCheckFramebufferStatus(GL_FRAMEBUFFER) != GL_FRAMEBUFFER_COMPLETE) {
    api.glBindFramebuffer(GL_FRAMEBUFFER, 0);
    return fail(Errc::gpu, "zerocopy:gl", "texture is not readable as a framebuffer");
  }
  std::vector<uint8_t> out(size_t{width} * height * 4);
  api.glPixelStorei(GL_PACK_ALIGNMENT, 4);
  api.glReadPixels(0, 0, static_cast<GLsizei>(width), static_cast<GLsizei>(height), GL_RGBA, GL_UNSIGNED_BYTE,
                   out.data());
  api.glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, 0, 0);
  api.glBindFramebuffer(GL_FRAMEBUFFER, 0);
  if (auto ok = gl_.check_gl("glReadPixels"); !ok) return tl::unexpected(ok.error());
  return out;
}

}  // namespace zc::zerocopy::cuda_bridge
