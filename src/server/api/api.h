// Request dispatch for the native protocol: checks that the connection is authenticated where needed and
// hands each request to its domain handler. Front ends (the WebSocket session today, gateways later) call
// only this.
#pragma once

#include <memory>

#include "server/api/connection.h"
#include "server/api/services.h"

namespace parley::server {

class Api {
 public:
  explicit Api(Services& services) : services_(services) {}

  // Handles one decoded request from `conn`, on conn's thread. Exactly one respond() follows.
  void handle(const std::shared_ptr<Connection>& conn, v1::ClientFrame& frame);

  // `conn` closed (on its thread): it stops receiving events.
  void on_close(Connection& conn);

  Services& services() { return services_; }

 private:
  Services& services_;
};

}  // namespace parley::server
