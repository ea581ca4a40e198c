#pragma once
// Errors a caller can act on travel as values: Result<T> = tl::expected<T, Error>.
#include <string>
#include <utility>

#include <tl/expected.hpp>

namespace zc {

enum class Errc {
  invalid_argument,  // bad user input (CLI, config, D-Bus argument)
  unsupported,       // a valid request this build or machine cannot serve (codec/container pair, ...)
  not_found,         // a node, device, file or encoder that is not there
  rejected,          // an importer refused a (format, modifier): renegotiate without it
  io,                // file or network I/O failed
  pipewire,          // PipeWire daemon, stream or negotiation failure
  encoder,           // an encoder failed to open or encode
  gpu,               // a GPU stage failed
  timeout,           // something did not happen in time
  cancelled,         // stopped on request
  internal,          // a bug or an unexpected library state
};

struct Error {
  Errc code = Errc::internal;
  std::string stage;    // which part failed: "capture", "encode:libx264", "output:file", ...
  std::string message;  // human readable, already redacted of credentials

  std::string describe() const { return stage.empty() ? message : stage + ": " + message; }
};

template <class T>
using Result = tl::expected<T, Error>;

inline tl::unexpected<Error> fail(Errc code, std::string stage, std::string message) {
  return tl::unexpected<Error>(Error{code, std::move(stage), std::move(message)});
}

}  // namespace zc
