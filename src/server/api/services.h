// The dependencies every API handler uses, wired once by main (constructor injection, no globals).
#pragma once

#include <atomic>

#include "common/clock.h"
#include "server/bus/bus.h"
#include "server/config.h"
#include "server/metrics.h"
#include "server/api/abuse_limits.h"
#include "server/api/presence_hub.h"
#include "server/api/worker_pool.h"
#include "server/store/store.h"

namespace parley::media {
class MediaService;
}

namespace parley::server {

struct Services {
  const Config& config;
  store::Store& store;
  Bus& bus;
  const Clock& clock;
  Metrics& metrics;
  WorkerPool& workers;
  PresenceHub& presence;
  std::atomic<uint32_t> pending_hashes{0};
  AbuseLimits limits{config};
  media::MediaService* media = nullptr;  // uploads, blobs and downloads (set by main)
};

}  // namespace parley::server
