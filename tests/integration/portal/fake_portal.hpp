#pragma once
// A scripted org.freedesktop.portal.ScreenCast on the (private) session bus, for what the real
// xdg-desktop-portal-wlr 0.7 cannot show: the metadata cursor mode, a Closed signal, version 3,
// answers that never come, responses chosen per step. It follows the portal's protocol (request
// objects at sender + handle_token, Response signals after the method's reply) and hands out
// real PipeWire connections: OpenPipeWireRemote connects to the private daemon's socket.
#include <systemd/sd-bus.h>

#include <cstdint>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace zc::test {

class FakePortal {
 public:
  struct Behaviour {
    bool screencast = true;  // false: own the name, export nothing
    uint32_t version = 4;
    uint32_t cursor_modes = 1 | 2 | 4;
    uint32_t source_types = 1 | 2 | 4;
    uint32_t select_response = 0;
    uint32_t start_response = 0;
    bool close_instead_of_start = false;    // Start emits Closed on the session instead of a Response
    bool never_answer_start = false;        // Start replies, but its Response never comes
    std::set<std::string> rejected_tokens;  // SelectSources fails (InvalidArgument) with these
    std::set<std::string> refused_tokens;   // SelectSources answers 2 with these
    uint32_t node_id = 0;                   // the stream Start announces
    uint32_t width = 320, height = 240;
  };
  // What the client sent.
  struct Seen {
    int create_session = 0, select_sources = 0, start = 0, open_remote = 0, close = 0;
    std::vector<std::optional<std::string>> tokens;  // restore_token per SelectSources
    std::vector<std::optional<uint32_t>> cursor_modes;
    std::vector<std::optional<uint32_t>> persist_modes;
    std::vector<uint32_t> types;
    std::vector<std::string> tokens_given;  // restore_token per successful Start
  };

  // Owns org.freedesktop.portal.Desktop on the bus DBUS_SESSION_BUS_ADDRESS names; connects
  // OpenPipeWireRemote's fds to `pipewire_socket`. Throws std::runtime_error when it cannot.
  FakePortal(Behaviour behaviour, std::string pipewire_socket);
  ~FakePortal();
  FakePortal(const FakePortal&) = delete;
  FakePortal& operator=(const FakePortal&) = delete;

  Seen seen() const;
  // Emits Closed on every open session (from the portal's thread).
  void close_sessions();
  // The node later Starts announce (the producer came back under a new id); answers the Starts
  // held since hold_starts().
  void set_node_id(uint32_t id);
  // Until the next set_node_id(), Start replies but its Response waits, as a real portal's does
  // while the compositor has no stream to announce (its PipeWire connection is being remade).
  void hold_starts();

 private:
  static int create_session(sd_bus_message* m, void* data, sd_bus_error* error);
  static int select_sources(sd_bus_message* m, void* data, sd_bus_error* error);
  static int start(sd_bus_message* m, void* data, sd_bus_error* error);
  static int open_remote(sd_bus_message* m, void* data, sd_bus_error* error);
  static int close(sd_bus_message* m, void* data, sd_bus_error* error);
  static int get_property(sd_bus* bus, const char* path, const char* interface, const char* property,
                          sd_bus_message* reply, void* data, sd_bus_error* error);
  void run();
  std::string request_path(sd_bus_message* m, const std::string& token) const;
  void respond(const std::string& request, uint32_t code);
  void respond_start(const std::string& request);

  Behaviour b_;
  std::string socket_;
  sd_bus* bus_ = nullptr;
  std::vector<sd_bus_slot*> slots_;
  int wake_ = -1;
  std::thread thread_;
  mutable std::mutex mutex_;
  Seen seen_;
  std::set<std::string> sessions_;
  bool close_requested_ = false;
  bool hold_starts_ = false;
  bool release_held_ = false;
  std::vector<std::string> held_starts_;  // Start requests waiting for their Response
  int token_counter_ = 0;
};

}  // namespace zc::test
