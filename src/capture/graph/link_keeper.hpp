#pragma once
// A capture stream's links, kept. The session manager links a stream that asks for a target, and
// those links are its client's: when it exits or crashes they go with it. WirePlumber 0.4.13
// (Debian 12) then links nothing again while audio streams it had configured exist ("pending
// linkable(s) not activated"): a recording's picture and desktop sound stopped there.
//
// The keeper watches the registry of our stream's connection and remembers the links others made
// into our node, port to port. When none is left for 2 s (and nobody linked us again), it
// makes the same links itself where both ports still exist, through our connection and without
// object.linger: they are our client's and go with it (exit, crash and SIGKILL alike). Once
// somebody else links our node again (the session manager back, a user moving the stream), ours
// go. A node nobody ever linked is left alone: its first link is the session manager's to make.
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

class LinkKeeper {
 public:
  // Our stream's node id: 0 or SPA_ID_INVALID while PipeWire has not assigned it.
  using OwnNode = std::function<uint32_t()>;
  // Loop thread: our node, having lost its links, is linked again: by us, or by somebody else
  // (the session manager back). The owner may watch for the next buffer, or, when none came yet,
  // give the negotiation that starts again its time.
  using Relinked = std::function<void()>;

  struct Options {
    std::string stage = "capture";  // log prefix
    std::string what;               // our stream, for messages ("video", "audio output")
  };

  // With the loop lock held (the loop may not run yet). Errc::pipewire when the registry or the
  // loop sources cannot be had.
  static Result<std::unique_ptr<LinkKeeper>> create(Connection& connection, Options options, OwnNode own_node,
                                                    Relinked relinked);
  // With the loop lock held: our links are destroyed with their proxies (members, first).
  ~LinkKeeper();
  LinkKeeper(const LinkKeeper&) = delete;
  LinkKeeper& operator=(const LinkKeeper&) = delete;

  // Loop thread: look again (our node got its id). Coalesced into one pass.
  void update();

 private:
  struct OwnLink;

  LinkKeeper(Connection& connection, Options options, OwnNode own_node, Relinked relinked);
  static void on_global(void* data, uint32_t id, uint32_t permissions, const char* type, uint32_t version,
                        const spa_dict* props);
  static void on_global_remove(void* data, uint32_t id);
  static void on_update(void* data, uint64_t count);
  static void on_grace(void* data, uint64_t expirations);
  uint32_t own() const;
  // Takes in what the graph shows: the links others made into our node are remembered (and ours
  // go), or, when there are none, ours that went are forgotten. True when nobody links our node,
  // we hold no link and something is remembered: a relink is due after the grace.
  bool unlinked();
  void arm(bool on);
  void relink();

  Connection& connection_;
  const Options options_;
  const OwnNode own_node_;
  const Relinked relinked_;
  // Teardown order (reverse of this): our links, then the sources, then the registry.
  pw::RegistryPtr registry_;
  pw::Hook registry_hook_;
  pw::LoopSource update_;
  pw::LoopSource grace_;
  std::set<uint32_t> ports_;            // every port in the graph, by global id
  std::map<uint32_t, LinkPair> links_;  // every link in the graph, by global id
  std::set<LinkPair> remembered_;       // the links others made into our node, last seen
  std::map<LinkPair, std::unique_ptr<OwnLink>> ours_;
  bool armed_ = false;
  bool lost_ = false;   // our node lost its links, and nobody else has linked it since
  uint32_t tries_ = 0;  // relinks since somebody else last linked us
};

}  // namespace zc::capture
