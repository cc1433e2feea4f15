// One plain HTTP connection: health, readiness, metrics, the admin API, and the upgrade of /v1/ws to a
// WebSocket session. Keep-alive, one request at a time, bounded header and body sizes, a timeout per request.
#pragma once

#include <boost/beast/core/flat_buffer.hpp>

#include <memory>

#include "server/net/net_stream.h"
#include "server/net/session_context.h"

namespace parley::server {

// Starts serving `stream` (plain, or TLS after its handshake) on its executor's thread; the session keeps
// itself alive while it has work. `buffer` holds bytes already read: a keep-alive connection coming back from
// a media request.
void serve_http(NetStream stream, SessionContext& context, boost::beast::flat_buffer buffer = {});

}  // namespace parley::server
