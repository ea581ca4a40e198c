#include "session/region.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <regex>
#include <string>

#include <sys/wait.h>

#include "core/parse_number.hpp"

namespace zc::session {
namespace {

constexpr const char* kStage = "options";
constexpr uint32_t kMinSide = 16;

Result<Region> bad(std::string_view text) {
  return fail(Errc::invalid_argument, kStage,
              "region '" + std::string(text) + "' is not X,Y,WIDTHxHEIGHT (pixels of the captured picture) or select");
}

int64_t even_down(int64_t v) {
  return v - (v % 2 + 2) % 2;
}

}  // namespace

Result<Region> parse_region(std::string_view text) {
  if (text == "select") return Region{{}, true, false};
  static const std::regex form(R"(^\s*(-?[0-9]+)\s*,\s*(-?[0-9]+)\s*[, ]\s*([0-9]+)\s*x\s*([0-9]+)\s*$)");
  std::cmatch m;
  if (!std::regex_match(text.begin(), text.end(), m, form)) return bad(text);
  auto x = parse_number<int32_t>(m.str(1));
  auto y = parse_number<int32_t>(m.str(2));
  auto w = parse_number<uint32_t>(m.str(3));
  auto h = parse_number<uint32_t>(m.str(4));
  if (!x || !y || !w || !h) return bad(text);
  if (*w < kMinSide || *h < kMinSide || *w > 16384 || *h > 16384) {
    return fail(Errc::invalid_argument, kStage,
                "region '" + std::string(text) + "': its size must be within 16x16..16384x16384");
  }
  return Region{{*x, *y, *w, *h}, false, false};
}

std::string to_string(const Region& region) {
  if (region.select) return "select";
  const Rect& r = region.rect;
  return std::to_string(r.x) + "," + std::to_string(r.y) + "," + std::to_string(r.width) + "x" +
         std::to_string(r.height) + (region.layout ? " (layout)" : "");
}

Result<void> resolve_region(Region& region) {
  if (!region.select) return {};
  // slurp prints the chosen rectangle as "X,Y WxH" in the layout's logical coordinates and exits
  // 1 when the user presses Escape; the shell says 127 when there is no slurp.
  FILE* pipe = popen("slurp -f '%x,%y %wx%h' 2>/dev/null", "r");
  if (!pipe) return fail(Errc::io, kStage, "--region select: cannot run slurp");
  std::string answer;
  char buf[256];
  while (std::fgets(buf, sizeof buf, pipe))
    answer += buf;
  const int status = pclose(pipe);
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (code == 127) {
    return fail(Errc::not_found, kStage,
                "--region select needs slurp (apt install slurp), or give the region as X,Y,WIDTHxHEIGHT");
  }
  if (code != 0) return fail(Errc::cancelled, kStage, "--region select: no region was chosen");
  auto chosen = parse_region(answer);
  if (!chosen) return fail(Errc::invalid_argument, kStage, "--region select: slurp answered '" + answer + "'");
  region = *chosen;
  region.layout = true;
  return {};
}

std::optional<Rect> region_crop(const Region& region, const Rect& visible,
                                const std::optional<StreamPlacement>& placement) {
  // In the visible picture's pixels, as doubles while mapping.
  double x = region.rect.x, y = region.rect.y;
  double w = region.rect.width, h = region.rect.height;
  if (region.layout && placement && placement->width > 0 && placement->height > 0) {
    const double sx = static_cast<double>(visible.width) / placement->width;
    const double sy = static_cast<double>(visible.height) / placement->height;
    x = (x - placement->x) * sx;
    y = (y - placement->y) * sy;
    w *= sx;
    h *= sy;
  }
  // Clamped to the picture, then even (down for the start, so nothing chosen is lost to it).
  const int64_t left = even_down(std::max<int64_t>(0, static_cast<int64_t>(x)));
  const int64_t top = even_down(std::max<int64_t>(0, static_cast<int64_t>(y)));
  const int64_t right = std::min<int64_t>(visible.width, std::llround(x + w));
  const int64_t bottom = std::min<int64_t>(visible.height, std::llround(y + h));
  const int64_t width = even_down(right - left);
  const int64_t height = even_down(bottom - top);
  if (width < kMinSide || height < kMinSide) return std::nullopt;
  return Rect{visible.x + static_cast<int32_t>(left), visible.y + static_cast<int32_t>(top),
              static_cast<uint32_t>(width), static_cast<uint32_t>(height)};
}

}  // namespace zc::session
