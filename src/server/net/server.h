// The listeners and I/O threads. Each thread runs its own io_context with its own SO_REUSEPORT acceptor on
// the same port, so the kernel spreads connections over threads and a connection never changes thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "server/net/session_context.h"
#include "server/net/static_files.h"

namespace parley::server {

class Server {
 public:
  Server(const Config& config, Api& api, AdminApi& admin, Metrics& metrics);
  ~Server();

  // Binds every acceptor and starts the I/O threads. Returns the bound port (useful with port 0).
  // Throws std::runtime_error with a readable message when the address cannot be bound.
  uint16_t start();

  // Graceful stop: refuse new connections, close open ones with 1001 "going away", wait briefly for them
  // to finish, then stop the threads. Objects stay alive until destruction.
  void stop();

 private:
  struct Loop;
  void accept_next(Loop& loop);

  const Config& config_;
  Api& api_;
  AdminApi& admin_;
  Metrics& metrics_;
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> next_connection_id_{0};
  AddressSlots address_slots_{config_.max_connections_per_address};
  HttpPolicy http_policy_{config_.cors_origins};
  std::unique_ptr<StaticFiles> web_;  // loaded by start(); null when there is no web client to serve
  std::vector<std::unique_ptr<Loop>> loops_;
};

}  // namespace parley::server
