#pragma once
// `--audio app:NAME`, the PipeWire side: on the connection of our capture stream, watch the
// registry for playback streams (media.class Stream/Output/Audio) whose application matches
// (capture/app_match) and link each of their output ports into our stream's input port of the
// same channel. The links are made through our own connection without object.linger, so they
// belong to our client: the server removes them when we disconnect, crash or are SIGKILLed, and
// nothing of ours stays in the graph. The app's own links (to its sink) are never touched.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "capture/graph/app_match.hpp"
#include "capture/pw/pw_handles.hpp"
#include "core/error.hpp"

namespace zc::capture {

class Connection;

class AppLinker {
 public:
  // Every call comes on the connection's loop thread.
  using Report = std::function<void(const AppStreamEvent& event)>;
  // The node id of our capture stream, 0 or SPA_ID_INVALID while PipeWire has not assigned it.
  using OwnNode = std::function<uint32_t()>;

  // With the loop lock held (the loop may not run yet). Errc::pipewire when the registry cannot
  // be had.
  static Result<std::unique_ptr<AppLinker>> create(Connection& connection, std::string wanted, OwnNode own_node,
                                                   Report report);
  // With the loop lock held: our links are destroyed with their proxies.
  ~AppLinker();
  AppLinker(const AppLinker&) = delete;
  AppLinker& operator=(const AppLinker&) = delete;

  // Loop thread: look again (our node got its id, ports changed). Coalesced into one pass.
  void update();

 private:
  // Nested, so they reach our members from their PipeWire callbacks.
  struct Node;
  struct Client;
  struct Link;

  AppLinker(Connection& connection, std::string wanted, OwnNode own_node, Report report);
  static void on_global(void* data, uint32_t id, uint32_t permissions, const char* type, uint32_t version,
                        const spa_dict* props);
  static void on_global_remove(void* data, uint32_t id);
  static void on_done(void* data, uint32_t id, int seq);
  static void on_update(void* data, uint64_t count);
  void add_node(uint32_t id, const spa_dict* props);
  void add_port(uint32_t id, const spa_dict* props);
  Client* client(uint32_t id);
  void evaluate(Node& node);
  void reconcile();
  std::string describe(const Node& node) const;

  Connection& connection_;
  const std::string wanted_;
  const OwnNode own_node_;
  const Report report_;
  // Teardown order (reverse of this): links, then the bound nodes and clients, then the registry.
  pw::RegistryPtr registry_;
  pw::Hook registry_hook_;
  pw::Hook core_hook_;
  pw::LoopSource update_;
  std::map<uint32_t, std::unique_ptr<Client>> clients_;
  std::map<uint32_t, std::unique_ptr<Node>> nodes_;  // Stream/Output/Audio nodes, bound for their properties
  std::map<uint32_t, PortInfo> ports_;
  std::map<LinkPair, std::unique_ptr<Link>> links_;
  std::set<LinkPair> failed_;  // refused by the server: not tried again while both ports exist
  size_t matched_ = 0;
  int scan_seq_ = -1;
  bool scan_second_ = false;  // the sync for what we bound during the first scan is out
  bool scanned_ = false;
};

}  // namespace zc::capture
