#pragma once
// The ScreenCast portal (org.freedesktop.portal.ScreenCast, version 4+) over sd-bus:
// CreateSession → SelectSources (persist_mode 2 with the stored restore token) → Start →
// OpenPipeWireRemote. The result is a PortalSession that owns the D-Bus connection, the portal
// session and the PipeWire remote's fd: the portal's stream exists only while the connection
// that made the session stays open, so the session must outlive the capture.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "capture/portal/portal_bus.hpp"
#include "capture/portal/portal_token.hpp"
#include "capture/video/stream.hpp"
#include "core/error.hpp"

namespace zc::capture {

struct PortalOptions {
  uint32_t source_types = kPortalMonitor;  // PortalSourceType bits
  bool multiple = false;                   // let the user pick several sources
  // The pointer in the picture: asked for embedded when the portal offers it, metadata otherwise;
  // false: hidden (metadata otherwise, which capture is told not to draw). Embedded first: with
  // metadata, mutter and KWin send a pointer move over a still picture as a cursor-only buffer,
  // which only the CPU import path draws as a frame (Importer::redraw_cursor); on the GPU paths the
  // pointer would stand still in the file until the picture changes.
  bool draw_cursor = true;
  // persist_mode 2 with the token stored at token_path (empty: default_token_path(state_dir,
  // source_types)); false: neither send nor store a token.
  bool persist = true;
  std::string token_path;
  std::string state_dir;                          // zerocast's state directory ($XDG_STATE_HOME/zerocast)
  std::chrono::milliseconds call_timeout{10000};  // each method call
  // Each Response: SelectSources and Start may wait for the user in a dialog.
  std::chrono::milliseconds response_timeout{120000};
  // Polled a few times a second while waiting for the portal; true ends the wait with
  // Errc::cancelled (e.g. SIGINT pending while a dialog is open).
  std::function<bool()> interrupted;
};

// One stream the portal started.
struct PortalStream {
  uint32_t node_id = 0;
  uint64_t serial = 0;  // object.serial, as seen through the portal's PipeWire remote
  int32_t x = 0, y = 0;
  uint32_t width = 0, height = 0;  // 0 when the portal did not say
  // PortalSourceType of this stream as the portal said it (0: not said). xdg-desktop-portal-wlr
  // 0.7 says 2 (window) for its monitors; kind() trusts it only when several types were asked.
  uint32_t source_type = 0;
  std::string id;  // the portal's stream id (may be empty)
};

class PortalSession {
 public:
  // Closes the portal session, then the D-Bus connection (which ends the portal's stream).
  ~PortalSession();
  PortalSession(const PortalSession&) = delete;
  PortalSession& operator=(const PortalSession&) = delete;

  const std::vector<PortalStream>& streams() const { return streams_; }
  // The first stream as a capture target (what `--source portal` captures).
  Target target(size_t index = 0) const;
  // "monitor", "window", "virtual": what the stream shows.
  std::string kind(size_t index = 0) const;
  // The PipeWire remote's fd for StreamOptions::fd, once (then -1): ownership passes.
  UniqueFd take_pipewire_fd() { return std::move(fd_); }

  const std::string& session_handle() const { return session_handle_; }
  uint32_t cursor_mode() const { return cursor_mode_; }  // what was asked for (0: not asked)
  uint32_t version() const { return version_; }
  bool token_sent() const { return token_sent_; }                      // the stored token went to SelectSources
  bool token_retried() const { return token_retried_; }                // it was rejected, asked again without it
  const std::string& restore_token() const { return restore_token_; }  // the new one (may be empty)

  // Called once, on the session's own thread, when the portal closes the session (its Closed
  // signal) or leaves the bus; at once, on the calling thread, if that already happened. Never
  // called after the destructor started.
  void set_closed_handler(const std::function<void(const std::string& why)>& handler);
  std::optional<std::string> closed_reason() const;

 private:
  friend class PortalHandshake;
  friend Result<std::unique_ptr<PortalSession>> open_portal_session(const PortalOptions& options);
  PortalSession() = default;
  Result<void> watch(const std::string& session_path);
  Result<void> start_thread();
  void run();
  void on_closed(const std::string& why);
  static int on_closed_signal(sd_bus_message* m, void* userdata, sd_bus_error* error);
  static int on_owner_changed(sd_bus_message* m, void* userdata, sd_bus_error* error);

  portal_bus::BusPtr bus_;
  portal_bus::SlotPtr closed_slot_;
  portal_bus::SlotPtr owner_slot_;
  portal_bus::UniqueFd fd_;
  portal_bus::UniqueFd wake_;  // eventfd that ends run()
  std::thread thread_;
  std::vector<PortalStream> streams_;
  std::string session_handle_;
  std::string restore_token_;
  uint32_t cursor_mode_ = 0;
  uint32_t version_ = 0;
  uint32_t requested_types_ = 0;
  bool token_sent_ = false;
  bool token_retried_ = false;

  mutable std::mutex mutex_;
  std::optional<std::string> closed_;
  std::function<void(const std::string&)> closed_handler_;
  bool stopping_ = false;
};

// Asks the portal for a screen cast and connects nothing yet: the caller starts a
// capture::Stream with target() and take_pipewire_fd(). Errors (stage "portal"):
// Errc::not_found: no session bus, or no portal on it (not running, not activatable);
// Errc::unsupported: the portal has no ScreenCast interface, or not the requested source types;
// Errc::cancelled: the user cancelled the dialog (response 1), the session was closed, or
//   `interrupted` said so; Errc::rejected: the portal refused (response 2: denied, or the backend
//   failed); Errc::timeout: no answer in time; Errc::io: the D-Bus connection broke.
// A stored token that the portal rejects (an error, or response 2) is removed and the request is
// made once more without it. The new token is stored after Start.
Result<std::unique_ptr<PortalSession>> open_portal_session(const PortalOptions& options = {});

}  // namespace zc::capture
