// One plain HTTP connection: health, readiness, metrics, the admin API, and the upgrade of /v1/ws to a
// WebSocket session. Keep-alive, one request at a time, bounded header and body sizes, a timeout per request.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <memory>

#include "server/net/session_context.h"

namespace parley::server {

// Starts serving `socket` on its executor's thread; the session keeps itself alive while it has work.
void serve_http(boost::asio::ip::tcp::socket socket, SessionContext& context);
// Continues a keep-alive connection (after a media request) with bytes already read in `buffer`.
void serve_http(boost::beast::tcp_stream stream, boost::beast::flat_buffer buffer, SessionContext& context);

}  // namespace parley::server
