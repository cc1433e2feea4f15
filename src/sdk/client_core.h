// The single-sequence core of a Client: connection manager, request tracking, sync, event handling and the
// outbox, all on the client thread (nothing here locks). Client (client.cpp) owns the thread and posts every
// public call here.
//
// The files: core_connection.cpp (connect, authenticate, heartbeat, reconnect, requests),
// core_sync.cpp (delta sync, pulls, gap filling, events, history), core_outbox.cpp (sending).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>

#include "parley/client.h"
#include "parley/v1/envelope.pb.h"
#include "sdk/local_store.h"
#include "sdk/retry_policy.h"
#include "sdk/ws_transport.h"

namespace parley::sdk {

using Reply = ClientResult<v1::ServerFrame>;
using ReplyHandler = std::function<void(Reply)>;
using SteadyTime = std::chrono::steady_clock::time_point;

class ClientCore {
 public:
  ClientCore(boost::asio::io_context& io, ClientOptions options, ClientCallbacks callbacks,
             std::unique_ptr<LocalStore> store, ServerAddress address);
  ~ClientCore();

  // Everything below runs on the client thread.
  void start();
  void shutdown();

  struct Credentials {
    std::string user_id;
    std::string password;
    std::string display_name;
    bool register_first = false;
  };
  void login(Credentials credentials, Done<SessionSummary> done);
  void use_token(std::string token, Done<SessionSummary> done);
  void logout(Done<void> done);
  void network_changed();

  ClientResult<std::string> send_text(const std::string& conversation_id, const std::string& text);
  ClientResult<void> resend(const std::string& client_msg_id);
  ClientResult<void> cancel(const std::string& client_msg_id);
  ClientResult<void> mark_read(const std::string& conversation_id, uint64_t seq);

  std::vector<ConversationRecord> conversations();
  std::vector<MessageRecord> messages(const std::string& conversation_id, uint64_t before_seq, uint32_t limit);
  std::vector<MessageRecord> search(const std::string& query, uint32_t limit);
  ClientResult<MessageRecord> find_message(const std::string& client_msg_id);
  std::vector<MessageRecord> unsent(uint32_t limit);
  void load_history(std::string conversation_id, uint64_t before_seq, uint32_t limit,
                    Done<std::vector<MessageRecord>> done);

  void create_group(std::string name, std::vector<std::string> member_ids, Done<ConversationRecord> done);
  void change_members(bool add, std::string conversation_id, std::vector<std::string> user_ids, Done<uint64_t> done);

  // Edits, revokes, reactions, typing, friends, presence, server search (core_social.cpp).
  void edit(std::string conversation_id, uint64_t seq, std::string text, Done<MessageRecord> done);
  void revoke(std::string conversation_id, uint64_t seq, Done<MessageRecord> done);
  void react(std::string conversation_id, uint64_t seq, std::string emoji, ReactionChange change,
             Done<MessageRecord> done);
  void set_typing(std::string conversation_id, bool typing, Done<void> done);
  // A request built by the caller, its response as JSON. When it succeeds, apply_reply keeps the store in step
  // (friends/blocks cache, SYSTEM messages of group changes) before `done` runs.
  void call(v1::ClientFrame frame, Done<std::string> done);

  // My settings for a conversation, deletions and clearing for me (core_conversation_admin.cpp).
  void update_settings(std::string conversation_id, SettingsChange change, Done<ConversationRecord> done);
  void delete_for_me(std::string conversation_id, std::vector<uint64_t> seqs, Done<void> done);
  void clear_for_me(std::string conversation_id, uint64_t up_to_seq, Done<uint64_t> done);
  void leave_group(std::string conversation_id, Done<uint64_t> done);

  // The friends/blocks cache (core_contacts.cpp).
  std::vector<ContactRecord> contacts(LocalStore::Relation relation) { return store_->contacts(relation); }

  // Readable from any thread.
  ConnectionState state() const { return state_.load(); }
  std::string user_id() const;
  const std::string& session_token() const { return token_; }  // client thread

 private:
  // --- connection (core_connection.cpp) ---
  void connect_now();
  void on_open(uint64_t generation, const std::string& error);
  void on_frame(uint64_t generation, std::string_view payload, bool text);
  void on_closed(uint64_t generation, const std::string& reason);
  // The link is gone (or declared dead): fail what was in flight, then reconnect unless in a terminal state.
  void link_down(const std::string& reason);
  // Drops the transport and fails every request in flight with `code` (after the link is marked closed, so
  // their handlers see it gone).
  void close_link(int code = kErrorOffline, const std::string& why = "connection closed");
  void schedule_reconnect(const std::string& reason);
  void enter_terminal(ConnectionState state, const std::string& detail);
  void set_state(ConnectionState state, const std::string& detail, Millis retry_in = Millis(0));
  void authenticate_step();
  void on_auth_reply(Reply reply, const std::string& step);
  void on_authenticated(const v1::SessionInfo& session, bool save_tokens);
  void finish_auth(ClientResult<SessionSummary> result);
  void schedule_tick();
  void tick();
  // Renews the session on the live connection shortly before the token expires (needs a refresh token).
  void refresh_if_due();
  void remember_expiry(int64_t expires_at_ms);
  // Sends a request on the open link; `handler` gets the response, or kErrorOffline / kErrorTimeout.
  void request(v1::ClientFrame frame, ReplyHandler handler, std::optional<Millis> timeout = std::nullopt);
  void fail_pending(int code, const std::string& message);
  bool authenticated() const { return authenticated_; }

  // --- sync and events (core_sync.cpp) ---
  void start_sync();
  void sync_page(uint64_t cursor, uint64_t generation);
  void finish_sync_if_done();
  struct PullJob {
    std::string conversation_id;
    uint64_t after_seq = 0;
    uint64_t before_seq = 0;   // 0: no upper bound
    bool newest_page = false;  // one page below before_seq instead of everything after after_seq
    bool for_sync = false;
  };
  void enqueue_pull(PullJob job);
  void run_pulls();
  void pull_step(PullJob job, int pages);
  void pull_finished(const PullJob& job);
  void handle_event(const v1::Event& event, MessageOrigin origin = MessageOrigin::kLive);
  void emit_event(EventKind kind, std::string conversation_id, std::string json, MessageOrigin origin);
  void emit_message_updated(const v1::Message& message);
  // An EDIT/REVOKE/REACTION arrived for `seq`: re-pull the target (when stored here) and store its new state.
  void refresh_target(const std::string& conversation_id, uint64_t seq);
  // Delivery receipts: coalesced per conversation, sent once the current batch of arrivals is stored.
  void note_delivered(const std::string& conversation_id, uint64_t seq);
  void flush_delivered();
  void operation(v1::ClientFrame frame, Done<MessageRecord> done);
  // Sends a request needing no local bookkeeping; `done` gets the response as JSON.
  void server_call(v1::ClientFrame frame, Done<std::string> done);
  void on_pushed_message(const v1::Message& message);
  // Stores a message and reports it: on_send (kSent) when it is one of ours from the outbox (or `acked_here`:
  // the caller holds its ack), else on_message when new and `origin` is set. True when new.
  bool store_message(const v1::Message& message, std::optional<MessageOrigin> origin, bool acked_here = false);
  // A message at `seq` arrived while `stored_max` was the newest stored: pull what lies between.
  void check_gap(const std::string& conversation_id, uint64_t stored_max, uint64_t seq);
  void flush_pending_reads();
  void emit_conversation(const std::string& conversation_id);

  // --- keeping the store in step with passed-through calls ---
  void apply_reply(const v1::ClientFrame& request, const v1::ServerFrame& reply);
  // core_groups.cpp: a group change answered with the seq of its SYSTEM message: fetch that message.
  void apply_group_reply(const v1::ClientFrame& request, const v1::ServerFrame& reply);
  // core_contacts.cpp: the friends/blocks cache.
  void apply_contacts_reply(const v1::ClientFrame& request, const v1::ServerFrame& reply);
  void apply_friend_event(const v1::FriendEvent& event);
  // Refreshes the cache from the server as part of catching up (on_synced waits for it).
  void refresh_contacts_for_sync();

  // --- outbox (core_outbox.cpp) ---
  void pump_outbox();
  void on_send_reply(const OutboxRow& row, Reply reply);
  void schedule_outbox_retry();

  // --- helpers ---
  void emit(std::function<void()> fn);
  template <typename T>
  void complete(Done<T>& done, ClientResult<T> result) {
    if (!done) return;
    emit([done = std::move(done), result = std::move(result)]() mutable { done(std::move(result)); });
    done = nullptr;
  }
  // Runs a store operation; turns StorageError into kErrorStorage.
  template <typename F>
  auto guarded(F&& f) -> ClientResult<decltype(f())>;

  boost::asio::io_context& io_;
  ClientOptions options_;
  std::shared_ptr<const ClientCallbacks> callbacks_;
  std::unique_ptr<LocalStore> store_;
  ServerAddress address_;
  std::mt19937_64 rng_;

  // Identity and session.
  std::string me_;
  mutable std::mutex me_mutex_;  // me_ is also read by Client::user_id() from other threads
  std::string device_id_;
  std::string token_;
  std::string refresh_token_;
  std::optional<Credentials> pending_login_;
  int64_t token_expires_ms_ = 0;  // 0: no proactive refresh
  int64_t refresh_margin_ms_ = 0;
  bool refresh_in_flight_ = false;
  Done<SessionSummary> auth_done_;
  bool started_ = false;
  bool stopping_ = false;

  // Link.
  std::atomic<ConnectionState> state_{ConnectionState::kLoggedOut};
  std::shared_ptr<Transport> transport_;
  uint64_t generation_ = 0;
  bool link_open_ = false;
  bool authenticated_ = false;
  Backoff backoff_;
  Heartbeat heartbeat_;
  boost::asio::steady_timer retry_timer_;
  boost::asio::steady_timer tick_timer_;
  SteadyTime next_ping_at_{};
  bool ping_in_flight_ = false;
  struct Pending {
    ReplyHandler handler;
    SteadyTime deadline;
  };
  std::map<uint64_t, Pending> pending_;
  uint64_t next_req_id_ = 1;

  // Sync.
  bool syncing_ = false;
  uint64_t sync_generation_ = 0;
  bool sync_pages_done_ = false;
  int sync_jobs_left_ = 0;
  std::deque<PullJob> pull_queue_;
  int pulls_running_ = 0;

  // Targets of operations being re-pulled (bounded).
  static constexpr size_t kMaxRefreshes = 256;
  std::map<std::pair<std::string, uint64_t>, bool> refreshing_;  // true: pull again when it answers
  // Delivered cursors not sent yet, per conversation (bounded).
  static constexpr size_t kMaxPendingDelivered = 1000;
  std::map<std::string, uint64_t> delivered_pending_;
  bool delivered_flush_posted_ = false;

  // Outbox: conversation -> client_msg_id of the send in flight (one per conversation keeps the order).
  std::map<std::string, std::string> sending_;
  Backoff outbox_backoff_;
  boost::asio::steady_timer outbox_timer_;
  bool outbox_retry_scheduled_ = false;
};

template <typename F>
auto ClientCore::guarded(F&& f) -> ClientResult<decltype(f())> {
  try {
    if constexpr (std::is_void_v<decltype(f())>) {
      f();
      return {};
    } else {
      return f();
    }
  } catch (const StorageError& e) {
    return std::unexpected(ClientError{kErrorStorage, e.what()});
  }
}

}  // namespace parley::sdk
