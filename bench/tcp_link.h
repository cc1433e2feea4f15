// A plain TCP client connection for the load generator's MQTT and XMPP clients (and, later, for test drivers
// of Parley's own gateways): asynchronous connect, a read loop into a bounded buffer, and a bounded write
// buffer that gathers everything queued while a write is in flight into the next write (one write in flight).
//
// Threading: a link lives on the io_context it was opened on; call send() and close() only from that
// io_context's thread, and the callbacks run there too. The link keeps itself alive while it has operations
// in flight; the owner keeps a shared_ptr as long as it wants to send.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace parley::bench {

struct TcpCallbacks {
  // Once: connected (empty error) or the connect failed.
  std::function<void(boost::system::error_code)> on_open;
  // Every time bytes arrive: `unread` is everything received and not yet consumed; the callee returns how many
  // bytes it consumed (whole protocol units), the rest stays for the next call. The view dies with the call.
  std::function<size_t(std::string_view unread)> on_data;
  // Once, after a successful open: the peer closed, an I/O error, a protocol unit larger than the read limit,
  // or close().
  std::function<void(boost::system::error_code)> on_closed;
};

struct TcpLimits {
  size_t max_read_bytes = 1 << 20;    // an unconsumed unit larger than this closes the link
  size_t max_write_bytes = 16 << 20;  // queued and not yet written; send() refuses beyond it
};

class TcpLink : public std::enable_shared_from_this<TcpLink> {
 public:
  static std::shared_ptr<TcpLink> open(boost::asio::io_context& io, const boost::asio::ip::tcp::endpoint& endpoint,
                                       TcpCallbacks callbacks, TcpLimits limits = {});
  TcpLink(boost::asio::io_context& io, TcpCallbacks callbacks, TcpLimits limits);

  // Queues bytes for writing, in order. False (nothing queued) when closed or the write buffer is full.
  bool send(std::string_view bytes);
  // Bytes queued and not yet written (the write in flight included).
  size_t queued_bytes() const { return pending_.size() + writing_.size(); }
  bool is_open() const { return state_ == State::kOpen; }
  // Shuts the socket down; on_closed follows (unless the link never opened).
  void close();
  // Closes without calling back: for an owner that is going away while operations are still in flight.
  void detach();

 private:
  enum class State { kConnecting, kOpen, kClosed };
  void start_connect(const boost::asio::ip::tcp::endpoint& endpoint);
  void read_more();
  void write_more();
  void fail(boost::system::error_code ec);

  boost::asio::ip::tcp::socket socket_;
  TcpCallbacks callbacks_;
  TcpLimits limits_;
  State state_ = State::kConnecting;
  std::string read_buffer_;
  size_t read_used_ = 0;
  std::string pending_;  // queued while writing_ is on the wire
  std::string writing_;
};

}  // namespace parley::bench
