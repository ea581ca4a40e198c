#include "core/device_frame.hpp"

namespace zc {

std::string_view to_string(FrameMemory memory) {
  switch (memory) {
    case FrameMemory::Cpu:
      return "host";
    case FrameMemory::Cuda:
      return "CUDA";
    case FrameMemory::Dmabuf:
      return "dmabuf";
    case FrameMemory::Vaapi:
      return "VA surface";
  }
  return "?";
}

}  // namespace zc
