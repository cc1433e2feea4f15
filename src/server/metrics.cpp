#include "server/metrics.h"

#include <fmt/format.h>

namespace parley::server {

Histogram::Histogram(std::vector<double> upper_bounds)
    : bounds_(std::move(upper_bounds)), counts_(bounds_.size() + 1, 0) {}

void Histogram::observe(double value) {
  std::lock_guard lock(mu_);
  size_t i = 0;
  while (i < bounds_.size() && value > bounds_[i]) ++i;
  ++counts_[i];
  sum_ += value;
  ++count_;
}

void Histogram::render(std::string& out, const std::string& name, const std::string& help) const {
  std::lock_guard lock(mu_);
  out += fmt::format("# HELP {} {}\n# TYPE {} histogram\n", name, help, name);
  uint64_t cumulative = 0;
  for (size_t i = 0; i < bounds_.size(); ++i) {
    cumulative += counts_[i];
    out += fmt::format("{}_bucket{{le=\"{}\"}} {}\n", name, bounds_[i], cumulative);
  }
  cumulative += counts_.back();
  out += fmt::format("{}_bucket{{le=\"+Inf\"}} {}\n{}_sum {}\n{}_count {}\n", name, cumulative, name, sum_, name,
                     count_);
}

namespace {

void counter(std::string& out, const char* name, const char* help, uint64_t value, const char* type = "counter") {
  out += fmt::format("# HELP {} {}\n# TYPE {} {}\n{} {}\n", name, help, name, type, name, value);
}

}  // namespace

std::string Metrics::render() const {
  std::string out;
  counter(out, "parley_connections", "Open WebSocket connections.",
          static_cast<uint64_t>(std::max<int64_t>(0, connections.load())), "gauge");
  counter(out, "parley_connections_total", "WebSocket connections accepted.", connections_total.load());
  counter(out, "parley_frames_received_total", "WebSocket frames received.", frames_received.load());
  counter(out, "parley_frames_sent_total", "WebSocket frames sent.", frames_sent.load());
  counter(out, "parley_socket_writes_total", "Socket writes on WebSocket connections (frames coalesce into them).",
          socket_writes.load());
  counter(out, "parley_messages_stored_total", "Messages committed (acked).", messages_stored.load());
  counter(out, "parley_messages_delivered_total", "Message events queued to online devices.",
          messages_delivered.load());
  counter(out, "parley_media_blobs_stored_total", "Uploads that became a blob (new or deduplicated).",
          media_blobs_stored.load());
  counter(out, "parley_media_upload_bytes_total", "Upload body bytes received.", media_upload_bytes.load());
  counter(out, "parley_media_uploads_refused_total", "Uploads whose content processing refused.",
          media_uploads_refused.load());
  counter(out, "parley_media_download_bytes_total", "Blob bytes sent to clients.", media_download_bytes.load());
  counter(out, "parley_slow_consumers_closed_total", "Connections closed for not reading fast enough.",
          slow_consumers_closed.load());
  counter(out, "parley_tls_handshake_failures_total", "TLS handshakes that failed or timed out.",
          tls_handshake_failures.load());
  out += "# HELP parley_errors_total Errors returned to clients, by code.\n# TYPE parley_errors_total counter\n";
  for (size_t i = 1; i < errors.size(); ++i) {
    if (!v1::ErrorCode_IsValid(static_cast<int>(i))) continue;
    out += fmt::format("parley_errors_total{{code=\"{}\"}} {}\n", code_name(static_cast<ErrorCode>(i)),
                       errors[i].load());
  }
  store_batch_size.render(out, "parley_store_batch_size", "Writes per group commit.");
  store_commit_seconds.render(out, "parley_store_commit_seconds", "Time to run and commit one batch.");
  return out;
}

}  // namespace parley::server
