// One client device in the chaos run: its own thread and connection (through the fault proxy), sending text
// messages to its conversations the way the SDK's outbox does (one at a time, resent with the same
// client_msg_id until acked), recording every message it is given, and catching up by pulling after every
// reconnect. It survives anything the proxy and the server do to it; only stop() ends it.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "delivery_log.h"
#include "protocol/codec.h"

namespace parley::testing {

class WsClient;

class ChaosDevice {
 public:
  ChaosDevice(std::string user, std::string device, std::string token, std::vector<std::string> conversations,
              uint16_t port, protocol::Encoding encoding, DeliveryLog& log, uint32_t seed);
  ~ChaosDevice();

  const std::string& name() const { return name_; }
  void start();
  // Stops creating messages; the one in flight is still resent until acked.
  void stop_sending();
  // Stops reading its socket for `how_long` (a slow consumer), then reconnects.
  void stall(std::chrono::milliseconds how_long);
  // True once nothing is left to send (after stop_sending), within `timeout`.
  bool wait_outbox_empty(std::chrono::milliseconds timeout);
  // Pulls every conversation to its end once more and returns true when that finished within `timeout`.
  bool final_sync(std::chrono::milliseconds timeout);
  void stop();

  size_t connections() const { return connections_; }
  // What it is doing, for a failure message.
  std::string describe();
  size_t stalls() const { return stalls_; }

 private:
  struct Outgoing {
    std::string conversation;
    std::string client_msg_id;
  };

  void run();
  void serve(WsClient& client);
  bool catch_up(WsClient& client);
  bool send_pending(WsClient& client);
  void record(const std::string& conversation, uint64_t seq, const std::string& client_msg_id);
  void record_frame(const v1::ServerFrame& frame);
  void pause(std::chrono::milliseconds how_long);
  void note(std::string what);

  const std::string name_;
  const std::string token_;
  const std::vector<std::string> conversations_;
  const uint16_t port_;
  const protocol::Encoding encoding_;
  DeliveryLog& log_;
  std::minstd_rand rng_;

  std::map<std::string, History> seen_;  // this device's own copy, to know where to pull from
  std::optional<Outgoing> pending_;
  uint64_t sent_ = 0;

  std::mutex mu_;
  std::condition_variable changed_;
  bool quit_ = false;
  bool sending_ = true;
  bool outbox_empty_ = false;
  std::chrono::milliseconds stall_for_{0};
  int sync_requested_ = 0;
  int sync_done_ = 0;
  std::string doing_;
  std::string pending_text_;

  std::atomic<size_t> connections_{0};
  std::atomic<size_t> stalls_{0};
  std::thread thread_;
};

}  // namespace parley::testing
