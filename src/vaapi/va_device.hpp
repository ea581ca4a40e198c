#pragma once
// A VA-API display on a DRM render node, opened through FFmpeg's VAAPI device context (which owns
// the node's descriptor and the display, and which FFmpeg's encoders and frame pools take). The
// node is ZEROCAST_VAAPI_DEVICE's when set, else the first /dev/dri/renderD* whose driver opens.
// libva picks the driver by the node's kernel driver (or LIBVA_DRIVER_NAME); a machine without a
// VA driver gets one error naming every node tried and why.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

extern "C" {
#include <libavutil/buffer.h>
}

typedef void* VADisplay;  // NOLINT(modernize-use-using): as <va/va.h> declares it

namespace zc::vaapi {

struct BufferRefFree {
  void operator()(AVBufferRef* b) const { av_buffer_unref(&b); }
};
using BufferRefPtr = std::unique_ptr<AVBufferRef, BufferRefFree>;

class VaDevice {
 public:
  // One node. Errc::not_found when it cannot be opened, Errc::unsupported when no VA driver
  // initialises on it.
  static Result<std::shared_ptr<VaDevice>> open(const std::string& node);
  // `requested` when not empty, else the render nodes in order.
  static Result<std::shared_ptr<VaDevice>> open_first(std::string_view requested);
  // The render nodes present, in order (/dev/dri/renderD128 first).
  static std::vector<std::string> render_nodes();

  AVBufferRef* device() const { return device_.get(); }  // an AVHWDeviceContext of type VAAPI
  VADisplay display() const;
  const std::string& node() const { return node_; }
  // vaQueryVendorString: the driver's name and version ("Mesa Gallium driver 23.1.0 for ...").
  const std::string& vendor() const { return vendor_; }
  // The driver's entrypoints (VAEntrypoint values) for a profile (a VAProfile value); empty when
  // it does not list the profile.
  std::vector<int> entrypoints(int profile) const;
  // Whether the driver lists an encoding entrypoint (full or low power) for any profile of the
  // codec ("h264", "hevc", "av1").
  bool lists_encoder(std::string_view codec) const;

 private:
  VaDevice() = default;
  BufferRefPtr device_;
  std::string node_;
  std::string vendor_;
};

}  // namespace zc::vaapi
