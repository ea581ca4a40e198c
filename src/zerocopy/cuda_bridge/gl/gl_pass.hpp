#pragma once
// The one GL pass of the EGL→GL→CUDA bridge: samples the imported image (GL_TEXTURE_2D for tiled
// dmabufs, GL_TEXTURE_EXTERNAL_OES for external-only LINEAR ones), applies the crop, scales to the
// output size, composites the metadata cursor and writes the encoder's layout (packed RGB in any
// byte order, NV12 or I420 by the target's matrix and range, core/colour.hpp's 8-bit factors: the
// CPU path's arithmetic, libyuv's at BT.601 limited range) into an immutable RGBA8
// texture laid out as the word grid of layout.hpp. Two implementations of the same shader code:
// a compute dispatch and a fullscreen-triangle draw (the H100 has little raster hardware).
#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "core/colour.hpp"
#include "core/error.hpp"
#include "core/frame.hpp"
#include "cuda/layout.hpp"
#include "zerocopy/cuda_bridge/gl/gl_context.hpp"

namespace zc::zerocopy::cuda_bridge {

enum class PassKind : uint8_t { Compute, Draw };

struct PassSource {
  GLuint texture = 0;
  GLenum target = GL_TEXTURE_2D;  // or GL_TEXTURE_EXTERNAL_OES
  uint32_t width = 0;
  uint32_t height = 0;
  std::array<int, 3> channel_order{0, 1, 2};  // texel component holding R, G, B
};

// The output texture for a layout: grid_w x grid_h RGBA8, immutable storage.
Result<GlTexture> create_output_texture(const GlContext& gl, const cuda::FrameLayout& layout);

class GlPass {
 public:
  static Result<std::unique_ptr<GlPass>> create(const GlContext& gl, PassKind kind);
  ~GlPass();
  GlPass(const GlPass&) = delete;
  GlPass& operator=(const GlPass&) = delete;

  PassKind kind() const { return kind_; }

  // Records the pass; the caller orders what follows (fence, CUDA map). `crop` is in source
  // pixels and already clamped; `cursor` may be null. The context must be current.
  // `colour`: the matrix and range of YUV outputs.
  Result<void> run(const PassSource& source, GLuint output, const cuda::FrameLayout& layout, const Rect& crop,
                   const Cursor* cursor, const Colour& colour = kBt601Limited);

  // GPU time of passes, through GL_EXT_disjoint_timer_query (metrics, bench). enable_timing() is false
  // when the extension is missing. take_gpu_ns() returns the oldest finished pass's time.
  // time_passes() turns it off and on per pass once enable_timing() said it is there.
  bool enable_timing(bool on);
  void time_passes(bool on) { timing_ = on && timing_available_; }
  std::optional<uint64_t> take_gpu_ns(bool wait);
  size_t timed_passes() const { return queries_.size(); }  // queries not taken yet

  // Reads an RGBA8 texture back (tests). The context must be current.
  Result<std::vector<uint8_t>> read_texture(GLuint texture, uint32_t width, uint32_t height);

 private:
  // Every uniform value of a pass: uploaded only when it changes (steady state: never).
  struct Uniforms {
    float src_size[2], crop[4];
    GLint out_size[2], src_order[4], cursor[4], cursor_order[4], layout, planes, regions[12], out_order[4];
    GLint yuv[12];  // luma, Cb and Cr factors, each with its offset (core/colour.hpp's YuvFactors)
    bool operator==(const Uniforms&) const = default;
  };
  struct Program {
    std::optional<Uniforms> last;
    int checked = 0;  // passes whose GL errors were checked
    GlProgram program;
    GLint u_src = -1, u_cursor_tex = -1, u_src_size = -1, u_crop = -1, u_out_size = -1, u_src_order = -1, u_cursor = -1,
          u_cursor_order = -1, u_layout = -1, u_planes = -1, u_regions = -1, u_out_order = -1, u_yuv = -1;
  };
  GlPass(const GlContext& gl, PassKind kind) : gl_(gl), kind_(kind) {}
  Result<Program*> program_for(bool external);
  Result<void> upload_cursor(const Cursor* cursor, bool& drawn);

  const GlContext& gl_;
  PassKind kind_;
  std::array<std::optional<Program>, 2> programs_;  // [external]
  GlTexture cursor_tex_;
  uint32_t cursor_w_ = 0, cursor_h_ = 0;
  std::vector<uint8_t> cursor_cache_;  // the bitmap now in cursor_tex_
  GlFramebuffer fbo_;                  // Draw: the output texture as colour attachment
  GLuint fbo_attached_ = 0;
  GlFramebuffer read_fbo_;  // read_texture()
  GLuint vao_ = 0;          // empty vertex array for the attribute-less triangle; deleted in ~GlPass
  bool timing_ = false;
  bool timing_available_ = false;
  std::vector<GLuint> queries_;  // in flight, oldest first
  std::vector<GLuint> free_queries_;
};

}  // namespace zc::zerocopy::cuda_bridge
