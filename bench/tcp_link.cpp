// TcpLink: connect, read loop, gathered writes.
#include "tcp_link.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/write.hpp>

namespace parley::bench {
namespace {
constexpr size_t kReadChunk = 64 * 1024;
}

std::shared_ptr<TcpLink> TcpLink::open(boost::asio::io_context& io, const boost::asio::ip::tcp::endpoint& endpoint,
                                       TcpCallbacks callbacks, TcpLimits limits) {
  auto link = std::make_shared<TcpLink>(io, std::move(callbacks), limits);
  link->start_connect(endpoint);
  return link;
}

TcpLink::TcpLink(boost::asio::io_context& io, TcpCallbacks callbacks, TcpLimits limits)
    : socket_(io), callbacks_(std::move(callbacks)), limits_(limits) {}

void TcpLink::start_connect(const boost::asio::ip::tcp::endpoint& endpoint) {
  socket_.async_connect(endpoint, [self = shared_from_this()](boost::system::error_code ec) {
    if (self->state_ == State::kClosed) ec = boost::asio::error::operation_aborted;
    if (ec) {
      self->state_ = State::kClosed;
      if (self->callbacks_.on_open) self->callbacks_.on_open(ec);
      return;
    }
    self->state_ = State::kOpen;
    boost::system::error_code ignored;
    self->socket_.set_option(boost::asio::ip::tcp::no_delay(true), ignored);
    self->read_buffer_.resize(kReadChunk);
    if (self->callbacks_.on_open) self->callbacks_.on_open({});
    if (self->state_ == State::kOpen) {
      self->read_more();
      self->write_more();
    }
  });
}

bool TcpLink::send(std::string_view bytes) {
  if (state_ == State::kClosed) return false;
  if (queued_bytes() + bytes.size() > limits_.max_write_bytes) return false;
  pending_.append(bytes);
  if (state_ == State::kOpen && writing_.empty()) write_more();
  return true;
}

void TcpLink::write_more() {
  if (pending_.empty() || !writing_.empty() || state_ != State::kOpen) return;
  writing_.swap(pending_);
  boost::asio::async_write(socket_, boost::asio::buffer(writing_),
                           [self = shared_from_this()](boost::system::error_code ec, size_t) {
                             self->writing_.clear();
                             if (ec) return self->fail(ec);
                             self->write_more();
                           });
}

void TcpLink::read_more() {
  if (read_buffer_.size() - read_used_ < kReadChunk / 4) {
    if (read_buffer_.size() >= limits_.max_read_bytes + kReadChunk) {
      return fail(boost::asio::error::message_size);  // one unit larger than the limit
    }
    read_buffer_.resize(read_buffer_.size() + kReadChunk);
  }
  socket_.async_read_some(
      boost::asio::buffer(read_buffer_.data() + read_used_, read_buffer_.size() - read_used_),
      [self = shared_from_this()](boost::system::error_code ec, size_t n) {
        if (ec) return self->fail(ec);
        if (self->state_ != State::kOpen) return;
        self->read_used_ += n;
        const size_t consumed = self->callbacks_.on_data(std::string_view(self->read_buffer_.data(), self->read_used_));
        if (self->state_ != State::kOpen) return;
        if (consumed > 0) {
          self->read_buffer_.erase(0, consumed);
          self->read_used_ -= consumed;
          if (self->read_buffer_.size() < kReadChunk) self->read_buffer_.resize(kReadChunk);
        }
        self->read_more();
      });
}

void TcpLink::close() {
  if (state_ == State::kClosed) return;
  const bool was_open = state_ == State::kOpen;
  state_ = State::kClosed;
  boost::system::error_code ignored;
  socket_.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  if (was_open && callbacks_.on_closed) callbacks_.on_closed({});
}

void TcpLink::detach() {
  callbacks_ = {};
  close();
}

void TcpLink::fail(boost::system::error_code ec) {
  if (state_ == State::kClosed) return;
  state_ = State::kClosed;
  boost::system::error_code ignored;
  socket_.close(ignored);
  if (callbacks_.on_closed) callbacks_.on_closed(ec);
}

}  // namespace parley::bench
