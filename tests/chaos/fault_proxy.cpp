#include "fault_proxy.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <atomic>
#include <future>
#include <list>
#include <random>
#include <thread>

namespace parley::testing {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

namespace {

// One client connection and its server connection. Each direction reads a random 1..kMaxChunk bytes and
// writes them before reading again, so the relay never holds more than one chunk per direction.
class Link : public std::enable_shared_from_this<Link> {
 public:
  static constexpr size_t kMaxChunk = 2048;

  Link(tcp::socket client, asio::io_context& io, uint32_t seed) : client_(std::move(client)), server_(io), rng_(seed) {}

  void start(uint16_t target_port) {
    auto self = shared_from_this();
    server_.async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), target_port), [self](error_code ec) {
      if (ec) return self->close();
      self->pump(self->client_, self->server_, self->up_);
      self->pump(self->server_, self->client_, self->down_);
    });
  }

  void close() {
    error_code ignored;
    client_.close(ignored);
    server_.close(ignored);
  }

 private:
  void pump(tcp::socket& from, tcp::socket& to, std::array<char, kMaxChunk>& buffer) {
    size_t want = std::uniform_int_distribution<size_t>(1, kMaxChunk)(rng_);
    from.async_read_some(asio::buffer(buffer.data(), want),
                         [self = shared_from_this(), &from, &to, &buffer](error_code ec, size_t n) {
                           if (ec) return self->close();
                           asio::async_write(to, asio::buffer(buffer.data(), n),
                                             [self, &from, &to, &buffer](error_code ec, size_t) {
                                               if (ec) return self->close();
                                               self->pump(from, to, buffer);
                                             });
                         });
  }

  tcp::socket client_;
  tcp::socket server_;
  std::array<char, kMaxChunk> up_{};
  std::array<char, kMaxChunk> down_{};
  std::minstd_rand rng_;
};

}  // namespace

struct FaultProxy::Impl {
  asio::io_context io;
  tcp::acceptor acceptor{io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)};
  std::atomic<uint16_t> target;
  std::list<std::weak_ptr<Link>> links;  // touched on the io thread only
  uint32_t next_seed = 1;
  std::thread thread;

  explicit Impl(uint16_t port) : target(port) {}

  void accept() {
    acceptor.async_accept([this](error_code ec, tcp::socket socket) {
      if (ec) return;  // closed at shutdown
      auto link = std::make_shared<Link>(std::move(socket), io, next_seed++);
      links.remove_if([](const std::weak_ptr<Link>& l) { return l.expired(); });
      links.push_back(link);
      link->start(target.load());
      accept();
    });
  }
};

FaultProxy::FaultProxy(uint16_t target_port) : impl_(new Impl(target_port)) {
  impl_->accept();
  impl_->thread = std::thread([this] { impl_->io.run(); });
}

FaultProxy::~FaultProxy() {
  asio::post(impl_->io, [this] {
    error_code ignored;
    impl_->acceptor.close(ignored);
    for (auto& weak : impl_->links) {
      if (auto link = weak.lock()) link->close();
    }
  });
  impl_->thread.join();
}

uint16_t FaultProxy::port() const { return impl_->acceptor.local_endpoint().port(); }

void FaultProxy::set_target(uint16_t port) { impl_->target = port; }

size_t FaultProxy::cut_all() {
  std::promise<size_t> cut;
  asio::post(impl_->io, [this, &cut] {
    size_t n = 0;
    for (auto& weak : impl_->links) {
      if (auto link = weak.lock()) {
        link->close();
        ++n;
      }
    }
    impl_->links.clear();
    cut.set_value(n);
  });
  return cut.get_future().get();
}

}  // namespace parley::testing
