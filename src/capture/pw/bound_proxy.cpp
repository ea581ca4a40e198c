#include "capture/pw/bound_proxy.hpp"

#include <memory>
#include <utility>

namespace zc::capture::pw {
namespace {

// A retired proxy waiting for the server's remove_id; owns itself until then.
struct Retired {
  ProxyPtr proxy;
  Hook hook;  // goes before the proxy

  static void on_removed(void* data) { std::unique_ptr<Retired> self(static_cast<Retired*>(data)); }
};

pw_proxy_events removed_events(void (*on_removed)(void*)) {
  pw_proxy_events e{};
  e.version = PW_VERSION_PROXY_EVENTS;
  e.removed = on_removed;
  return e;
}

}  // namespace

void BoundProxy::reset(pw_proxy* proxy) {
  hook_.reset();
  proxy_.reset(proxy);
  removed_ = false;
  if (!proxy_) return;
  static const pw_proxy_events events = removed_events(&BoundProxy::on_removed);
  pw_proxy_add_listener(proxy_.get(), hook_.get(), &events, this);
}

void BoundProxy::on_removed(void* data) {
  static_cast<BoundProxy*>(data)->removed_ = true;
}

void BoundProxy::retire() {
  hook_.reset();
  if (!proxy_ || removed_) {
    proxy_.reset();  // removed: pw_proxy_destroy sends nothing
    return;
  }
  auto retired = std::make_unique<Retired>();
  retired->proxy = std::move(proxy_);
  static const pw_proxy_events events = removed_events(&Retired::on_removed);
  pw_proxy_add_listener(retired->proxy.get(), retired->hook.get(), &events, retired.get());
  static_cast<void>(retired.release());  // freed by its own removed event
}

}  // namespace zc::capture::pw
