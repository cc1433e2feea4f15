// Connection manager: connect, authenticate (login / token / refresh), heartbeat, request deadlines,
// reconnect with backoff, terminal states.
#include <boost/asio/post.hpp>

#include <algorithm>

#include "common/random.h"
#include "protocol/codec.h"
#include "sdk/client_core.h"
#include "sdk/records.h"

namespace parley::sdk {
namespace {

constexpr Millis kTick(200);
constexpr size_t kMaxPendingRequests = 100;  // the server pauses reading at 128 by default

bool retriable(int code) {
  return code == v1::UNAVAILABLE || code == v1::RATE_LIMITED || code == v1::INTERNAL || code == kErrorOffline ||
         code == kErrorTimeout;
}

std::string seconds_text(Millis d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, d.count() < 10000 ? "%.1f s" : "%.0f s", static_cast<double>(d.count()) / 1000.0);
  return buf;
}

}  // namespace

ClientCore::ClientCore(boost::asio::io_context& io, ClientOptions options, ClientCallbacks callbacks,
                       std::unique_ptr<LocalStore> store, ServerAddress address)
    : io_(io),
      options_(std::move(options)),
      callbacks_(std::make_shared<const ClientCallbacks>(std::move(callbacks))),
      store_(std::move(store)),
      address_(std::move(address)),
      rng_(random_u64()),
      backoff_(options_.backoff_min, options_.backoff_max, random_u64()),
      heartbeat_(options_.heartbeat_min, options_.heartbeat_max),
      retry_timer_(io),
      tick_timer_(io),
      outbox_backoff_(std::chrono::milliseconds(500), std::chrono::seconds(30), random_u64()),
      outbox_timer_(io) {
  me_ = store_->meta(kMetaUserId).value_or("");
  token_ = store_->meta(kMetaToken).value_or("");
  refresh_token_ = store_->meta(kMetaRefreshToken).value_or("");
  device_id_ = options_.device_id;
  if (device_id_.empty()) device_id_ = store_->meta(kMetaDeviceId).value_or("");
  if (device_id_.empty()) device_id_ = "dev-" + random_token(10);
  store_->set_meta(kMetaDeviceId, device_id_);
}

ClientCore::~ClientCore() = default;

std::string ClientCore::user_id() const {
  std::lock_guard lock(me_mutex_);
  return me_;
}

void ClientCore::emit(std::function<void()> fn) {
  if (options_.callback_executor) {
    options_.callback_executor(std::move(fn));
  } else {
    boost::asio::post(io_, std::move(fn));
  }
}

void ClientCore::set_state(ConnectionState state, const std::string& detail, Millis retry_in) {
  state_ = state;
  emit([cb = callbacks_, update = StateUpdate{state, detail, retry_in}] {
    if (cb->on_state) cb->on_state(update);
  });
}

void ClientCore::start() {
  if (started_ || stopping_) return;
  started_ = true;
  if (token_.empty() && !pending_login_) {
    set_state(ConnectionState::kLoggedOut, "no saved session: log in");
    return;
  }
  connect_now();
}

void ClientCore::shutdown() {
  stopping_ = true;
  retry_timer_.cancel();
  outbox_timer_.cancel();
  close_link(kErrorStopped, "the client is shutting down");
  finish_auth(std::unexpected(ClientError{kErrorStopped, "the client is shutting down"}));
}

void ClientCore::connect_now() {
  if (stopping_ || transport_) return;
  if (token_.empty() && !pending_login_) return;
  retry_timer_.cancel();
  set_state(ConnectionState::kConnecting, "connecting to " + options_.server_url);
  uint64_t generation = ++generation_;
  TransportCallbacks callbacks;
  callbacks.on_open = [this, generation](const std::string& error) { on_open(generation, error); };
  callbacks.on_message = [this, generation](std::string_view payload, bool text) {
    on_frame(generation, payload, text);
  };
  callbacks.on_closed = [this, generation](const std::string& reason) { on_closed(generation, reason); };
  transport_ = open_transport(io_, address_, options_.request_timeout, std::move(callbacks));
}

void ClientCore::on_open(uint64_t generation, const std::string& error) {
  if (generation != generation_) return;
  if (!error.empty()) {
    transport_.reset();
    schedule_reconnect("cannot reach server at " + options_.server_url + ": " + error);
    return;
  }
  link_open_ = true;
  schedule_tick();
  authenticate_step();
}

void ClientCore::on_closed(uint64_t generation, const std::string& reason) {
  if (generation != generation_) return;
  link_down("connection to " + options_.server_url + " lost: " + reason);
}

void ClientCore::close_link(int code, const std::string& why) {
  ++generation_;  // callbacks of the old transport are ignored from here on
  if (transport_) transport_->close();
  transport_.reset();
  link_open_ = false;
  authenticated_ = false;
  ping_in_flight_ = false;
  refresh_in_flight_ = false;
  tick_timer_.cancel();
  syncing_ = false;
  pull_queue_.clear();
  pulls_running_ = 0;
  sync_jobs_left_ = 0;
  sending_.clear();
  fail_pending(code, why);
}

void ClientCore::link_down(const std::string& reason) {
  bool was_authenticated = authenticated_;
  close_link(kErrorOffline, reason);
  if (was_authenticated) heartbeat_.on_failure();
  if (stopping_) return;
  switch (state_.load()) {
    case ConnectionState::kKicked:
    case ConnectionState::kTokenExpired:
    case ConnectionState::kAuthFailed:
    case ConnectionState::kLoggedOut:
      return;
    default:
      schedule_reconnect(reason);
  }
}

void ClientCore::schedule_reconnect(const std::string& reason) {
  if (stopping_) return;
  Millis delay = backoff_.next();
  set_state(ConnectionState::kOffline, reason + "; retrying in " + seconds_text(delay), delay);
  retry_timer_.expires_after(delay);
  retry_timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec) connect_now();
  });
}

void ClientCore::enter_terminal(ConnectionState state, const std::string& detail) {
  close_link(kErrorOffline, detail);
  retry_timer_.cancel();
  set_state(state, detail);
}

void ClientCore::network_changed() {
  if (stopping_) return;
  if (transport_ && authenticated_) {
    next_ping_at_ = SteadyTime{};  // probe the link at the next tick
    return;
  }
  if (!transport_ && state_.load() == ConnectionState::kOffline) {
    backoff_.reset();
    connect_now();
  }
}

void ClientCore::login(Credentials credentials, Done<SessionSummary> done) {
  {
    std::lock_guard lock(me_mutex_);
    if (!me_.empty() && me_ != credentials.user_id) {
      complete(
          done,
          ClientResult<SessionSummary>(std::unexpected(ClientError{
              kErrorBadArgument, "this database belongs to " + me_ + "; use another one for " + credentials.user_id})));
      return;
    }
  }
  finish_auth(std::unexpected(ClientError{kErrorStopped, "replaced by a newer login"}));
  auth_done_ = std::move(done);
  pending_login_ = std::move(credentials);
  started_ = true;
  close_link();
  backoff_.reset();
  connect_now();
}

void ClientCore::use_token(std::string token, Done<SessionSummary> done) {
  finish_auth(std::unexpected(ClientError{kErrorStopped, "replaced by a newer login"}));
  auth_done_ = std::move(done);
  pending_login_.reset();
  token_ = std::move(token);
  refresh_token_.clear();
  auto saved = guarded([&] {
    store_->set_meta(kMetaToken, token_);
    store_->erase_meta(kMetaRefreshToken);
  });
  if (!saved) return finish_auth(std::unexpected(saved.error()));
  started_ = true;
  close_link();
  backoff_.reset();
  connect_now();
}

void ClientCore::logout(Done<void> done) {
  auto forget = [this] {
    token_.clear();
    refresh_token_.clear();
    (void)guarded([&] {
      store_->erase_meta(kMetaToken);
      store_->erase_meta(kMetaRefreshToken);
    });
    enter_terminal(ConnectionState::kLoggedOut, "logged out");
  };
  if (!authenticated_) {
    forget();
    complete(done, ClientResult<void>());
    return;
  }
  v1::ClientFrame frame;
  frame.mutable_logout();
  request(std::move(frame), [this, forget, done = std::move(done)](Reply reply) mutable {
    forget();
    if (reply || reply.error().code == kErrorOffline) return complete(done, ClientResult<void>());
    complete(done, ClientResult<void>(std::unexpected(reply.error())));
  });
}

void ClientCore::authenticate_step() {
  v1::ClientFrame frame;
  if (pending_login_) {
    if (pending_login_->register_first) {
      auto* r = frame.mutable_register_user();
      r->set_user_id(pending_login_->user_id);
      r->set_password(pending_login_->password);
      r->set_display_name(pending_login_->display_name);
      request(std::move(frame), [this](Reply reply) { on_auth_reply(std::move(reply), "register"); });
      return;
    }
    auto* l = frame.mutable_login();
    l->set_user_id(pending_login_->user_id);
    l->set_password(pending_login_->password);
    l->set_device_id(device_id_);
    v1::Platform platform = v1::LINUX;
    if (!v1::Platform_Parse(options_.platform, &platform)) platform = v1::PLATFORM_UNSPECIFIED;
    l->set_platform(platform);
    request(std::move(frame), [this](Reply reply) { on_auth_reply(std::move(reply), "login"); });
    return;
  }
  if (!token_.empty()) {
    frame.mutable_authenticate()->set_token(token_);
    request(std::move(frame), [this](Reply reply) { on_auth_reply(std::move(reply), "authenticate"); });
    return;
  }
  enter_terminal(ConnectionState::kLoggedOut, "no saved session: log in");
}

void ClientCore::on_auth_reply(Reply reply, const std::string& step) {
  if (reply) {
    const auto& f = *reply;
    if (step == "register") {
      pending_login_->register_first = false;
      authenticate_step();
    } else if (f.has_login()) {
      pending_login_.reset();
      on_authenticated(f.login().session(), true);
    } else if (f.has_refresh()) {
      on_authenticated(f.refresh().session(), true);
    } else if (f.has_authenticate()) {
      on_authenticated(f.authenticate().session(), false);
    }
    return;
  }
  const ClientError& error = reply.error();
  if (error.code == kErrorOffline || error.code == kErrorStopped) return;  // link_down already reconnects
  if (retriable(error.code)) {
    link_down(step + " failed: " + error.message);
    return;
  }
  if (pending_login_) {
    // A wrong password, a taken user id, …: report it and go back to the saved session (if any).
    pending_login_.reset();
    finish_auth(std::unexpected(error));
    if (token_.empty()) {
      enter_terminal(ConnectionState::kLoggedOut, step + " failed: " + error.message);
    } else {
      close_link();
      connect_now();
    }
    return;
  }
  if (step == "authenticate" && error.code == v1::TOKEN_EXPIRED && !refresh_token_.empty()) {
    v1::ClientFrame frame;
    frame.mutable_refresh()->set_refresh_token(refresh_token_);
    request(std::move(frame), [this](Reply r) { on_auth_reply(std::move(r), "refresh"); });
    return;
  }
  ConnectionState terminal =
      error.code == v1::TOKEN_EXPIRED ? ConnectionState::kTokenExpired : ConnectionState::kAuthFailed;
  if (terminal == ConnectionState::kAuthFailed) {
    token_.clear();
    refresh_token_.clear();
    (void)guarded([&] {
      store_->erase_meta(kMetaToken);
      store_->erase_meta(kMetaRefreshToken);
    });
  }
  finish_auth(std::unexpected(error));
  enter_terminal(terminal, step + " refused: " + error.message + "; log in again");
}

void ClientCore::on_authenticated(const v1::SessionInfo& session, bool save_tokens) {
  const std::string& user = session.user().user_id();
  {
    std::lock_guard lock(me_mutex_);
    if (!me_.empty() && me_ != user) {
      // A token of another user was handed to this database: refuse rather than mix two accounts.
      finish_auth(std::unexpected(
          ClientError{kErrorBadArgument, "this database belongs to " + me_ + ", the session is " + user}));
      enter_terminal(ConnectionState::kAuthFailed, "the session belongs to another user than this database");
      return;
    }
    me_ = user;
  }
  if (save_tokens) {
    token_ = session.token();
    refresh_token_ = session.refresh_token();
  }
  auto saved = guarded([&] {
    Transaction tx(store_->db());
    store_->set_meta(kMetaUserId, user);
    store_->set_meta(kMetaDisplayName, session.user().display_name());
    if (save_tokens) {
      store_->set_meta(kMetaToken, token_);
      store_->set_meta(kMetaRefreshToken, refresh_token_);
    }
    store_->set_meta(kMetaTokenExpiresMs, std::to_string(session.expires_at_ms()));
    tx.commit();
  });
  if (!saved) {
    finish_auth(std::unexpected(saved.error()));
    link_down("cannot save the session: " + saved.error().message);
    return;
  }
  authenticated_ = true;
  backoff_.reset();
  remember_expiry(session.expires_at_ms());
  next_ping_at_ = std::chrono::steady_clock::now() + heartbeat_.interval();
  finish_auth(SessionSummary{user, session.user().display_name(), session.device_id(), session.expires_at_ms()});
  set_state(ConnectionState::kSyncing, "connected to " + options_.server_url + " as " + user + "; syncing");
  flush_pending_reads();
  pump_outbox();
  start_sync();
}

static int64_t wall_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void ClientCore::remember_expiry(int64_t expires_at_ms) {
  token_expires_ms_ = expires_at_ms;
  // A fifth of the remaining lifetime, at most a minute: long-lived tokens renew a minute early, short ones
  // (tests) early enough to finish the round trip.
  refresh_margin_ms_ = std::clamp<int64_t>((expires_at_ms - wall_now_ms()) / 5, 0, 60000);
}

void ClientCore::refresh_if_due() {
  if (!authenticated_ || refresh_token_.empty() || refresh_in_flight_ || token_expires_ms_ <= 0) return;
  if (wall_now_ms() < token_expires_ms_ - refresh_margin_ms_) return;
  refresh_in_flight_ = true;
  v1::ClientFrame frame;
  frame.mutable_refresh()->set_refresh_token(refresh_token_);
  request(std::move(frame), [this](Reply reply) {
    refresh_in_flight_ = false;
    if (!reply) {
      // Give up renewing on this connection; at expiry the server kicks it (EXPIRED) and the reconnect
      // refreshes or reports the failure.
      token_expires_ms_ = 0;
      return;
    }
    const auto& session = reply->refresh().session();
    token_ = session.token();
    refresh_token_ = session.refresh_token();
    (void)guarded([&] {
      Transaction tx(store_->db());
      store_->set_meta(kMetaToken, token_);
      store_->set_meta(kMetaRefreshToken, refresh_token_);
      store_->set_meta(kMetaTokenExpiresMs, std::to_string(session.expires_at_ms()));
      tx.commit();
    });
    remember_expiry(session.expires_at_ms());
  });
}

void ClientCore::finish_auth(ClientResult<SessionSummary> result) { complete(auth_done_, std::move(result)); }

void ClientCore::schedule_tick() {
  tick_timer_.expires_after(kTick);
  uint64_t generation = generation_;
  tick_timer_.async_wait([this, generation](boost::system::error_code ec) {
    if (ec || generation != generation_) return;
    tick();
  });
}

void ClientCore::tick() {
  auto now = std::chrono::steady_clock::now();
  for (const auto& [id, p] : pending_) {
    if (p.deadline <= now) {
      heartbeat_.on_failure();
      link_down("the server did not answer within " + seconds_text(options_.request_timeout));
      return;
    }
  }
  refresh_if_due();
  if (authenticated_ && !ping_in_flight_ && now >= next_ping_at_) {
    ping_in_flight_ = true;
    v1::ClientFrame frame;
    frame.mutable_ping();
    request(std::move(frame), [this](Reply reply) {
      ping_in_flight_ = false;
      if (!reply) return;
      heartbeat_.on_success();
      next_ping_at_ = std::chrono::steady_clock::now() + heartbeat_.interval();
    });
  }
  schedule_tick();
}

void ClientCore::request(v1::ClientFrame frame, ReplyHandler handler, std::optional<Millis> timeout) {
  auto fail_later = [this, &handler](int code, std::string message) {
    boost::asio::post(io_, [handler = std::move(handler), code, message = std::move(message)] {
      handler(std::unexpected(ClientError{code, message}));
    });
  };
  if (stopping_) return fail_later(kErrorStopped, "the client is shutting down");
  if (!transport_ || !link_open_) return fail_later(kErrorOffline, "not connected to " + options_.server_url);
  if (pending_.size() >= kMaxPendingRequests) return fail_later(kErrorOffline, "too many requests in flight");
  uint64_t id = next_req_id_++;
  frame.set_req_id(id);
  if (!transport_->send(protocol::encode(frame, protocol::Encoding::kBinary))) {
    return fail_later(kErrorOffline, "the connection's send queue is full");
  }
  pending_[id] =
      Pending{std::move(handler), std::chrono::steady_clock::now() + timeout.value_or(options_.request_timeout)};
}

void ClientCore::fail_pending(int code, const std::string& message) {
  auto pending = std::move(pending_);
  pending_.clear();
  for (auto& [id, p] : pending) p.handler(std::unexpected(ClientError{code, message}));
}

void ClientCore::on_frame(uint64_t generation, std::string_view payload, bool text) {
  if (generation != generation_) return;
  auto frame = protocol::decode_server_frame(payload, text ? protocol::Encoding::kJson : protocol::Encoding::kBinary);
  if (!frame) return;  // a frame this SDK cannot read; the request it answers times out and the link is renewed
  if (frame->has_event()) {
    handle_event(frame->event());
    return;
  }
  auto it = pending_.find(frame->req_id());
  if (it == pending_.end()) return;
  auto handler = std::move(it->second.handler);
  pending_.erase(it);
  if (frame->has_error()) {
    handler(std::unexpected(ClientError{static_cast<int>(frame->error().code()), frame->error().message()}));
  } else {
    handler(std::move(*frame));
  }
}

}  // namespace parley::sdk
