// The protocol-neutral scenarios of the peer comparison (`parley-bench compare`): the same open-loop generator
// drives Parley, an MQTT broker or an XMPP server through ChatClient (chat_client.h).
//
// direct: N pairs; in each, A sends to B (Parley: the direct conversation; MQTT: B's own topic u/<B>; XMPP:
//   a chat message to B's full JID).
// fanout: one sender and one group of M receiving members (Parley: a group made with create_group; MQTT: one
//   topic g/<name> with M subscribers; XMPP: a multi-user chat room the M members joined).
//
// Every message's payload starts with "<id>:<scheduled ns>:" and is padded to text_bytes, so a receiver
// knows which message it got and when it was due. Latencies run from the scheduled time (no coordinated
// omission); acks are counted where the protocol has them (Parley's send_message response after the message
// is durable, MQTT QoS 1 PUBACK), XMPP has none.
//
// Threading: one load thread runs every client on its own io_context. LoadScenario's methods are called from
// one coordinating thread; they post to the load thread and block on futures.
#pragma once

#include <boost/asio/io_context.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <expected>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "chat_client.h"
#include "latency_histogram.h"
#include "step_stats.h"

namespace parley::bench {

enum class Shape { kDirect, kFanout };

struct LoadOptions {
  ChatClientOptions client;
  Shape shape = Shape::kDirect;
  int pairs = 50;               // direct
  int group_size = 100;         // fanout: receiving members (the sender comes on top)
  uint32_t text_bytes = 100;    // payload length (at least the header's length)
  uint32_t tick_us = 250;
  int setup_concurrency = 16;   // clients setting up at once
  size_t max_queued_bytes = 8 << 20;  // per client; a due message beyond it is counted CLIENT_BACKLOG
  std::string user_prefix;      // user ids are <prefix>s<i> (senders) and <prefix>r<i> (receivers)
  int source_addresses = 1;     // Parley: client k connects from 127.0.0.(1 + k % N)
};

struct LoadStepStats {
  uint64_t offered = 0;              // scheduled in the window
  uint64_t sent = 0;                 // of those, handed to a connection
  uint64_t acked_ok = 0, acked_error = 0;
  uint64_t expected_deliveries = 0;  // sent x recipients
  uint64_t delivered = 0;            // deliveries of window messages
  uint64_t completed = 0;            // window messages every recipient received
  uint64_t acks_in_window = 0, deliveries_in_window = 0;  // arrivals inside the window, for throughput
  uint64_t undelivered = 0;          // deliveries still missing when the step ended
  uint64_t unexpected = 0;           // payloads that named no pending message (duplicates, leftovers)
  uint64_t connections_lost = 0;
  std::map<std::string, uint64_t> errors;
  LatencyHistogram ack_latency;        // scheduled -> ack (Parley, MQTT QoS 1)
  LatencyHistogram delivery_latency;   // scheduled -> each recipient got it
  LatencyHistogram last_delivery;      // scheduled -> the last recipient got it (fan-out)
  LatencyHistogram send_lag;           // scheduled -> handed to the connection (the generator's own delay)
};

struct LoadProgress {
  uint64_t sent = 0, acked = 0, delivered = 0, errors = 0;
};

class LoadScenario {
 public:
  explicit LoadScenario(LoadOptions options);
  ~LoadScenario();  // closes the clients and joins the load thread
  LoadScenario(const LoadScenario&) = delete;
  LoadScenario& operator=(const LoadScenario&) = delete;

  // Sets every client up, subscribes/joins/creates the group. Blocks; an error says what failed.
  std::expected<void, std::string> set_up(std::chrono::seconds timeout);
  // Starts one step (warm-up, window, drain); the future is ready after the drain.
  std::future<LoadStepStats> start_step(const StepPlan& plan);
  LoadProgress progress() const;

  int recipients_per_message() const { return options_.shape == Shape::kDirect ? 1 : options_.group_size; }
  int senders() const { return options_.shape == Shape::kDirect ? options_.pairs : 1; }

 private:
  class Impl;
  LoadOptions options_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace parley::bench
