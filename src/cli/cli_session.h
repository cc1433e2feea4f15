// One account's libparley Client for the duration of a command, with waits on its callbacks and one
// serialized output (callbacks print from the client thread while the main thread reads the terminal).
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "parley/client.h"

namespace parley::cli {

// Lines to stdout and stderr from any thread, never interleaved.
class Output {
 public:
  explicit Output(bool json) : json_(json) {}
  bool json() const { return json_; }
  void out(const std::string& line);
  void err(const std::string& line);
  // The line the user is typing on the terminal (chat in keystroke mode): lines printed meanwhile clear it
  // first and show it again after, so incoming messages never break into it.
  void set_unfinished_input(std::string text);

 private:
  void clear_unfinished();
  void show_unfinished();

  bool json_;
  std::mutex mutex_;
  std::string unfinished_;
};

struct SessionHooks {
  std::function<void(const MessageRecord&, MessageOrigin)> on_message;
  std::function<void(const SendUpdate&)> on_send;
  std::function<void(const StateUpdate&)> on_state;
  std::function<void(const std::string&, uint64_t)> on_read;
  std::function<void(const MessageRecord&)> on_message_updated;
  std::function<void(const EventUpdate&)> on_event;
};

class Session {
 public:
  // Opens the account database. Throws std::runtime_error with a message for people.
  Session(const std::string& server, const std::string& ca_file, const std::string& database,
          SessionHooks hooks = {});

  Client& client() { return *client_; }

  // Waits until connected and caught up, a terminal state, or the timeout; returns the state then.
  ConnectionState wait_ready(std::chrono::milliseconds timeout);
  // Waits for the outcome of one sent message; nullopt on timeout.
  std::optional<SendUpdate> wait_send_outcome(const std::string& client_msg_id, std::chrono::milliseconds timeout);
  // The last state detail ("cannot reach server at …; retrying in 4.0 s").
  std::string last_detail();

  template <typename T>
  static std::optional<ClientResult<T>> wait_done(const std::function<void(Done<T>)>& call,
                                                  std::chrono::milliseconds timeout);

 private:
  SessionHooks hooks_;
  std::mutex mutex_;
  std::condition_variable cv_;
  ConnectionState state_ = ConnectionState::kConnecting;  // until the client reports
  bool synced_ = false;
  std::string detail_;
  std::map<std::string, SendUpdate> outcomes_;
  std::unique_ptr<Client> client_;
};

template <typename T>
std::optional<ClientResult<T>> Session::wait_done(const std::function<void(Done<T>)>& call,
                                                  std::chrono::milliseconds timeout) {
  auto state = std::make_shared<std::pair<std::mutex, std::condition_variable>>();
  auto result = std::make_shared<std::optional<ClientResult<T>>>();
  call([state, result](ClientResult<T> r) {
    std::lock_guard lock(state->first);
    *result = std::move(r);
    state->second.notify_all();
  });
  std::unique_lock lock(state->first);
  state->second.wait_for(lock, timeout, [&] { return result->has_value(); });
  return *result;
}

bool is_terminal(ConnectionState state);

}  // namespace parley::cli
