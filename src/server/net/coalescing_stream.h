// The stream layer under Beast's websocket::stream that gives each connection one socket write in flight,
// with everything queued meanwhile leaving together in the next one.
//
// Two kinds of bytes pass through it, in order:
//  - data frames, queued by write_frame(): a header of a few bytes plus a reference to the shared encoded
//    frame, so a fan-out to many connections never copies the payload (one writev points at it);
//  - whatever Beast writes itself (the handshake response, pongs, close frames) via async_write_some: copied,
//    and completed at once.
// The flush is posted rather than started inline, so every frame queued during the current turn of the event
// loop joins the same write. buffered_bytes() is what the session checks against its queued-bytes limit.
//
// Threading: one thread, like the socket it wraps.
#pragma once

#include <boost/asio/buffer.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>

#include <array>
#include <cstdint>
#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "protocol/codec.h"
#include "protocol/ws_frame.h"
#include "server/net/net_stream.h"

namespace parley::server {

class CoalescingStream {
 public:
  using executor_type = NetStream::executor_type;
  using next_layer_type = NetStream;

  explicit CoalescingStream(NetStream&& stream) : next_(std::move(stream)) {}

  executor_type get_executor() noexcept { return next_.get_executor(); }
  next_layer_type& next_layer() noexcept { return next_; }

  // Keeps `owner` (the session that owns this stream) alive while a write or a posted flush is pending.
  void set_owner(std::weak_ptr<void> owner) {
    owner_ = std::move(owner);
    has_owner_ = true;
  }
  // Counts each socket write (metrics: frames sent / socket writes is the coalescing ratio).
  void count_writes_in(std::atomic<uint64_t>* counter) { write_counter_ = counter; }

  // Beast's own writes (pongs, close) fail once this many bytes are waiting: a client that sends pings and
  // never reads must not grow the queue without bound.
  void limit_control_bytes(size_t limit) { control_limit_ = limit; }

  // Bytes accepted but not yet handed to the kernel.
  size_t buffered_bytes() const { return pending_bytes_ + sending_bytes_; }

  // Queues one data frame carrying `frame` in `encoding` (text frame for JSON, binary for protobuf).
  void write_frame(protocol::SharedFrame frame, protocol::Encoding encoding) {
    Chunk chunk;
    const std::string& payload = frame->bytes(encoding);
    chunk.header_size = static_cast<uint8_t>(protocol::encode_ws_frame_header(
        encoding == protocol::Encoding::kJson ? protocol::WsOpcode::kText : protocol::WsOpcode::kBinary,
        payload.size(), chunk.header));
    chunk.payload = boost::asio::buffer(payload);
    chunk.frame = std::move(frame);
    push(std::move(chunk));
  }

  template <typename MutableBuffers, typename Handler>
  auto async_read_some(const MutableBuffers& buffers, Handler&& handler) {
    return next_.async_read_some(buffers, std::forward<Handler>(handler));
  }

  // Beast's own writes: copied, completed at once (posted), sent in order with the data frames.
  template <typename ConstBuffers, typename Handler>
  auto async_write_some(const ConstBuffers& buffers, Handler&& handler) {
    return boost::asio::async_initiate<Handler, void(boost::system::error_code, size_t)>(
        [this](auto handler, const ConstBuffers& buffers) {
          const size_t n = boost::asio::buffer_size(buffers);
          boost::system::error_code ec = error_;
          if (!ec && buffered_bytes() + n > control_limit_) {
            // Refusing the write fails Beast's stream but leaves the socket open; close it so the session's
            // pending read and write end and it is freed.
            ec = boost::asio::error::no_buffer_space;
            error_ = ec;
            boost::system::error_code ignored;
            next_.socket().close(ignored);
          }
          if (!ec) {
            Chunk chunk;
            chunk.owned.resize(n);
            boost::asio::buffer_copy(boost::asio::buffer(chunk.owned), buffers);
            push(std::move(chunk));
          }
          boost::asio::post(get_executor(), boost::beast::bind_front_handler(std::move(handler), ec, ec ? 0 : n));
        },
        handler, buffers);
  }

  // Drops the frames queued behind the write in flight (which finishes: a frame is never cut in half) and
  // returns their bytes. Used before closing a slow consumer, so its close frame follows only what the kernel
  // already has. Beast's bytes queued meanwhile go too (pings, pongs): a closing stream needs neither.
  size_t discard_pending() {
    const size_t dropped = pending_bytes_;
    pending_.clear();
    pending_bytes_ = 0;
    return dropped;
  }

  // Runs `fn` once everything queued has been written (or writing failed).
  void when_drained(std::move_only_function<void()> fn) {
    if (!writing_ && pending_.empty()) return boost::asio::post(get_executor(), std::move(fn));
    on_drained_ = std::move(fn);
  }

 private:
  struct Chunk {
    std::array<uint8_t, protocol::kMaxWsHeaderSize> header;
    uint8_t header_size = 0;
    boost::asio::const_buffer payload;  // the shared frame's encoded bytes (frame chunks only)
    protocol::SharedFrame frame;        // keeps `payload` alive
    std::string owned;                  // Beast's bytes (not pointed to until the chunk stops moving)

    size_t size() const { return frame ? header_size + payload.size() : owned.size(); }
  };

  void push(Chunk chunk) {
    if (error_) return;
    pending_bytes_ += chunk.size();
    pending_.push_back(std::move(chunk));
    if (writing_ || flush_posted_) return;
    flush_posted_ = true;
    boost::asio::post(get_executor(), [this, keep = owner_.lock()] {
      if (has_owner_ && !keep) return;
      flush_posted_ = false;
      flush();
    });
  }

  void flush() {
    if (writing_ || pending_.empty()) return;
    writing_ = true;
    sending_.swap(pending_);
    sending_bytes_ = pending_bytes_;
    pending_bytes_ = 0;
    buffers_.clear();
    for (const Chunk& c : sending_) {
      if (c.frame) {
        buffers_.emplace_back(c.header.data(), c.header_size);
        buffers_.push_back(c.payload);
      } else {
        buffers_.push_back(boost::asio::buffer(c.owned));
      }
    }
    if (write_counter_) write_counter_->fetch_add(1, std::memory_order_relaxed);
    boost::asio::async_write(next_, buffers_, [this, keep = owner_.lock()](boost::system::error_code ec, size_t) {
      writing_ = false;
      sending_.clear();
      sending_bytes_ = 0;
      if (ec) {
        error_ = ec;
        pending_.clear();
        pending_bytes_ = 0;
      }
      if (!pending_.empty()) return flush();
      if (on_drained_) std::exchange(on_drained_, nullptr)();
    });
  }

  next_layer_type next_;
  std::weak_ptr<void> owner_;
  bool has_owner_ = false;
  std::atomic<uint64_t>* write_counter_ = nullptr;
  size_t control_limit_ = SIZE_MAX;
  std::vector<Chunk> pending_;  // queued, waiting for the write in flight to finish
  std::vector<Chunk> sending_;  // the write in flight
  std::vector<boost::asio::const_buffer> buffers_;
  size_t pending_bytes_ = 0, sending_bytes_ = 0;
  bool writing_ = false;
  bool flush_posted_ = false;
  boost::system::error_code error_;
  std::move_only_function<void()> on_drained_;
};

// Closing a websocket tears down its lowest layer; write what the close frame left queued first.
inline void teardown(boost::beast::role_type role, CoalescingStream& stream, boost::system::error_code& ec) {
  teardown(role, stream.next_layer(), ec);
}

template <typename TeardownHandler>
void async_teardown(boost::beast::role_type role, CoalescingStream& stream, TeardownHandler&& handler) {
  stream.when_drained([role, &stream, h = std::forward<TeardownHandler>(handler)]() mutable {
    async_teardown(role, stream.next_layer(), std::move(h));
  });
}

}  // namespace parley::server
