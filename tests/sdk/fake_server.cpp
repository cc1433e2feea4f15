#include "fake_server.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "protocol/codec.h"

namespace parley::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

struct FakeServer::Impl {
  asio::io_context io;
  tcp::acceptor acceptor{io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)};
  std::shared_ptr<websocket::stream<beast::tcp_stream>> ws;
  beast::flat_buffer buffer;
  std::deque<std::string> out;
  bool writing = false;
  std::thread thread;

  std::mutex mutex;
  std::condition_variable cv;
  std::deque<v1::ClientFrame> requests;

  void accept() {
    acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec) return;
      auto stream = std::make_shared<websocket::stream<beast::tcp_stream>>(std::move(socket));
      stream->async_accept([this, stream](beast::error_code ec) {
        if (ec) return accept();
        stream->binary(true);
        ws = stream;
        out.clear();
        writing = false;
        read(stream);
      });
    });
  }

  void read(std::shared_ptr<websocket::stream<beast::tcp_stream>> stream) {
    stream->async_read(buffer, [this, stream](beast::error_code ec, size_t) {
      if (ec) {
        if (ws == stream) ws.reset();
        return accept();
      }
      std::string payload = beast::buffers_to_string(buffer.data());
      buffer.consume(buffer.size());
      v1::ClientFrame frame;
      if (frame.ParseFromString(payload)) {
        if (frame.has_ping()) {
          v1::ServerFrame pong;
          pong.set_req_id(frame.req_id());
          pong.mutable_ping()->set_server_time_ms(1);
          write(pong.SerializeAsString());
        } else {
          std::lock_guard lock(mutex);
          requests.push_back(std::move(frame));
          cv.notify_all();
        }
      }
      read(stream);
    });
  }

  void write(std::string bytes) {
    if (!ws) return;
    out.push_back(std::move(bytes));
    if (!writing) write_next();
  }

  void write_next() {
    if (out.empty() || !ws) {
      writing = false;
      return;
    }
    writing = true;
    auto stream = ws;
    stream->async_write(asio::buffer(out.front()), [this, stream](beast::error_code ec, size_t) {
      out.pop_front();
      if (ec) {
        writing = false;
        return;
      }
      write_next();
    });
  }
};

FakeServer::FakeServer() : impl_(new Impl) {
  impl_->accept();
  impl_->thread = std::thread([this] { impl_->io.run(); });
}

FakeServer::~FakeServer() {
  asio::post(impl_->io, [this] {
    beast::error_code ignored;
    impl_->acceptor.close(ignored);
    if (impl_->ws) beast::get_lowest_layer(*impl_->ws).socket().close(ignored);
  });
  impl_->thread.join();
}

uint16_t FakeServer::port() const { return impl_->acceptor.local_endpoint().port(); }

std::optional<v1::ClientFrame> FakeServer::next_request(std::chrono::milliseconds timeout) {
  std::unique_lock lock(impl_->mutex);
  if (!impl_->cv.wait_for(lock, timeout, [&] { return !impl_->requests.empty(); })) return std::nullopt;
  auto frame = std::move(impl_->requests.front());
  impl_->requests.pop_front();
  return frame;
}

void FakeServer::send(const v1::ServerFrame& frame) { send_raw(frame.SerializeAsString()); }

void FakeServer::send_raw(std::string bytes) {
  asio::post(impl_->io, [this, bytes = std::move(bytes)]() mutable { impl_->write(std::move(bytes)); });
}

}  // namespace parley::testing
