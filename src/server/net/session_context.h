// What every network session on an I/O thread needs: the API, the config, metrics, and the thread's list of
// live WebSocket sessions (so shutdown can close them).
#pragma once

#include <atomic>
#include <memory>
#include <vector>

#include "server/api/admin_api.h"
#include "server/api/api.h"
#include "server/config.h"
#include "server/metrics.h"
#include "server/net/address_slots.h"
#include "server/net/http_policy.h"

namespace parley::server {

class WsSession;
class StaticFiles;

struct SessionContext {
  Api& api;
  AdminApi& admin;
  const Config& config;
  Metrics& metrics;
  std::atomic<bool>& stopping;
  std::atomic<uint64_t>& next_connection_id;
  AddressSlots& address_slots;  // shared by every I/O thread
  const HttpPolicy& http_policy;
  // Owned by one I/O thread; touched only from it.
  std::vector<std::weak_ptr<WsSession>> sessions;
  size_t prune_sessions_at = 64;  // the list is swept of closed sessions when it reaches this size
  const StaticFiles* web = nullptr;  // the web client's files; null: the plain home page
};

}  // namespace parley::server
