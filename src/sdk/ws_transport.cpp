#include "sdk/ws_transport.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <deque>
#include <type_traits>

#include "sdk/client_tls.h"

namespace parley::sdk {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

constexpr size_t kMaxQueuedBytes = size_t{8} * 1024 * 1024;
constexpr size_t kMaxMessageBytes = size_t{64} * 1024 * 1024;

// NextLayer: beast::tcp_stream (ws://) or asio::ssl::stream<beast::tcp_stream> (wss://). Not beast::ssl_stream:
// with Boost 1.74 its two async_teardown declarations are ambiguous to Clang (GCC accepts them).
template <typename NextLayer>
class BeastTransport final : public Transport, public std::enable_shared_from_this<BeastTransport<NextLayer>> {
 public:
  static constexpr bool kTls = !std::is_same_v<NextLayer, beast::tcp_stream>;

  // `tls` is the TLS context for wss://, null for ws://.
  BeastTransport(asio::io_context& io, ServerAddress address, TransportCallbacks callbacks,
                 std::shared_ptr<asio::ssl::context> tls)
      : resolver_(io), tls_(std::move(tls)), ws_(make_stream(io, tls_.get())), address_(std::move(address)),
        callbacks_(std::move(callbacks)) {}

  void start(std::chrono::milliseconds timeout) {
    timeout_ = timeout;
    resolver_.async_resolve(address_.host, address_.port,
                            beast::bind_front_handler(&BeastTransport::on_resolve, shared_from_this()));
  }

  bool send(std::string payload) override {
    if (state_ != State::kOpen) return false;
    if (queued_bytes_ + payload.size() > kMaxQueuedBytes) return false;
    queued_bytes_ += payload.size();
    queue_.push_back(std::move(payload));
    if (!writing_) write_next();
    return true;
  }

  void close() override {
    if (state_ == State::kClosed) return;
    bool was_open = state_ == State::kOpen;
    state_ = State::kClosed;
    queue_.clear();
    beast::error_code ignored;
    resolver_.cancel();
    beast::get_lowest_layer(ws_).socket().shutdown(tcp::socket::shutdown_both, ignored);
    beast::get_lowest_layer(ws_).close();
    if (was_open) {
      if (callbacks_.on_closed) callbacks_.on_closed("closed by the client");
    } else if (callbacks_.on_open) {
      callbacks_.on_open("cancelled");
    }
  }

 private:
  enum class State { kOpening, kOpen, kClosed };
  using BeastTransport::enable_shared_from_this::shared_from_this;

  static websocket::stream<NextLayer> make_stream(asio::io_context& io, asio::ssl::context* tls) {
    if constexpr (kTls) return websocket::stream<NextLayer>(io, *tls);
    else return websocket::stream<NextLayer>(io);
  }

  void on_resolve(beast::error_code ec, tcp::resolver::results_type results) {
    if (state_ != State::kOpening) return;
    if (ec) return fail_open("cannot resolve " + address_.host + ": " + ec.message());
    beast::get_lowest_layer(ws_).expires_after(timeout_);
    beast::get_lowest_layer(ws_).async_connect(
        results, beast::bind_front_handler(&BeastTransport::on_connect, shared_from_this()));
  }

  void on_connect(beast::error_code ec, const tcp::endpoint&) {
    if (state_ != State::kOpening) return;
    if (ec) return fail_open(ec.message());
    beast::get_lowest_layer(ws_).socket().set_option(tcp::no_delay(true), ec);
    if constexpr (kTls) {
      if (!expect_server_name(ws_.next_layer().native_handle(), address_.host)) {
        return fail_open("cannot check a TLS certificate for the name '" + address_.host + "'");
      }
      ws_.next_layer().async_handshake(asio::ssl::stream_base::client,
                                       beast::bind_front_handler(&BeastTransport::on_tls_handshake, shared_from_this()));
    } else {
      upgrade();
    }
  }

  void on_tls_handshake(beast::error_code ec) {
    if (state_ != State::kOpening) return;
    if (ec) return fail_open("TLS handshake with " + address_.host + " failed: " + ec.message());
    upgrade();
  }

  void upgrade() {
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::request_type& req) { req.set(beast::http::field::user_agent, "libparley"); }));
    ws_.async_handshake(address_.host + ":" + address_.port, address_.target,
                        beast::bind_front_handler(&BeastTransport::on_handshake, shared_from_this()));
  }

  void on_handshake(beast::error_code ec) {
    if (state_ != State::kOpening) return;
    if (ec) return fail_open("WebSocket handshake failed: " + ec.message());
    beast::get_lowest_layer(ws_).expires_never();
    // The SDK runs its own heartbeat (ping requests); Beast only answers the server's pings.
    websocket::stream_base::timeout t = websocket::stream_base::timeout::suggested(beast::role_type::client);
    ws_.set_option(t);
    ws_.binary(true);
    ws_.read_message_max(kMaxMessageBytes);
    state_ = State::kOpen;
    if (callbacks_.on_open) callbacks_.on_open("");
    read_next();
  }

  void fail_open(const std::string& reason) {
    state_ = State::kClosed;
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
    if (callbacks_.on_open) callbacks_.on_open(reason);
  }

  void read_next() { ws_.async_read(in_, beast::bind_front_handler(&BeastTransport::on_read, shared_from_this())); }

  void on_read(beast::error_code ec, size_t) {
    if (state_ != State::kOpen) return;
    if (ec) {
      std::string reason = ec == websocket::error::closed
                               ? "closed by the server (" + std::to_string(ws_.reason().code) + " " +
                                     std::string(ws_.reason().reason.c_str()) + ")"
                               : ec.message();
      return finish(reason);
    }
    auto data = in_.cdata();
    bool text = ws_.got_text();
    if (callbacks_.on_message) {
      callbacks_.on_message(std::string_view(static_cast<const char*>(data.data()), data.size()), text);
    }
    in_.consume(in_.size());
    if (state_ == State::kOpen) read_next();
  }

  void write_next() {
    writing_ = true;
    ws_.async_write(asio::buffer(queue_.front()),
                    beast::bind_front_handler(&BeastTransport::on_write, shared_from_this()));
  }

  void on_write(beast::error_code ec, size_t) {
    writing_ = false;
    if (state_ != State::kOpen) return;
    if (ec) return finish(ec.message());
    queued_bytes_ -= queue_.front().size();
    queue_.pop_front();
    if (!queue_.empty()) write_next();
  }

  void finish(const std::string& reason) {
    if (state_ == State::kClosed) return;
    state_ = State::kClosed;
    queue_.clear();
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
    if (callbacks_.on_closed) callbacks_.on_closed(reason);
  }

  tcp::resolver resolver_;
  std::shared_ptr<asio::ssl::context> tls_;  // declared before ws_, which refers to it
  websocket::stream<NextLayer> ws_;
  ServerAddress address_;
  TransportCallbacks callbacks_;
  std::chrono::milliseconds timeout_{10000};
  beast::flat_buffer in_;
  std::deque<std::string> queue_;
  size_t queued_bytes_ = 0;
  bool writing_ = false;
  State state_ = State::kOpening;
};

}  // namespace

bool parse_server_url(const std::string& url, ServerAddress& out, std::string& error) {
  std::string rest = url;
  std::string default_port = "80";
  bool tls = false;
  static constexpr std::pair<std::string_view, bool> kSchemes[] = {{"ws://", false}, {"wss://", true}};
  for (const auto& [scheme, secure] : kSchemes) {
    if (!rest.starts_with(scheme)) continue;
    rest = rest.substr(scheme.size());
    tls = secure;
    if (tls) default_port = "443";
    break;
  }
  if (rest.find("://") != std::string::npos) {
    error = "server address must be ws://HOST:PORT[/PATH], wss://HOST:PORT[/PATH] or HOST:PORT, got '" + url + "'";
    return false;
  }
  std::string target = "/v1/ws";
  if (auto slash = rest.find('/'); slash != std::string::npos) {
    target = rest.substr(slash);
    rest = rest.substr(0, slash);
  }
  std::string host = rest, port = default_port;
  if (!rest.empty() && rest.front() == '[') {  // [::1]:8080
    auto close = rest.find(']');
    if (close == std::string::npos) {
      error = "unbalanced [ in server address '" + url + "'";
      return false;
    }
    host = rest.substr(1, close - 1);
    if (close + 1 < rest.size() && rest[close + 1] == ':') port = rest.substr(close + 2);
  } else if (auto colon = rest.rfind(':'); colon != std::string::npos) {
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
  }
  bool port_ok = !port.empty() && port.size() <= 5 && port.find_first_not_of("0123456789") == std::string::npos &&
                 std::stoul(port) > 0 && std::stoul(port) < 65536;
  if (host.empty() || !port_ok) {
    error = "server address must be ws://HOST:PORT[/PATH], wss://HOST:PORT[/PATH] or HOST:PORT, got '" + url + "'";
    return false;
  }
  out = ServerAddress{host, port, target, tls, {}};
  return true;
}

std::shared_ptr<Transport> open_transport(asio::io_context& io, const ServerAddress& address,
                                          std::chrono::milliseconds connect_timeout, TransportCallbacks callbacks) {
  if (!address.tls) {
    auto transport = std::make_shared<BeastTransport<beast::tcp_stream>>(io, address, std::move(callbacks), nullptr);
    transport->start(connect_timeout);
    return transport;
  }
  std::string error;
  auto context = make_client_tls_context(address.tls_ca_file, error);
  if (!context) {
    // Reported like any other failure to open, after this call returns.
    asio::post(io, [on_open = std::move(callbacks.on_open), error] { if (on_open) on_open(error); });
    return nullptr;
  }
  auto transport = std::make_shared<BeastTransport<asio::ssl::stream<beast::tcp_stream>>>(
      io, address, std::move(callbacks), std::move(context));
  transport->start(connect_timeout);
  return transport;
}

}  // namespace parley::sdk
