// The `direct` scenario: N pairs of users, each user on its own WebSocket (protobuf frames). In every pair,
// A sends text messages to the direct conversation "d:<a>:<b>" and B receives them as event.message.
//
// Load is open-loop: a target total rate is spread evenly over the senders on a fixed schedule, and sends
// never wait for answers. Schedules are quantised to a tick grid (--tick-us); a message is stamped with
// the grid point it was due at, and its latencies run from that stamp.
//
// Threading: the pairs are split over `threads` load threads, each with its own io_context; a pair lives
// on one thread. DirectScenario's methods are called from one coordinating thread and block or poll;
// they talk to the load threads by posting and by futures.
#pragma once

#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <cstdint>
#include <expected>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "step_stats.h"

namespace parley::bench {

struct DirectOptions {
  boost::asio::ip::tcp::endpoint server;
  int pairs = 50;
  int threads = 1;
  uint32_t text_bytes = 100;        // length of each message's text
  uint32_t tick_us = 250;           // send schedule granularity
  int setup_concurrency = 16;       // users registering / logging in at once (password hashing is slow)
  size_t max_send_queue = 20000;    // per connection; beyond it a due message is counted CLIENT_BACKLOG
  std::string user_prefix;          // user ids are <prefix>a<i> and <prefix>b<i>
  std::string password = "bench-password";
};

class DirectScenario {
 public:
  explicit DirectScenario(DirectOptions options);
  ~DirectScenario();  // closes the connections and joins the load threads
  DirectScenario(const DirectScenario&) = delete;
  DirectScenario& operator=(const DirectScenario&) = delete;

  // Connects every user, registers it (an existing user with that id counts as registered) and logs it in.
  // Blocks; an error names the first user that failed and why.
  std::expected<void, std::string> set_up(std::chrono::seconds timeout);

  // Starts a step; every thread follows `plan` on its own. Then poll wait_step() until it returns the
  // merged statistics (after the drain phase).
  void start_step(const StepPlan& plan);
  std::optional<StepStats> wait_step(std::chrono::milliseconds timeout);

  // Totals since set-up, for progress lines; safe to call at any time.
  Progress progress() const;

  int senders() const { return options_.pairs; }

 private:
  class Shard;
  DirectOptions options_;
  std::vector<std::unique_ptr<Shard>> shards_;
  std::vector<std::future<StepStats>> running_step_;
};

}  // namespace parley::bench
