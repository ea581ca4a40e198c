#pragma once
// A link from one port into another through PipeWire's link-factory, on our connection and
// without object.linger: it belongs to our client, and the server removes it with the client
// (disconnect, crash and SIGKILL alike). Used by the app linker and the link keeper.
#include <pipewire/pipewire.h>

#include "capture/graph/app_match.hpp"
#include "capture/pw/pw_handles.hpp"

namespace zc::capture {

// With the loop lock held. Null when the request cannot be sent (errno says why); the server's
// answer (a refusal) comes as the proxy's error event.
pw::ProxyPtr create_link(pw_core* core, const LinkPair& pair);

}  // namespace zc::capture
