#include "server/net/server.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <spdlog/spdlog.h>

#include <chrono>
#include <stdexcept>
#include <thread>

#include "server/net/http_session.h"
#include "server/net/net_stream.h"
#include "server/net/ws_session.h"

namespace parley::server {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

struct Server::Loop {
  std::unique_ptr<SessionContext> context;  // declared first: outlives the io_context and its handlers
  asio::io_context ioc{1};
  std::unique_ptr<tcp::acceptor> acceptor;
  std::unique_ptr<tcp::acceptor> tls_acceptor;  // null without tls_listen
  std::unique_ptr<asio::steady_timer> accept_retry;  // after an accept error such as EMFILE
  std::unique_ptr<asio::steady_timer> tls_accept_retry;  // the same for the TLS listener
  std::thread thread;
};

Server::Server(const Config& config, Api& api, AdminApi& admin, Metrics& metrics)
    : config_(config), api_(api), admin_(admin), metrics_(metrics) {}

namespace {

// An acceptor on `address` ("HOST:PORT" of option `option`) that shares its port with the other threads'.
// With port 0, `port` is set to the port the first one got and the others join it.
std::unique_ptr<tcp::acceptor> open_acceptor(asio::io_context& ioc, const std::string& address, const char* option,
                                             uint16_t& port) {
  auto where = Config::split_host_port(address, option);
  boost::system::error_code ec;
  auto ip = asio::ip::make_address(where.host, ec);
  if (ec) throw std::runtime_error(std::string(option) + " host '" + where.host + "' is not an IP address");
  tcp::endpoint endpoint(ip, port ? port : where.port);
  auto a = std::make_unique<tcp::acceptor>(ioc);
  a->open(endpoint.protocol(), ec);
  if (!ec) a->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) a->set_option(asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>(true), ec);
  if (!ec) a->bind(endpoint, ec);
  if (!ec) a->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) throw std::runtime_error("cannot listen on " + address + " (" + option + "): " + ec.message());
  port = a->local_endpoint().port();
  return a;
}

}  // namespace

Server::~Server() {
  try {
    stop();
  } catch (const std::exception& e) {  // a thread that could not be joined, say: the process is ending anyway
    spdlog::error("stopping the server: {}", e.what());
  }
  // Destroy acceptors before their io_contexts; pending handlers (and the sessions they own) go with them.
  for (auto& loop : loops_) {
    loop->acceptor.reset();
    loop->tls_acceptor.reset();
    loop->accept_retry.reset();
    loop->tls_accept_retry.reset();
  }
}

uint16_t Server::start() {
  int threads = config_.io_threads > 0 ? config_.io_threads : static_cast<int>(std::thread::hardware_concurrency());
  threads = std::max(1, threads);
  if (!config_.tls_listen.empty()) tls_ = std::make_unique<TlsCredentials>(config_.tls_cert_file, config_.tls_key_file);
  uint16_t port = 0;
  web_ = StaticFiles::load(config_.web_root);
  if (web_) spdlog::info("serving the web client from {} ({} files)", web_->root(), web_->file_count());
  else spdlog::info("no web client at '{}' (web_root); / serves a plain page", config_.web_root);
  for (int i = 0; i < threads; ++i) {
    auto loop = std::make_unique<Loop>();
    loop->context = std::unique_ptr<SessionContext>(
        new SessionContext{api_, admin_, config_, metrics_, stopping_, next_connection_id_, address_slots_,
                           http_policy_, {}, 64});
    loop->context->web = web_.get();
    loop->acceptor = open_acceptor(loop->ioc, config_.listen, "listen", port);
    if (tls_) loop->tls_acceptor = open_acceptor(loop->ioc, config_.tls_listen, "tls_listen", tls_port_);
    loop->accept_retry = std::make_unique<asio::steady_timer>(loop->ioc);
    loop->tls_accept_retry = std::make_unique<asio::steady_timer>(loop->ioc);
    loops_.push_back(std::move(loop));
  }
  for (auto& loop : loops_) {
    accept_next(*loop, false);
    if (loop->tls_acceptor) accept_next(*loop, true);
    loop->thread = std::thread([l = loop.get()] { l->ioc.run(); });
  }
  return port;
}

std::optional<std::string> Server::reload_tls() {
  if (!tls_) return "TLS is not configured (tls_listen)";
  return tls_->reload();
}

void Server::accept_next(Loop& loop, bool tls) {
  tcp::acceptor& acceptor = tls ? *loop.tls_acceptor : *loop.acceptor;
  acceptor.async_accept(loop.ioc, [this, &loop, &acceptor, tls](boost::system::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
    const bool out_of_resources = ec == asio::error::no_descriptors || ec == asio::error::no_buffer_space ||
                                  ec == asio::error::no_memory ||
                                  ec == boost::system::errc::too_many_files_open_in_system;
    if (ec && !out_of_resources) return accept_next(loop, tls);  // e.g. a connection aborted before accept
    if (ec) {
      // Out of file descriptors or memory: retrying at once would spin. Try again shortly.
      auto& retry = tls ? *loop.tls_accept_retry : *loop.accept_retry;
      retry.expires_after(std::chrono::milliseconds(100));
      retry.async_wait([this, &loop, &acceptor, tls](boost::system::error_code wait_ec) {
        if (!wait_ec && acceptor.is_open()) accept_next(loop, tls);
      });
      return;
    }
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    if (tls) serve_tls(loop, std::move(socket));
    else serve_http(NetStream(std::move(socket)), *loop.context);
    accept_next(loop, tls);
  });
}

// The TLS handshake, bounded by the handshake timeout, then HTTP as on the plain port.
void Server::serve_tls(Loop& loop, tcp::socket socket) {
  auto stream = std::make_shared<NetStream>(std::move(socket), tls_->current());
  stream->expires_after(std::chrono::seconds(config_.handshake_timeout_seconds));
  stream->async_handshake([this, stream, &loop](boost::system::error_code ec) {
    if (ec) {
      metrics_.tls_handshake_failures.fetch_add(1, std::memory_order_relaxed);
      spdlog::debug("TLS handshake failed: {}", ec.message());
      return stream->close();
    }
    serve_http(std::move(*stream), *loop.context);
  });
}

void Server::stop() {
  if (stopping_.exchange(true)) return;
  for (auto& loop : loops_) {
    asio::post(loop->ioc, [l = loop.get()] {
      boost::system::error_code ignored;
      l->acceptor->close(ignored);
      if (l->tls_acceptor) l->tls_acceptor->close(ignored);
      l->accept_retry->cancel();
      l->tls_accept_retry->cancel();
      for (auto& weak : l->context->sessions) {
        if (auto s = weak.lock()) s->shut_down();
      }
      l->context->sessions.clear();
    });
  }
  // Give clients a moment to complete the close handshake, then stop regardless.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (metrics_.connections.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  for (auto& loop : loops_) loop->ioc.stop();
  for (auto& loop : loops_) {
    if (loop->thread.joinable()) loop->thread.join();
  }
}

}  // namespace parley::server
