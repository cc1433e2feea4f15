// Reads parleyd's /metrics page (Prometheus text format) over loopback HTTP, so each benchmark step can
// record what the server saw: group-commit batch sizes, commit times, messages stored, errors.
//
// Threading: scrape_metrics() blocks the calling thread (at most `timeout`); call it from the coordinator,
// never from a load-generating io_context thread.
#pragma once

#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <map>
#include <optional>
#include <string>

namespace parley::bench {

// One scrape: every sample line keyed by its name with labels exactly as printed, e.g.
// `parley_store_batch_size_sum` or `parley_errors_total{code="RATE_LIMITED"}`.
struct MetricsSnapshot {
  std::map<std::string, double> samples;

  // The sample's value, or 0 when the server did not print it.
  double value(const std::string& key) const {
    auto it = samples.find(key);
    return it == samples.end() ? 0.0 : it->second;
  }
};

// GET /metrics; nullopt when the server cannot be reached or does not answer 200 within `timeout`.
std::optional<MetricsSnapshot> scrape_metrics(const boost::asio::ip::tcp::endpoint& server,
                                              std::chrono::milliseconds timeout);

// Parses the Prometheus text format (comments skipped, malformed lines ignored).
MetricsSnapshot parse_prometheus_text(std::string_view text);

}  // namespace parley::bench
