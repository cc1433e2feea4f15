// One WebSocket connection to parleyd (Boost.Beast underneath, kept out of this header so only
// ws_transport.cpp pays Beast's compile time): resolve, connect, TLS handshake for wss://, WebSocket
// handshake, a read loop, and a bounded write queue with one write in flight. Binary frames only (protobuf).
//
// Threading: lives on the io_context it was opened on; call send() and close() only from that thread. The
// callbacks run there too. The connection keeps itself alive while it has operations in flight.
#pragma once

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace parley::sdk {

struct ServerAddress {
  std::string host;
  std::string port;
  std::string target = "/v1/ws";
  bool tls = false;          // wss:// or https://
  std::string tls_ca_file;   // not from the URL: the app's CA file for TLS; empty: the system's trust store
};

// Parses "ws://host:port/path", "wss://host:port/path", "host:port", or "ws://host" (port 80; wss://: 443).
// Returns false and sets `error` when the address is malformed.
bool parse_server_url(const std::string& url, ServerAddress& out, std::string& error);

struct TransportCallbacks {
  // Once: open succeeded (empty string) or failed (the reason, for people).
  std::function<void(const std::string& error)> on_open;
  // Each received message; the view is valid during the call only.
  std::function<void(std::string_view payload, bool text)> on_message;
  // Once, after a successful open: the connection ended.
  std::function<void(const std::string& reason)> on_closed;
};

class Transport {
 public:
  virtual ~Transport() = default;
  // Queues one binary message. False when closed or when more than the queue limit is waiting.
  virtual bool send(std::string payload) = 0;
  // Closes at once (no close handshake wait); on_closed follows if the connection was open.
  virtual void close() = 0;
};

// Starts connecting; returns at once. `connect_timeout` bounds resolve + connect + handshake.
std::shared_ptr<Transport> open_transport(boost::asio::io_context& io, const ServerAddress& address,
                                          std::chrono::milliseconds connect_timeout, TransportCallbacks callbacks);

}  // namespace parley::sdk
