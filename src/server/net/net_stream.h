// The byte stream under every connection: plain TCP (the `listen` port) or TLS over TCP (the `tls_listen`
// port). One type, so that the HTTP, media and WebSocket sessions are written once and the choice is made per
// connection when it is accepted. To its users it looks like Beast's tcp_stream: an AsyncStream with timeouts,
// socket() and close(); Beast's websocket::stream finds its teardown and close_socket hooks here.
//
// Threading: one thread, like the socket it wraps.
#pragma once

#include <boost/asio/async_result.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_stream.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/websocket/teardown.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <utility>

namespace parley::server {

class NetStream {
 public:
  using executor_type = boost::beast::tcp_stream::executor_type;
  // What beast::ssl_stream is inside: flat_stream gathers a write's buffers into one TLS record instead of one
  // record per buffer. Spelled out because beast::ssl_stream's own teardown does not compile with Clang
  // (Boost 1.74: its friend declaration and definition differ), which `make tidy` needs.
  using TlsStream = boost::beast::flat_stream<boost::asio::ssl::stream<boost::beast::tcp_stream>>;

  // Plain TCP.
  explicit NetStream(boost::asio::ip::tcp::socket&& socket) : plain_(std::in_place, std::move(socket)) {}
  // TLS with `context` (kept alive by the stream: a certificate reload does not pull it from under a
  // connection). The handshake is the caller's next step: async_handshake().
  NetStream(boost::asio::ip::tcp::socket&& socket, std::shared_ptr<boost::asio::ssl::context> context)
      : tls_context_(std::move(context)), tls_(std::make_unique<TlsStream>(std::move(socket), *tls_context_)) {}

  NetStream(NetStream&&) = default;

  bool is_tls() const { return tls_ != nullptr; }
  executor_type get_executor() noexcept { return tcp().get_executor(); }
  boost::beast::tcp_stream& tcp() { return tls_ ? tls_->next_layer().next_layer() : *plain_; }
  boost::asio::ip::tcp::socket& socket() { return tcp().socket(); }
  void expires_after(std::chrono::steady_clock::duration d) { tcp().expires_after(d); }
  void expires_never() { tcp().expires_never(); }
  void close() { tcp().close(); }

  // The server side of the TLS handshake (TLS streams only).
  template <typename Handler>
  void async_handshake(Handler&& handler) {
    tls_->next_layer().async_handshake(boost::asio::ssl::stream_base::server, std::forward<Handler>(handler));
  }

  template <typename MutableBuffers, typename Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code, size_t)>(
        [this](auto handler, const MutableBuffers& b) {
          if (tls_) tls_->async_read_some(b, std::move(handler));
          else plain_->async_read_some(b, std::move(handler));
        },
        token, buffers);
  }

  template <typename ConstBuffers, typename Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code, size_t)>(
        [this](auto handler, const ConstBuffers& b) {
          if (tls_) tls_->async_write_some(b, std::move(handler));
          else plain_->async_write_some(b, std::move(handler));
        },
        token, buffers);
  }

  // The end of a WebSocket connection: TLS sends its close_notify first.
  template <typename Handler>
  friend void async_teardown(boost::beast::role_type role, NetStream& stream, Handler&& handler) {
    if (stream.tls_) {
      return boost::beast::async_teardown(role, stream.tls_->next_layer(), std::forward<Handler>(handler));
    }
    boost::beast::websocket::async_teardown(role, stream.socket(), std::forward<Handler>(handler));
  }
  friend void teardown(boost::beast::role_type role, NetStream& stream, boost::system::error_code& ec) {
    if (stream.tls_) return boost::beast::teardown(role, stream.tls_->next_layer(), ec);
    boost::beast::websocket::teardown(role, stream.socket(), ec);
  }
  // Beast's timeouts close the stream through this.
  friend void beast_close_socket(NetStream& stream) { stream.close(); }

 private:
  std::optional<boost::beast::tcp_stream> plain_;
  std::shared_ptr<boost::asio::ssl::context> tls_context_;  // declared before tls_: outlives it
  std::unique_ptr<TlsStream> tls_;
};

}  // namespace parley::server
