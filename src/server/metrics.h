// Server metrics, exposed at /metrics in the Prometheus text format. Thread-safe: counters are atomics,
// histograms take a small lock (they are observed per store batch, not per frame).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "common/result.h"

namespace parley::server {

class Histogram {
 public:
  explicit Histogram(std::vector<double> upper_bounds);
  void observe(double value);
  void render(std::string& out, const std::string& name, const std::string& help) const;

 private:
  std::vector<double> bounds_;
  mutable std::mutex mu_;
  std::vector<uint64_t> counts_;  // one per bound, plus +Inf
  double sum_ = 0;
  uint64_t count_ = 0;
};

struct Metrics {
  std::atomic<int64_t> connections{0};
  std::atomic<uint64_t> connections_total{0};
  std::atomic<uint64_t> frames_received{0};
  std::atomic<uint64_t> frames_sent{0};
  std::atomic<uint64_t> socket_writes{0};  // WebSocket writes to the kernel; below frames_sent when coalescing
  std::atomic<uint64_t> messages_stored{0};
  std::atomic<uint64_t> messages_delivered{0};
  std::atomic<uint64_t> slow_consumers_closed{0};
  std::atomic<uint64_t> tls_handshake_failures{0};   // on tls_listen: bad clients, old TLS versions, timeouts
  std::atomic<uint64_t> media_blobs_stored{0};        // uploads that became a blob (new or deduplicated)
  std::atomic<uint64_t> media_upload_bytes{0};        // upload body bytes received
  std::atomic<uint64_t> media_uploads_refused{0};     // uploads whose processing refused the content
  std::atomic<uint64_t> media_download_bytes{0};      // bytes of blobs queued to clients (ranges included)
  std::array<std::atomic<uint64_t>, 16> errors{};  // by ErrorCode
  Histogram store_batch_size{{1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024}};
  Histogram store_commit_seconds{{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5}};

  void count_error(ErrorCode code) {
    auto i = static_cast<size_t>(code);
    if (i < errors.size()) errors[i].fetch_add(1, std::memory_order_relaxed);
  }
  std::string render() const;
};

}  // namespace parley::server
