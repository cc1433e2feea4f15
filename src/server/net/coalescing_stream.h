// A stream layer under Beast's websocket::stream that turns many small writes into few large ones.
//
// Beast writes one WebSocket message per async_write, and each would cost a send() system call. This layer
// completes every write at once by copying its bytes (frame header and payload, typically a few hundred bytes)
// into an output buffer, and keeps exactly one socket write in flight, which sends everything buffered so far
// in one call. Ordering is exact because every byte Beast writes, control frames included, passes through
// here in order. The bytes waiting here count toward the session's queued-bytes limit (buffered_bytes()).
//
// Threading: like the socket, use it from one thread only.
#pragma once

#include <boost/asio/buffer.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/teardown.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <string>

namespace parley::server {

class CoalescingStream {
 public:
  using executor_type = boost::beast::tcp_stream::executor_type;
  using next_layer_type = boost::beast::tcp_stream;

  explicit CoalescingStream(boost::asio::ip::tcp::socket&& socket) : next_(std::move(socket)) {}

  executor_type get_executor() noexcept { return next_.get_executor(); }
  next_layer_type& next_layer() noexcept { return next_; }

  // Keeps `owner` alive while a socket write is in flight (the session that owns this stream).
  void set_owner(std::weak_ptr<void> owner) { owner_ = std::move(owner); }

  // Counts each socket write (metrics: frames sent / socket writes is the coalescing ratio).
  void count_writes_in(std::atomic<uint64_t>* counter) { write_counter_ = counter; }

  // Bytes accepted but not yet handed to the kernel.
  size_t buffered_bytes() const { return pending_.size() + sending_.size(); }

  template <typename MutableBuffers, typename Handler>
  auto async_read_some(const MutableBuffers& buffers, Handler&& handler) {
    return next_.async_read_some(buffers, std::forward<Handler>(handler));
  }

  template <typename ConstBuffers, typename Handler>
  auto async_write_some(const ConstBuffers& buffers, Handler&& handler) {
    return boost::asio::async_initiate<Handler, void(boost::system::error_code, size_t)>(
        [this](auto handler, const ConstBuffers& buffers) {
          const size_t n = boost::asio::buffer_size(buffers);
          boost::system::error_code ec = error_;
          if (!ec) {
            const size_t at = pending_.size();
            pending_.resize(at + n);
            boost::asio::buffer_copy(boost::asio::buffer(pending_.data() + at, n), buffers);
            flush();
          }
          boost::asio::post(get_executor(), boost::beast::bind_front_handler(std::move(handler), ec, ec ? 0 : n));
        },
        handler, buffers);
  }

  // Runs `fn` once everything buffered has been written (or writing failed).
  void when_drained(std::move_only_function<void()> fn) {
    if (!writing_ && pending_.empty()) return boost::asio::post(get_executor(), std::move(fn));
    on_drained_ = std::move(fn);
  }

 private:
  void flush() {
    if (writing_ || pending_.empty()) return;
    writing_ = true;
    sending_.swap(pending_);
    if (write_counter_) write_counter_->fetch_add(1, std::memory_order_relaxed);
    boost::asio::async_write(next_, boost::asio::buffer(sending_),
                             [this, keep = owner_.lock()](boost::system::error_code ec, size_t) {
                               writing_ = false;
                               sending_.clear();
                               if (ec) {
                                 error_ = ec;
                                 pending_.clear();
                               }
                               if (!pending_.empty()) return flush();
                               if (on_drained_) std::exchange(on_drained_, nullptr)();
                             });
  }

  next_layer_type next_;
  std::weak_ptr<void> owner_;
  std::atomic<uint64_t>* write_counter_ = nullptr;
  std::string pending_;  // accepted, waiting for the write in flight to finish
  std::string sending_;  // the write in flight
  bool writing_ = false;
  boost::system::error_code error_;
  std::move_only_function<void()> on_drained_;
};

// Closing a websocket tears down its lowest layer; flush what the close frame left buffered first.
inline void teardown(boost::beast::role_type role, CoalescingStream& stream, boost::system::error_code& ec) {
  using boost::beast::websocket::teardown;
  teardown(role, stream.next_layer().socket(), ec);
}

template <typename TeardownHandler>
void async_teardown(boost::beast::role_type role, CoalescingStream& stream, TeardownHandler&& handler) {
  stream.when_drained([role, &stream, h = std::forward<TeardownHandler>(handler)]() mutable {
    using boost::beast::websocket::async_teardown;
    async_teardown(role, stream.next_layer().socket(), std::move(h));
  });
}

}  // namespace parley::server
