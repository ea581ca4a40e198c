#include "capture/video/producer_formats.hpp"

#include <pipewire/pipewire.h>
#include <spa/param/format.h>
#include <spa/pod/iter.h>

#include <fmt/format.h>

#include "capture/pw/connection.hpp"

namespace zc::capture {
namespace {

struct FormatScan {
  uint32_t formats = 0;
  bool modifier = false;

  static void on_param(void* data, int, uint32_t id, uint32_t, uint32_t, const spa_pod* param) {
    auto* self = static_cast<FormatScan*>(data);
    if (id != SPA_PARAM_EnumFormat || param == nullptr) return;
    ++self->formats;
    if (spa_pod_find_prop(param, nullptr, SPA_FORMAT_VIDEO_modifier) != nullptr) self->modifier = true;
  }
};

}  // namespace

Result<bool> offers_dmabuf(const Target& target, std::chrono::milliseconds timeout) {
  auto conn = Connection::open("zerocast-formats");
  if (!conn) return tl::unexpected(conn.error());
  Connection& c = **conn;
  if (auto r = c.start(); !r) return tl::unexpected(r.error());
  auto lock = c.lock();
  pw::RegistryPtr registry(pw_core_get_registry(c.core(), PW_VERSION_REGISTRY, 0));
  if (!registry) return fail(Errc::pipewire, "capture", "cannot get the PipeWire registry");
  pw::ProxyPtr node(static_cast<pw_proxy*>(
      pw_registry_bind(registry.get(), target.node_id, PW_TYPE_INTERFACE_Node, PW_VERSION_NODE, 0)));
  if (!node) return fail(Errc::pipewire, "capture", fmt::format("cannot bind node {}", target.node_id));
  FormatScan scan;
  pw::Hook hook;
  pw_node_events events{};
  events.version = PW_VERSION_NODE_EVENTS;
  events.param = &FormatScan::on_param;
  auto* n = reinterpret_cast<pw_node*>(node.get());
  pw_node_add_listener(n, hook.get(), &events, &scan);
  pw_node_enum_params(n, 0, SPA_PARAM_EnumFormat, 0, UINT32_MAX, nullptr);
  // The node's answers come before the answer to a sync sent after the request.
  auto r = c.roundtrip(timeout);
  hook.reset();
  node.reset();
  registry.reset();
  if (!r) return tl::unexpected(r.error());
  if (scan.formats == 0) {
    return fail(Errc::not_found, "capture", fmt::format("node {} lists no formats", target.node_id));
  }
  return scan.modifier;
}

}  // namespace zc::capture
