#include "core/log.hpp"

int main() {
  zc::log::init();
  spdlog::info("zerocast: not built yet");
  return 0;
}
