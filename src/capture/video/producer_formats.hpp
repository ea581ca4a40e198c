#pragma once
// What a producer node offers before capture connects to it: the formats its EnumFormat params
// list (readable from the node itself, as `pw-cli enum-params ID EnumFormat` shows them).
#include <chrono>

#include "capture/video/stream.hpp"
#include "core/error.hpp"

namespace zc::capture {

// Whether `target` offers dmabufs: any EnumFormat with a DRM modifier. A producer that offers
// none sends shared memory only, which a software encoder takes without any GPU import path.
// Errors (the node gone, no answer in `timeout`) are the caller's to treat as "maybe".
Result<bool> offers_dmabuf(const Target& target, std::chrono::milliseconds timeout = std::chrono::seconds(2));

}  // namespace zc::capture
