// Beast implementation of WsConnection: connect, handshake, a read loop, and a write queue with one write in
// flight (the shared_from_this pattern of Beast's examples keeps the connection alive while I/O is pending).
#include "ws_connection.h"

#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket.hpp>

#include <chrono>
#include <deque>

namespace parley::bench {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

constexpr auto kConnectTimeout = std::chrono::seconds(10);

class BeastWsConnection final : public WsConnection, public std::enable_shared_from_this<BeastWsConnection> {
 public:
  BeastWsConnection(asio::io_context& io, std::string target, WsCallbacks callbacks)
      : ws_(io), target_(std::move(target)), callbacks_(std::move(callbacks)) {}

  void start(const tcp::endpoint& endpoint, const std::optional<asio::ip::address>& source) {
    host_ = endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
    if (source) {  // a chosen source address (its own ephemeral port range); a failure shows up at connect
      beast::error_code ignored;
      auto& socket = beast::get_lowest_layer(ws_).socket();
      socket.open(endpoint.protocol(), ignored);
      socket.bind(tcp::endpoint(*source, 0), ignored);
    }
    beast::get_lowest_layer(ws_).expires_after(kConnectTimeout);
    beast::get_lowest_layer(ws_).async_connect(
        endpoint, beast::bind_front_handler(&BeastWsConnection::on_connect, shared_from_this()));
  }

  void send(std::string payload) override {
    if (state_ != State::kOpen) return;
    queue_.push_back(std::move(payload));
    if (!writing_) write_next();
  }

  size_t queued_messages() const override { return queue_.size(); }

  void pause_reading() override { paused_ = true; }
  void resume_reading() override {
    paused_ = false;
    if (!reading_ && (state_ == State::kOpen || state_ == State::kClosing)) read_next();
  }
  int close_code() const override { return got_close_ ? static_cast<int>(ws_.reason().code) : 0; }
  std::string close_reason() const override { return got_close_ ? std::string(ws_.reason().reason.data(), ws_.reason().reason.size()) : ""; }

  void close() override {
    if (state_ != State::kOpen) return;
    state_ = State::kClosing;
    // Drop what was never started; the write in flight (if any) finishes first, then the close handshake.
    while (queue_.size() > (writing_ ? 1u : 0u)) queue_.pop_back();
    if (!writing_) start_close();
  }

 private:
  enum class State { kConnecting, kOpen, kClosing, kClosed };

  void on_connect(beast::error_code ec) {
    if (ec) return fail_open(ec);
    beast::get_lowest_layer(ws_).socket().set_option(tcp::no_delay(true), ec);
    beast::get_lowest_layer(ws_).expires_never();
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
    ws_.async_handshake(host_, target_,
                        beast::bind_front_handler(&BeastWsConnection::on_handshake, shared_from_this()));
  }

  void on_handshake(beast::error_code ec) {
    if (ec) return fail_open(ec);
    ws_.binary(true);
    ws_.auto_fragment(false);
    ws_.secure_prng(false);  // masking keys need no cryptographic strength here, and the fast PRNG is cheaper
    state_ = State::kOpen;
    if (callbacks_.on_open) callbacks_.on_open({});
    read_next();
  }

  void fail_open(beast::error_code ec) {
    state_ = State::kClosed;
    if (callbacks_.on_open) callbacks_.on_open(ec);
  }

  void read_next() {
    reading_ = true;
    ws_.async_read(in_, beast::bind_front_handler(&BeastWsConnection::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, size_t) {
    reading_ = false;
    if (ec == websocket::error::closed) got_close_ = true;
    if (ec) return finish(ec);
    auto data = in_.cdata();
    if (callbacks_.on_message) {
      callbacks_.on_message(std::string_view(static_cast<const char*>(data.data()), data.size()));
    }
    in_.consume(in_.size());
    if (!paused_) read_next();
  }

  void write_next() {
    writing_ = true;
    ws_.async_write(asio::buffer(queue_.front()),
                    beast::bind_front_handler(&BeastWsConnection::on_write, shared_from_this()));
  }

  void on_write(beast::error_code ec, size_t) {
    writing_ = false;
    if (ec) return finish(ec);
    if (state_ == State::kClosed) return;  // the read side failed meanwhile and cleared the queue
    queue_.pop_front();
    if (state_ == State::kClosing) return start_close();
    if (!queue_.empty()) write_next();
  }

  void start_close() {
    queue_.clear();
    ws_.async_close(websocket::close_code::normal, [self = shared_from_this()](beast::error_code) {});
    // The read loop ends with websocket::error::closed once the server answers; finish() reports it.
  }

  void finish(beast::error_code ec) {
    if (state_ == State::kClosed) return;
    state_ = State::kClosed;
    queue_.clear();
    if (callbacks_.on_closed) callbacks_.on_closed(ec);
  }

  websocket::stream<beast::tcp_stream> ws_;
  std::string target_;
  std::string host_;
  WsCallbacks callbacks_;
  beast::flat_buffer in_;
  std::deque<std::string> queue_;
  bool writing_ = false;
  bool reading_ = false, paused_ = false, got_close_ = false;
  State state_ = State::kConnecting;
};

}  // namespace

std::shared_ptr<WsConnection> open_ws_connection(asio::io_context& io, const tcp::endpoint& endpoint,
                                                 std::string target, WsCallbacks callbacks,
                                                 std::optional<asio::ip::address> source) {
  auto connection = std::make_shared<BeastWsConnection>(io, std::move(target), std::move(callbacks));
  connection->start(endpoint, source);
  return connection;
}

}  // namespace parley::bench
