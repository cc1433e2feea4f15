// One WebSocket connection on /v1/ws. It frames and forwards; the API decides. Lives on one I/O thread for its
// whole life, kept alive by the handlers in flight (Beast's shared_from_this pattern).
//
// Limits enforced here: message size (Beast closes with 1009), requests per second (RATE_LIMITED), requests in
// flight (reading pauses), bytes queued for writing (a slow consumer is closed with 4008), handshake, auth and idle
// timeouts. Data frames bypass Beast's writer: CoalescingStream keeps one socket write in flight and sends
// everything queued meanwhile in the next one, pointing at the shared encoded frames.
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <chrono>

#include "protocol/codec.h"
#include "server/api/connection.h"
#include "server/net/coalescing_stream.h"
#include "server/net/session_context.h"

namespace parley::server {

class WsSession final : public Connection, public std::enable_shared_from_this<WsSession> {
 public:
  // `remote_address` holds a slot of context.address_slots, given back when the session ends.
  WsSession(NetStream&& stream, std::string remote_address, SessionContext& context);
  ~WsSession() override;

  // Completes the upgrade of `request` and starts reading.
  void start(const boost::beast::http::request<boost::beast::http::string_body>& request);
  // Closes with 1001 (server shutting down). On this session's thread.
  void shut_down();

  // Connection / Peer
  void send(protocol::SharedFrame frame) override;
  void end_session(v1::KickedEvent kicked) override;
  void respond(v1::ServerFrame frame) override;
  void run(std::function<void()> fn) override;
  bool is_open() const override { return !closing_; }
  void set_identity(std::optional<Identity> identity) override;

 private:
  void on_accept(boost::beast::error_code ec);
  void read_next();
  void on_read(boost::beast::error_code ec, size_t bytes);
  void handle_payload(std::string_view payload);
  bool take_rate_token();
  void answer_error(uint64_t req_id, ErrorCode code, std::string message);
  void enqueue(protocol::SharedFrame frame);
  void close(const boost::beast::websocket::close_reason& reason);
  void arm_session_timer();

  boost::beast::websocket::stream<CoalescingStream> ws_;
  SessionContext& context_;
  boost::beast::flat_buffer in_;
  boost::asio::steady_timer session_timer_;  // auth deadline, then token expiry
  uint64_t timer_generation_ = 0;

  protocol::Encoding encoding_ = protocol::Encoding::kJson;
  bool accepted_ = false;
  bool closing_ = false;

  uint32_t inflight_ = 0;
  bool read_paused_ = false;
  bool reading_ = false;
  double rate_tokens_;
  std::chrono::steady_clock::time_point rate_refilled_;
};

}  // namespace parley::server
