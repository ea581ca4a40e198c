#include "vaapi/va_device.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

extern "C" {
#include <libavutil/hwcontext.h>
#include <libavutil/hwcontext_vaapi.h>
}
#include <va/va.h>

#include "core/log.hpp"
#include "ffmpeg/error.hpp"

namespace zc::vaapi {
namespace {

constexpr std::string_view kStage = "vaapi";

}  // namespace

std::vector<std::string> VaDevice::render_nodes() {
  std::vector<std::string> nodes;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/dev/dri", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("renderD", 0) == 0) nodes.push_back(entry.path().string());
  }
  // renderD128 before renderD129: the number, not the text (renderD1000 does not exist, but
  // keep the order honest anyway).
  std::sort(nodes.begin(), nodes.end(), [](const std::string& a, const std::string& b) {
    return a.size() != b.size() ? a.size() < b.size() : a < b;
  });
  return nodes;
}

VADisplay VaDevice::display() const {
  const auto* dev = reinterpret_cast<const AVHWDeviceContext*>(device_->data);
  return static_cast<const AVVAAPIDeviceContext*>(dev->hwctx)->display;
}

Result<std::shared_ptr<VaDevice>> VaDevice::open(const std::string& node) {
  // FFmpeg opens the node itself; a node that is not there or not ours says so plainly first.
  if (::access(node.c_str(), R_OK | W_OK) != 0) {
    return fail(Errc::not_found, std::string(kStage), node + ": " + std::strerror(errno));
  }
  AVBufferRef* made = nullptr;
  int r = 0;
  {
    // FFmpeg logs its reasons (and libva's lines, which FFmpeg routes to its log) at error level:
    // a machine without a VA driver is normal, so they go to debug and the error below says it.
    zc::log::QuietThread quiet;
    r = av_hwdevice_ctx_create(&made, AV_HWDEVICE_TYPE_VAAPI, node.c_str(), nullptr, 0);
  }
  if (r < 0) {
    return fail(Errc::unsupported, std::string(kStage),
                node + ": no VA-API driver initialises on it (" + ffmpeg::error_text(r) + ")");
  }
  std::shared_ptr<VaDevice> device(new VaDevice());
  device->device_.reset(made);
  device->node_ = node;
  const char* vendor = vaQueryVendorString(device->display());
  device->vendor_ = vendor ? vendor : "unknown";
  return device;
}

std::vector<int> VaDevice::entrypoints(int profile) const {
  VADisplay dpy = display();
  std::vector<VAEntrypoint> entries(static_cast<size_t>(std::max(vaMaxNumEntrypoints(dpy), 1)));
  int count = 0;
  if (vaQueryConfigEntrypoints(dpy, static_cast<VAProfile>(profile), entries.data(), &count) != VA_STATUS_SUCCESS) {
    return {};
  }
  return {entries.begin(), entries.begin() + count};
}

bool VaDevice::lists_encoder(std::string_view codec) const {
  std::vector<VAProfile> profiles;
  if (codec == "h264") profiles = {VAProfileH264ConstrainedBaseline, VAProfileH264Main, VAProfileH264High};
  if (codec == "hevc") profiles = {VAProfileHEVCMain, VAProfileHEVCMain10};
  if (codec == "av1") profiles = {VAProfileAV1Profile0};
  for (VAProfile profile : profiles) {
    for (int e : entrypoints(profile)) {
      if (e == VAEntrypointEncSlice || e == VAEntrypointEncSliceLP) return true;
    }
  }
  return false;
}

Result<std::shared_ptr<VaDevice>> VaDevice::open_first(std::string_view requested) {
  if (!requested.empty()) return open(std::string(requested));
  const auto nodes = render_nodes();
  if (nodes.empty()) return fail(Errc::not_found, std::string(kStage), "no DRM render node (/dev/dri/renderD*)");
  std::string reasons;
  for (const auto& node : nodes) {
    auto device = open(node);
    if (device) return device;
    if (!reasons.empty()) reasons += "; ";
    reasons += device.error().message;
  }
  return fail(Errc::unsupported, std::string(kStage), reasons);
}

}  // namespace zc::vaapi
