// The listeners and I/O threads. Each thread runs its own io_context with its own SO_REUSEPORT acceptor on
// the same port (and one on the TLS port when tls_listen is set), so the kernel spreads connections over
// threads and a connection never changes thread.
#pragma once

#include <boost/asio/ip/tcp.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "server/net/session_context.h"
#include "server/net/static_files.h"
#include "server/net/tls_context.h"

namespace parley::server {

class Server {
 public:
  Server(const Config& config, Api& api, AdminApi& admin, Metrics& metrics);
  ~Server();

  // Loads the TLS certificate, binds every acceptor and starts the I/O threads. Returns the bound port of
  // `listen` (useful with port 0). Throws std::runtime_error with a readable message when an address cannot
  // be bound or the certificate cannot be used.
  uint16_t start();
  // The bound port of tls_listen; 0 without TLS.
  uint16_t tls_port() const { return tls_port_; }
  // Reads the TLS certificate and key again (SIGHUP) for new connections. Returns the reason it failed, in
  // which case the old ones stay in use.
  std::optional<std::string> reload_tls();

  // Graceful stop: refuse new connections, close open ones with 1001 "going away", wait briefly for them
  // to finish, then stop the threads. Objects stay alive until destruction.
  void stop();

 private:
  struct Loop;
  void accept_next(Loop& loop, bool tls);
  void serve_tls(Loop& loop, boost::asio::ip::tcp::socket socket);

  const Config& config_;
  Api& api_;
  AdminApi& admin_;
  Metrics& metrics_;
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> next_connection_id_{0};
  AddressSlots address_slots_{config_.max_connections_per_address};
  HttpPolicy http_policy_{config_.cors_origins};
  std::unique_ptr<StaticFiles> web_;  // loaded by start(); null when there is no web client to serve
  std::unique_ptr<TlsCredentials> tls_;  // null without tls_listen
  uint16_t tls_port_ = 0;
  std::vector<std::unique_ptr<Loop>> loops_;
};

}  // namespace parley::server
