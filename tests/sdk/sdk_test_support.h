// Shared pieces of the SDK tests: a recorder of every callback with bounded waits, a client factory with
// short timings, and a free loopback port (so a restarted parleyd comes back on the same address).
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "parley/client.h"

namespace parley::testing {

using namespace std::chrono_literals;

// Records every callback of one Client. Thread-safe; waits are bounded.
class Recorder {
 public:
  ClientCallbacks callbacks() {
    ClientCallbacks cb;
    cb.on_state = [this](const StateUpdate& u) {
      add([&] {
        states.push_back(u.state);
        last_detail = u.detail;
      });
    };
    cb.on_message = [this](const MessageRecord& m, MessageOrigin o) {
      add([&] {
        messages.push_back(m);
        origins.push_back(o);
      });
      if (on_message_hook) on_message_hook(m, o);
    };
    cb.on_send = [this](const SendUpdate& u) {
      add([&] {
        sends.push_back(u);
        if (u.state == SendState::kSent) sent[u.client_msg_id] = u.seq;
        if (u.state == SendState::kFailed) failed[u.client_msg_id] = u.error;
      });
    };
    cb.on_read = [this](const std::string& c, uint64_t seq) { add([&] { reads.emplace_back(c, seq); }); };
    cb.on_synced = [this] { add([&] { ++synced; }); };
    cb.on_message_updated = [this](const MessageRecord& m) { add([&] { updated.push_back(m); }); };
    cb.on_event = [this](const EventUpdate& e) { add([&] { events.push_back(e); }); };
    return cb;
  }

  // Waits until `pred` (called under the lock) holds; false on timeout.
  bool wait(const std::function<bool()>& pred, std::chrono::milliseconds timeout = 20s) {
    std::unique_lock lock(mutex);
    return cv.wait_for(lock, timeout, pred);
  }
  bool wait_state(ConnectionState s, std::chrono::milliseconds timeout = 20s) {
    return wait([&] { return !states.empty() && states.back() == s; }, timeout);
  }
  template <typename F>
  auto locked(F&& f) {
    std::lock_guard lock(mutex);
    return f();
  }

  std::mutex mutex;
  std::condition_variable cv;
  std::vector<ConnectionState> states;
  std::string last_detail;
  std::vector<MessageRecord> messages;
  std::vector<MessageOrigin> origins;
  std::vector<SendUpdate> sends;
  std::map<std::string, uint64_t> sent;
  std::map<std::string, std::string> failed;
  std::vector<std::pair<std::string, uint64_t>> reads;
  int synced = 0;
  std::vector<MessageRecord> updated;  // on_message_updated
  std::vector<EventUpdate> events;     // on_event
  std::function<void(const MessageRecord&, MessageOrigin)> on_message_hook;  // runs on the client's thread

 private:
  template <typename F>
  void add(F&& f) {
    {
      std::lock_guard lock(mutex);
      f();
    }
    cv.notify_all();
  }
};

// A temp directory removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/parley-sdk-test-XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline ClientOptions fast_options(uint16_t port, const std::string& database, const std::string& device) {
  ClientOptions o;
  o.server_url = "ws://127.0.0.1:" + std::to_string(port) + "/v1/ws";
  o.database_path = database;
  o.device_id = device;
  o.backoff_min = 50ms;
  o.backoff_max = 400ms;
  o.heartbeat_min = 1s;
  o.heartbeat_max = 4s;
  o.request_timeout = 5s;
  return o;
}

inline std::unique_ptr<Client> make_client(const ClientOptions& options, Recorder& recorder) {
  auto client = Client::create(options, recorder.callbacks());
  EXPECT_TRUE(client.has_value()) << (client ? "" : client.error().message);
  return client ? std::move(*client) : nullptr;
}

// A loopback port that was free a moment ago (bind to 0, read it, close).
uint16_t free_loopback_port();

}  // namespace parley::testing
