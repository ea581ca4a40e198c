// The connection under capture's streams, against a real, private PipeWire: what ends it and what
// does not.
#include <catch2/catch.hpp>

#include <chrono>

#include "capture/connection.hpp"
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
