// The config file (settings/config_file.cpp): any text, as if read from a file, onto the daemon's
// and the record command's defaults. A bad file is an error that names the file, never a crash.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "settings/config_file.hpp"

namespace {

void parse_onto(const std::string& text, zc::settings::Command command) {
  const std::string path = "fuzz.toml";
  auto parsed = zc::settings::parse_config(text, path, zc::settings::defaults(command));
  if (!parsed && parsed.error().message.rfind(path, 0) != 0) std::abort();  // every refusal names the file
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  parse_onto(text, zc::settings::Command::daemon);
  parse_onto(text, zc::settings::Command::record);
  return 0;
}
