// The connection under capture's streams, against a real, private PipeWire: what ends it and what
// does not.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstring>
#include <string>

#include "capture/pw/bound_proxy.hpp"
#include "capture/pw/connection.hpp"
#include "support/pw_daemon.hpp"

using namespace std::chrono_literals;
using namespace zc;
using namespace zc::capture;
using zc::test::PipeWireDaemon;

TEST_CASE("connection: a proxy destroyed after the server removed its object leaves the connection working") {
  PipeWireDaemon daemon(PipeWireDaemon::Options{.session_manager = false, .session_bus = false});
  auto conn = Connection::open("zc-connection-test");
  REQUIRE(conn);
  Connection& c = **conn;
  int core_errors = 0;
  c.set_core_error_handler([&](int, const std::string&) { ++core_errors; });
  REQUIRE(c.start());
  auto lock = c.lock();
  pw::RegistryPtr registry(pw_core_get_registry(c.core(), PW_VERSION_REGISTRY, 0));
  REQUIRE(registry);
  // What LinkStates met on PipeWire 1.4: a link's global and its global_remove within one round
  // trip. Binding an object that is gone (here: never was) is answered with remove_id, so the
  // destroy sent before that arrives names a resource the server no longer has: "unknown
  // resource N" on the core. That ended the stream it came on ("the PipeWire connection failed").
  auto* proxy =
      static_cast<pw_proxy*>(pw_registry_bind(registry.get(), 987654, PW_TYPE_INTERFACE_Link, PW_VERSION_LINK, 0));
  REQUIRE(proxy);
  pw_proxy_destroy(proxy);
  REQUIRE(c.roundtrip(3s));
  CHECK(c.gone_object_errors() == 1);
  CHECK(core_errors == 0);
  // The connection still answers.
  REQUIRE(c.roundtrip(3s));
  registry.reset();
}

namespace {

// Sees a proxy's destroy event (its hook goes with it: the proxy clears its listeners).
struct DestroyWatch {
  pw::Hook hook;
  bool destroyed = false;

  void watch(pw_proxy* proxy) {
    static const pw_proxy_events events = [] {
      pw_proxy_events e{};
      e.version = PW_VERSION_PROXY_EVENTS;
      e.destroy = &DestroyWatch::on_destroy;
      return e;
    }();
    pw_proxy_add_listener(proxy, hook.get(), &events, this);
  }
  static void on_destroy(void* data) {
    auto* w = static_cast<DestroyWatch*>(data);
    w->destroyed = true;
    w->hook.reset();
  }
};

// Binds the node named `name` when it appears and drops the proxy on its global_remove, as
// LinkStates and AppLinker do: retired, or (`retire` false) destroyed at once.
struct NodeFollower {
  std::string name;
  bool retire = true;
  uint32_t id = SPA_ID_INVALID;
  bool bound = false;
  bool global_removed = false;
  pw_registry* registry = nullptr;
  pw::BoundProxy proxy;
  DestroyWatch watch;
  pw::Hook hook;

  static void on_global(void* data, uint32_t id, uint32_t, const char* type, uint32_t, const spa_dict* props) {
    auto* f = static_cast<NodeFollower*>(data);
    const char* node_name = props ? spa_dict_lookup(props, PW_KEY_NODE_NAME) : nullptr;
    if (std::strcmp(type, PW_TYPE_INTERFACE_Node) != 0 || !node_name || f->name != node_name) return;
    f->id = id;
    f->proxy.reset(
        static_cast<pw_proxy*>(pw_registry_bind(f->registry, id, PW_TYPE_INTERFACE_Node, PW_VERSION_NODE, 0)));
    f->bound = static_cast<bool>(f->proxy);
    if (f->bound) f->watch.watch(f->proxy.get());
  }
  static void on_global_remove(void* data, uint32_t id) {
    auto* f = static_cast<NodeFollower*>(data);
    if (id != f->id) return;
    f->global_removed = true;
    f->retire ? f->proxy.retire() : f->proxy.reset(nullptr);
  }
  void listen() {
    static const pw_registry_events events = [] {
      pw_registry_events e{};
      e.version = PW_VERSION_REGISTRY_EVENTS;
      e.global = &NodeFollower::on_global;
      e.global_remove = &NodeFollower::on_global_remove;
      return e;
    }();
    pw_registry_add_listener(registry, hook.get(), &events, this);
  }
};

// A null sink made by `owner`'s client: removed from the graph when its proxy is destroyed.
pw_proxy* make_node(Connection& owner, const std::string& name) {
  pw::PropertiesPtr props(pw_properties_new("factory.name", "support.null-audio-sink", PW_KEY_NODE_NAME, name.c_str(),
                                            PW_KEY_MEDIA_CLASS, "Audio/Sink", "audio.position", "[ FL FR ]", nullptr));
  return static_cast<pw_proxy*>(
      pw_core_create_object(owner.core(), "adapter", PW_TYPE_INTERFACE_Node, PW_VERSION_NODE, &props->dict, 0));
}

// Makes the node on `owner` and removes it again while `c`'s loop is held, so that `c` reads its
// global and its global_remove together, as LinkStates met a link that failed on PipeWire 1.4:
// the follower's bind reaches the server after the node is gone, and the server answers it with
// remove_id after the global_remove. (A global removed later sends the remove_id of every proxy
// bound to it first: nothing to race.)
void appear_and_go(Connection& c, Connection& owner, const std::string& name) {
  auto held = c.lock();
  auto lock = owner.lock();
  pw_proxy* node = make_node(owner, name);
  REQUIRE(node);
  REQUIRE(owner.roundtrip(3s));
  pw_proxy_destroy(node);
  REQUIRE(owner.roundtrip(3s));
}

void settle(Connection& c) {
  auto lock = c.lock();
  REQUIRE(c.roundtrip(3s));  // the global (the bind sent) and its global_remove
  REQUIRE(c.roundtrip(3s));  // the server's answer to the bind and to what followed it
}

}  // namespace

TEST_CASE("connection: a proxy retired as its global goes is freed on its remove_id with no error") {
  PipeWireDaemon daemon(PipeWireDaemon::Options{.session_manager = false, .session_bus = false});
  auto conn = Connection::open("zc-connection-test");
  auto owner_conn = Connection::open("zc-connection-test-owner");
  REQUIRE(conn);
  REQUIRE(owner_conn);
  Connection& c = **conn;
  Connection& owner = **owner_conn;
  REQUIRE(c.start());
  REQUIRE(owner.start());
  pw::RegistryPtr registry;
  {
    auto lock = c.lock();
    registry.reset(pw_core_get_registry(c.core(), PW_VERSION_REGISTRY, 0));
    REQUIRE(registry);
  }

  // Destroyed on global_remove (what LinkStates did): a destroy the server can no longer place.
  NodeFollower early;
  early.name = "zc-follow-early";
  early.retire = false;
  // Retired: destroyed on the server's remove_id, which names it gone, so nothing is sent.
  NodeFollower retired;
  retired.name = "zc-follow-retired";
  for (NodeFollower* f : {&early, &retired}) {
    auto lock = c.lock();
    f->registry = registry.get();
    f->listen();
  }
  {
    auto lock = c.lock();
    REQUIRE(c.roundtrip(3s));  // the registry is the server's before the nodes come
  }

  appear_and_go(c, owner, early.name);
  settle(c);
  {
    auto lock = c.lock();
    CHECK(early.bound);
    CHECK(early.global_removed);
    CHECK(early.watch.destroyed);
    CHECK(c.gone_object_errors() == 1);
  }

  appear_and_go(c, owner, retired.name);
  settle(c);
  {
    auto lock = c.lock();
    CHECK(retired.bound);
    CHECK(retired.global_removed);
    CHECK(retired.watch.destroyed);      // freed, not left waiting
    CHECK(c.gone_object_errors() == 1);  // and no second error
  }

  // A proxy whose remove_id came before it is retired (a bind of a global that is gone): freed at
  // once.
  {
    auto lock = c.lock();
    pw::BoundProxy gone;
    gone.reset(
        static_cast<pw_proxy*>(pw_registry_bind(registry.get(), 987655, PW_TYPE_INTERFACE_Node, PW_VERSION_NODE, 0)));
    REQUIRE(gone);
    DestroyWatch watch;
    watch.watch(gone.get());
    REQUIRE(c.roundtrip(3s));
    CHECK_FALSE(watch.destroyed);
    gone.retire();
    CHECK(watch.destroyed);
    REQUIRE(c.roundtrip(3s));
    CHECK(c.gone_object_errors() == 1);
  }

  auto lock = c.lock();
  early.hook.reset();
  retired.hook.reset();
  registry.reset();
}
