#pragma once
// A proxy bound to a registry global, destroyed as the server expects. The server removes a global
// in two messages: the registry's global_remove, then remove_id for each proxy bound to it (the
// proxy's `removed` event). pw_proxy_destroy sends the server a destroy unless the proxy was
// removed; sent between the two, that destroy names a resource the server has just freed, and the
// server answers it with an error on the core ("unknown resource N", -ENOENT). So an owner that
// drops a proxy on global_remove retires it instead: it is destroyed on its `removed` event, or
// at once if that came already. Dropping it any other way (the owner's own end) destroys it at
// once, which tells the server to free its side. Loop thread only.
#include <pipewire/pipewire.h>

#include "capture/pw/pw_handles.hpp"

namespace zc::capture::pw {

class BoundProxy {
 public:
  BoundProxy() = default;
  ~BoundProxy() = default;
  BoundProxy(const BoundProxy&) = delete;
  BoundProxy& operator=(const BoundProxy&) = delete;

  // Takes `proxy` (from pw_registry_bind; null: bind failed) and follows its `removed` event.
  void reset(pw_proxy* proxy);
  pw_proxy* get() const { return proxy_.get(); }
  explicit operator bool() const { return proxy_ != nullptr; }

  // Its global is gone: destroyed now if the server's remove_id came, else when it comes (or when
  // the core disconnects, which removes every proxy). Listeners of the owner must go with it.
  void retire();

 private:
  static void on_removed(void* data);

  ProxyPtr proxy_;
  Hook hook_;  // declared after proxy_: goes first
  bool removed_ = false;
};

}  // namespace zc::capture::pw
