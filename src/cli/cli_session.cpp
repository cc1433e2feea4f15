#include "cli/cli_session.h"

#include <iostream>
#include <stdexcept>

namespace parley::cli {

void Output::out(const std::string& line) {
  std::lock_guard lock(mutex_);
  clear_unfinished();
  std::cout << line << std::endl;
  show_unfinished();
}

void Output::err(const std::string& line) {
  std::lock_guard lock(mutex_);
  clear_unfinished();
  std::cerr << line << std::endl;
  show_unfinished();
}

void Output::set_unfinished_input(std::string text) {
  std::lock_guard lock(mutex_);
  unfinished_ = std::move(text);
}

void Output::clear_unfinished() {
  if (!unfinished_.empty()) std::cerr << "\r\033[K" << std::flush;
}

void Output::show_unfinished() {
  if (!unfinished_.empty()) std::cerr << unfinished_ << std::flush;
}

bool is_terminal(ConnectionState state) {
  return state == ConnectionState::kLoggedOut || state == ConnectionState::kKicked ||
         state == ConnectionState::kTokenExpired || state == ConnectionState::kAuthFailed;
}

Session::Session(const std::string& server, const std::string& ca_file, const std::string& database,
                 SessionHooks hooks)
    : hooks_(std::move(hooks)) {
  ClientOptions options;
  options.server_url = server;
  options.tls_ca_file = ca_file;
  options.database_path = database;
  options.backoff_min = std::chrono::milliseconds(500);
  options.backoff_max = std::chrono::seconds(30);
  ClientCallbacks cb;
  cb.on_state = [this](const StateUpdate& u) {
    {
      std::lock_guard lock(mutex_);
      state_ = u.state;
      detail_ = u.detail;
      if (u.state == ConnectionState::kConnected) synced_ = true;
      if (u.state == ConnectionState::kConnecting || u.state == ConnectionState::kOffline) synced_ = false;
    }
    cv_.notify_all();
    if (hooks_.on_state) hooks_.on_state(u);
  };
  cb.on_message = [this](const MessageRecord& m, MessageOrigin o) {
    if (hooks_.on_message) hooks_.on_message(m, o);
  };
  cb.on_send = [this](const SendUpdate& u) {
    {
      std::lock_guard lock(mutex_);
      if (u.state != SendState::kSending) outcomes_[u.client_msg_id] = u;
    }
    cv_.notify_all();
    if (hooks_.on_send) hooks_.on_send(u);
  };
  cb.on_message_updated = [this](const MessageRecord& m) {
    if (hooks_.on_message_updated) hooks_.on_message_updated(m);
  };
  cb.on_event = [this](const EventUpdate& e) {
    if (hooks_.on_event) hooks_.on_event(e);
  };
  cb.on_read = [this](const std::string& c, uint64_t seq) {
    if (hooks_.on_read) hooks_.on_read(c, seq);
  };
  auto client = Client::create(std::move(options), std::move(cb));
  if (!client) throw std::runtime_error(client.error().message);
  client_ = std::move(*client);
}

ConnectionState Session::wait_ready(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  cv_.wait_for(lock, timeout, [&] { return synced_ || is_terminal(state_); });
  return synced_ ? ConnectionState::kConnected : state_;
}

std::optional<SendUpdate> Session::wait_send_outcome(const std::string& client_msg_id,
                                                     std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  cv_.wait_for(lock, timeout, [&] { return outcomes_.contains(client_msg_id) || is_terminal(state_); });
  auto it = outcomes_.find(client_msg_id);
  if (it == outcomes_.end()) return std::nullopt;
  return it->second;
}

std::string Session::last_detail() {
  std::lock_guard lock(mutex_);
  return detail_;
}

}  // namespace parley::cli
