// One client WebSocket connection of the load generator (Boost.Beast underneath, kept out of this header so
// only ws_connection.cpp pays Beast's compile time).
//
// Threading: a connection lives on the io_context it was opened on; call send() and close() only from that
// io_context's thread, and the callbacks run there too. The connection keeps itself alive while it has
// operations in flight; the owner keeps a shared_ptr as long as it wants to send.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace parley::bench {

struct WsCallbacks {
  // Once: the TCP connection and the WebSocket handshake succeeded (empty error), or one of them failed.
  std::function<void(boost::system::error_code)> on_open;
  // Each received message; the view is valid only during the call.
  std::function<void(std::string_view payload)> on_message;
  // Once, after a successful open: the connection ended (peer closed, I/O error, or close() completed).
  std::function<void(boost::system::error_code)> on_closed;
};

class WsConnection {
 public:
  virtual ~WsConnection() = default;

  // Queues one binary message; messages are written in order, one write in flight. Ignored once closed.
  virtual void send(std::string payload) = 0;
  // Messages queued and not yet written (the one being written included).
  virtual size_t queued_messages() const = 0;
  // Starts a normal close handshake; on_closed follows.
  virtual void close() = 0;
  // Stops issuing reads, as an app that hangs would (a read already in flight completes first): the socket
  // buffers fill up and the server's queue for this connection grows. resume_reading() starts reading again.
  virtual void pause_reading() = 0;
  virtual void resume_reading() = 0;
  // After on_closed: the code and reason of the peer's close frame, or 0 and "" when none arrived (the
  // connection was cut: EOF or reset, see on_closed's error).
  virtual int close_code() const = 0;
  virtual std::string close_reason() const = 0;
};

// Connects to ws://<endpoint><target> with TCP_NODELAY and binary frames, from `source` when given (each
// source address has its own ephemeral port range). Returns at once; see WsCallbacks.
std::shared_ptr<WsConnection> open_ws_connection(boost::asio::io_context& io,
                                                 const boost::asio::ip::tcp::endpoint& endpoint, std::string target,
                                                 WsCallbacks callbacks,
                                                 std::optional<boost::asio::ip::address> source = std::nullopt);

}  // namespace parley::bench
