#include "server/net/ws_session.h"

#include <spdlog/spdlog.h>

#include "common/post_batch.h"

#include <boost/asio/post.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/websocket.hpp>

namespace parley::server {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
using protocol::Encoding;

// Close codes in the 4000-4999 range are ours (RFC 6455 §7.4.2).
constexpr auto kCloseSessionEnded = static_cast<websocket::close_code>(4001);
constexpr auto kCloseAuthTimeout = static_cast<websocket::close_code>(4002);
constexpr auto kCloseTooSlow = static_cast<websocket::close_code>(4008);
// Room for a close frame (at most 2 + 125 bytes from a server) above a full queue.
constexpr size_t kCloseFrameRoom = 256;

WsSession::WsSession(NetStream&& stream, std::string remote_address, SessionContext& context)
    : Connection(context.next_connection_id.fetch_add(1) + 1, std::move(remote_address)),
      ws_(std::move(stream)),
      context_(context),
      session_timer_(ws_.get_executor()),
      rate_tokens_(context.config.requests_per_second),
      rate_refilled_(std::chrono::steady_clock::now()) {}

WsSession::~WsSession() {
  context_.address_slots.give_back(remote_address());
  context_.api.on_close(*this);
  if (accepted_) context_.metrics.connections.fetch_sub(1);
}

void WsSession::start(const beast::http::request<beast::http::string_body>& request) {
  const Config& c = context_.config;
  ws_.next_layer().set_owner(weak_from_this());
  ws_.next_layer().count_writes_in(&context_.metrics.socket_writes);
  ws_.next_layer().limit_control_bytes(c.max_queued_bytes + kCloseFrameRoom);
  beast::get_lowest_layer(ws_).expires_never();  // the websocket timeouts below take over
  websocket::stream_base::timeout timeouts{std::chrono::seconds(c.handshake_timeout_seconds),
                                           std::chrono::seconds(c.idle_timeout_seconds), true};
  ws_.set_option(timeouts);
  ws_.set_option(websocket::stream_base::decorator(
      [](websocket::response_type& res) { res.set(beast::http::field::server, "parleyd"); }));
  ws_.read_message_max(c.max_frame_bytes);
  ws_.async_accept(request, beast::bind_front_handler(&WsSession::on_accept, shared_from_this()));
}

void WsSession::on_accept(beast::error_code ec) {
  if (ec) return;
  accepted_ = true;
  context_.metrics.connections.fetch_add(1);
  context_.metrics.connections_total.fetch_add(1);
  auto& sessions = context_.sessions;
  if (sessions.size() >= context_.prune_sessions_at) {
    std::erase_if(sessions, [](const auto& w) { return w.expired(); });
    context_.prune_sessions_at = std::max<size_t>(64, sessions.size() * 2);
  }
  sessions.push_back(weak_from_this());
  if (context_.stopping) return close({websocket::close_code::going_away, "server shutting down"});
  arm_session_timer();
  read_next();
}

void WsSession::arm_session_timer() {
  session_timer_.cancel();
  std::chrono::steady_clock::duration wait;
  if (!identity()) {
    wait = std::chrono::seconds(context_.config.auth_timeout_seconds);
  } else {
    int64_t left_ms = identity()->expires_at_ms - context_.api.services().clock.now_ms();
    wait = std::chrono::milliseconds(std::max<int64_t>(0, left_ms));
  }
  session_timer_.expires_after(wait);
  // A timer that already fired cannot be cancelled: its handler checks that it is still the current one.
  const uint64_t generation = ++timer_generation_;
  session_timer_.async_wait([self = shared_from_this(), generation](beast::error_code ec) {
    if (ec || self->closing_ || generation != self->timer_generation_) return;
    if (!self->identity()) return self->close({kCloseAuthTimeout, "not authenticated in time"});
    v1::KickedEvent kicked;
    kicked.set_reason(v1::KickedEvent::EXPIRED);
    kicked.set_message("the session token expired; refresh it or log in");
    self->end_session(kicked);
  });
}

void WsSession::set_identity(std::optional<Identity> identity) {
  Connection::set_identity(std::move(identity));
  if (!closing_) arm_session_timer();
}

void WsSession::read_next() {
  if (closing_ || reading_) return;
  if (inflight_ >= context_.config.max_inflight_requests) {
    read_paused_ = true;
    return;
  }
  reading_ = true;
  ws_.async_read(in_, beast::bind_front_handler(&WsSession::on_read, shared_from_this()));
}

void WsSession::on_read(beast::error_code ec, size_t) {
  reading_ = false;
  if (ec) {
    // Closed by the peer, a timeout, an oversized message (Beast answered 1009), invalid UTF-8 in a text
    // frame (1007), or a protocol violation: nothing more to read.
    closing_ = true;
    session_timer_.cancel();
    return;
  }
  context_.metrics.frames_received.fetch_add(1, std::memory_order_relaxed);
  encoding_ = ws_.got_text() ? Encoding::kJson : Encoding::kBinary;
  auto data = in_.cdata();
  handle_payload(std::string_view(static_cast<const char*>(data.data()), data.size()));
  in_.consume(in_.size());
  read_next();
}

void WsSession::handle_payload(std::string_view payload) {
  // The rate limit comes first, so that a flood of malformed frames is limited too.
  const bool allowed = take_rate_token();
  auto frame = protocol::decode_client_frame(payload, encoding_);
  if (!allowed) {
    return answer_error(frame ? frame->req_id() : frame.error().req_id, v1::RATE_LIMITED,
                        "more than " + std::to_string(context_.config.requests_per_second) +
                            " requests per second on this connection; slow down");
  }
  if (!frame) return answer_error(frame.error().req_id, frame.error().error.code, frame.error().error.message);
  ++inflight_;
  context_.api.handle(shared_from_this(), *frame);
}

bool WsSession::take_rate_token() {
  const double rate = context_.config.requests_per_second;
  auto now = std::chrono::steady_clock::now();
  rate_tokens_ = std::min(rate, rate_tokens_ + rate * std::chrono::duration<double>(now - rate_refilled_).count());
  rate_refilled_ = now;
  if (rate_tokens_ < 1.0) return false;
  rate_tokens_ -= 1.0;
  return true;
}

void WsSession::answer_error(uint64_t req_id, ErrorCode code, std::string message) {
  context_.metrics.count_error(code);
  enqueue(protocol::make_shared_frame(protocol::error_frame(req_id, code, std::move(message))));
}

void WsSession::respond(v1::ServerFrame frame) {
  run([self = shared_from_this(), frame = protocol::make_shared_frame(std::move(frame))]() mutable {
    --self->inflight_;
    self->enqueue(std::move(frame));
    if (self->read_paused_ && self->inflight_ < self->context_.config.max_inflight_requests) {
      self->read_paused_ = false;
      self->read_next();
    }
  });
}

void WsSession::send(protocol::SharedFrame frame) {
  run([self = shared_from_this(), frame = std::move(frame)]() mutable { self->enqueue(std::move(frame)); });
}

void WsSession::end_session(v1::KickedEvent kicked) {
  run([self = shared_from_this(), kicked = std::move(kicked)]() mutable {
    if (self->closing_) return;
    std::string reason = "session ended: " + kicked.message();
    v1::ServerFrame frame;
    *frame.mutable_event()->mutable_kicked() = std::move(kicked);
    self->enqueue(protocol::make_shared_frame(std::move(frame)));
    self->context_.api.on_close(*self);  // no more events for this connection
    self->Connection::set_identity(std::nullopt);
    if (reason.size() > 120) reason.resize(120);  // a close reason must fit in a control frame
    self->close({kCloseSessionEnded, reason});
  });
}

void WsSession::run(std::function<void()> fn) { PostBatch::post(ws_.get_executor(), std::move(fn)); }

void WsSession::enqueue(protocol::SharedFrame frame) {
  // Beast marks the stream closing before it queues its own close frame (a peer's close, 1007, 1009): no
  // data frame may follow that.
  if (closing_ || !ws_.is_open()) return;
  const size_t bytes = frame->bytes(encoding_).size();
  const size_t queued = ws_.next_layer().buffered_bytes();
  // One frame larger than the limit still goes out when nothing else is waiting (replies are bounded too).
  if (queued > 0 && queued + bytes > context_.config.max_queued_bytes) {
    // The client is not reading. Buffering for it without bound would let one slow consumer exhaust memory.
    // What waits behind the write in flight is dropped (it is stored; the client gets it by sync), and a close
    // frame with the reason follows the frames already handed to the socket. The client sees it only if it
    // reads again before Beast's closing handshake times out (handshake_timeout_seconds); otherwise the socket
    // is closed under it. Server log and metric are the reliable record.
    context_.metrics.slow_consumers_closed.fetch_add(1);
    const size_t dropped = ws_.next_layer().discard_pending();
    spdlog::warn("connection {} ({}) closed as a slow consumer (4008): {} bytes waiting, {} dropped", id(),
                 identity() ? identity()->user_id : std::string("anonymous"), queued + bytes, dropped);
    context_.api.on_close(*this);  // no more events for this connection
    Connection::set_identity(std::nullopt);
    return close({kCloseTooSlow, "too slow: " + std::to_string(queued + bytes) + " bytes waiting"});
  }
  ws_.next_layer().write_frame(std::move(frame), encoding_);
  context_.metrics.frames_sent.fetch_add(1, std::memory_order_relaxed);
}

void WsSession::close(const websocket::close_reason& reason) {
  if (closing_) return;
  closing_ = true;
  session_timer_.cancel();
  // The close frame follows every data frame already queued: they share one ordered stream.
  ws_.async_close(reason, [self = shared_from_this()](beast::error_code) {});
}

void WsSession::shut_down() { close({websocket::close_code::going_away, "server shutting down"}); }

}  // namespace parley::server
