// What one load step measured, and the plan it ran to. Each load thread fills its own StepStats; the
// coordinator merges them.
//
// Attribution: a message belongs to the measurement window when its *scheduled* send time lies in
// [measure_from_ns, measure_until_ns), wherever its ack or delivery lands (latencies are measured from the
// scheduled time, so a client or server that falls behind shows up as latency: no coordinated omission).
// Throughput counts acks and deliveries by *arrival* time inside the window.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>

#include "latency_histogram.h"

namespace parley::bench {

// Times are steady_clock nanoseconds (the same clock in every thread of the process).
struct StepPlan {
  int index = 0;
  uint32_t rate = 0;             // messages per second offered by all senders together
  int64_t start_ns = 0;          // warm-up begins
  int64_t measure_from_ns = 0;   // warm-up ends, measurement begins
  int64_t measure_until_ns = 0;  // sending stops
  int64_t drain_until_ns = 0;    // give up waiting for outstanding acks and deliveries

  double measured_seconds() const { return static_cast<double>(measure_until_ns - measure_from_ns) / 1e9; }
};

struct StepStats {
  // Messages scheduled inside the window, and what became of them.
  uint64_t offered = 0;
  uint64_t sent = 0;            // handed to the connection (the rest: client backlog full or connection lost)
  uint64_t acked_ok = 0;
  uint64_t acked_error = 0;
  uint64_t delivered = 0;       // the peer received the event
  uint64_t unacked = 0;         // no answer when the step ended (drain deadline passed)
  uint64_t undelivered = 0;     // acked but not received by the peer when the step ended

  // Arrivals inside the window, whenever the message was scheduled.
  uint64_t acks_in_window = 0;
  uint64_t deliveries_in_window = 0;

  // Protocol checks.
  uint64_t duplicate_acks = 0;       // ack with duplicate=true: the server thought it saw the id before
  uint64_t seq_gaps = 0;             // seqs skipped in a receiver's conversation
  uint64_t seq_regressions = 0;      // a seq at or below one already received
  uint64_t unexpected_frames = 0;    // undecodable, responses to unknown req_ids, events for other conversations
  uint64_t connections_lost = 0;

  // Errors by protocol code name, plus CLIENT_BACKLOG and DISCONNECTED for messages never sent; every
  // error observed while the step ran (warm-up included).
  std::map<std::string, uint64_t> errors;

  size_t max_send_queue = 0;         // deepest client write queue seen (messages)

  LatencyHistogram ack_latency;      // scheduled send -> ack received (ok acks only)
  LatencyHistogram delivery_latency; // scheduled send -> peer received the event
  LatencyHistogram send_lag;         // scheduled send -> handed to the connection (client-side delay)

  void merge(const StepStats& o) {
    offered += o.offered;
    sent += o.sent;
    acked_ok += o.acked_ok;
    acked_error += o.acked_error;
    delivered += o.delivered;
    unacked += o.unacked;
    undelivered += o.undelivered;
    acks_in_window += o.acks_in_window;
    deliveries_in_window += o.deliveries_in_window;
    duplicate_acks += o.duplicate_acks;
    seq_gaps += o.seq_gaps;
    seq_regressions += o.seq_regressions;
    unexpected_frames += o.unexpected_frames;
    connections_lost += o.connections_lost;
    for (const auto& [code, n] : o.errors) errors[code] += n;
    max_send_queue = std::max(max_send_queue, o.max_send_queue);
    ack_latency.merge(o.ack_latency);
    delivery_latency.merge(o.delivery_latency);
    send_lag.merge(o.send_lag);
  }
};

// Running totals for the live progress line, over the whole run.
struct Progress {
  uint64_t sent = 0;
  uint64_t acked = 0;
  uint64_t delivered = 0;
  uint64_t errors = 0;
};

}  // namespace parley::bench
