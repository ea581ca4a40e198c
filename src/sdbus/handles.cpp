#include "sdbus/handles.hpp"

#include <cstring>

namespace zc::sdbus {

std::string BusError::describe(int r) const {
  if (set()) {
    std::string s = error_.name ? error_.name : "";
    if (error_.message && *error_.message) s += (s.empty() ? "" : ": ") + std::string(error_.message);
    return s;
  }
  return std::strerror(r < 0 ? -r : r);
}

}  // namespace zc::sdbus
