// Catching up and staying current: delta sync from the saved cursor, the newest page of each changed
// conversation, gap filling by seq, server events, lazy older history, read cursors and groups.
#include <boost/asio/post.hpp>

#include <algorithm>

#include "sdk/client_core.h"
#include "sdk/records.h"

namespace parley::sdk {
namespace {

bool is_operation(const v1::Message& m) {
  return m.kind() == v1::EDIT || m.kind() == v1::REVOKE || m.kind() == v1::REACTION;
}

constexpr uint32_t kPullPage = 100;    // messages per pull request (the server caps it at max_pull_limit)
constexpr uint64_t kNewestPage = 100;  // a conversation further behind than this gets its newest page only
constexpr int kMaxConcurrentPulls = 4;
constexpr size_t kMaxQueuedPulls = 10000;
constexpr int kMaxPagesPerJob = 1000;
constexpr uint64_t kNoUpperBound = uint64_t{1} << 62;

}  // namespace

// --- sync ---

void ClientCore::start_sync() {
  syncing_ = true;
  sync_pages_done_ = false;
  sync_jobs_left_ = 0;
  uint64_t cursor = 0;
  auto saved = guarded([&] { return store_->meta(kMetaSyncCursor); });
  if (saved && *saved) cursor = std::strtoull((*saved)->c_str(), nullptr, 10);
  sync_page(cursor, ++sync_generation_);
}

void ClientCore::sync_page(uint64_t cursor, uint64_t generation) {
  v1::ClientFrame frame;
  frame.mutable_sync()->set_cursor(cursor);
  request(std::move(frame), [this, generation](Reply reply) {
    if (generation != sync_generation_ || !syncing_) return;
    if (!reply) {
      if (reply.error().code != kErrorOffline && reply.error().code != kErrorStopped) {
        link_down("sync failed: " + reply.error().message);
      }
      return;
    }
    const auto& page = reply->sync();
    auto applied = guarded([&] {
      Transaction tx(store_->db());
      for (const auto& c : page.conversations()) store_->apply_summary(c);
      // Saved with the page applied. What is still to be pulled is not tied to the cursor: it is derived from
      // the store (max_seq above the newest stored seq), so a drop before the pulls finish loses nothing.
      store_->set_meta(kMetaSyncCursor, std::to_string(page.cursor()));
      tx.commit();
    });
    if (!applied) {
      link_down("cannot store sync results: " + applied.error().message);
      return;
    }
    for (const auto& c : page.conversations()) emit_conversation(c.conversation_id());
    // Events replayed by sync (friends, deletions for me, ...), after the summaries they may refine.
    for (const auto& e : page.events()) handle_event(e, MessageOrigin::kSync);
    if (page.has_more()) {
      sync_page(page.cursor(), generation);
      return;
    }
    sync_pages_done_ = true;
    refresh_contacts_for_sync();
    auto behind = guarded([&] { return store_->conversations_behind(kMaxQueuedPulls); });
    if (behind) {
      for (const auto& b : *behind) {
        PullJob job{b.conversation_id, b.stored_seq, 0, false, true};
        if (b.max_seq - b.stored_seq > kNewestPage) {
          job.newest_page = true;
          job.before_seq = b.max_seq + 1;
        }
        ++sync_jobs_left_;
        enqueue_pull(std::move(job));
      }
    }
    finish_sync_if_done();
  });
}

void ClientCore::finish_sync_if_done() {
  if (!syncing_ || !sync_pages_done_ || sync_jobs_left_ > 0) return;
  syncing_ = false;
  set_state(ConnectionState::kConnected, "connected to " + options_.server_url + " as " + user_id());
  emit([cb = callbacks_] {
    if (cb->on_synced) cb->on_synced();
  });
}

// --- pulls ---

void ClientCore::enqueue_pull(PullJob job) {
  if (pull_queue_.size() >= kMaxQueuedPulls) {
    // Too many gaps at once: drop this job; a fresh sync after the next reconnect finds what is missing.
    if (job.for_sync) --sync_jobs_left_;
    return;
  }
  pull_queue_.push_back(std::move(job));
  run_pulls();
}

void ClientCore::run_pulls() {
  while (authenticated_ && pulls_running_ < kMaxConcurrentPulls && !pull_queue_.empty()) {
    PullJob job = std::move(pull_queue_.front());
    pull_queue_.pop_front();
    ++pulls_running_;
    pull_step(std::move(job), 0);
  }
}

void ClientCore::pull_step(PullJob job, int pages) {
  v1::ClientFrame frame;
  auto* pull = frame.mutable_pull_messages();
  pull->set_conversation_id(job.conversation_id);
  pull->set_limit(kPullPage);
  if (job.newest_page) {
    pull->set_before_seq(job.before_seq);
  } else {
    pull->set_after_seq(job.after_seq);
    if (job.before_seq) pull->set_before_seq(job.before_seq);
  }
  uint64_t generation = generation_;
  request(std::move(frame), [this, job = std::move(job), pages, generation](Reply reply) mutable {
    if (generation != generation_) return;  // the link went down; close_link reset the pull bookkeeping
    if (!reply) {
      // PERMISSION_DENIED and friends: nothing to fetch there. Link errors end the link anyway.
      if (reply.error().code != kErrorOffline && reply.error().code != kErrorStopped) pull_finished(job);
      return;
    }
    const auto& messages = reply->pull_messages().messages();
    uint64_t last = job.after_seq;
    auto stored = guarded([&] {
      // Oldest first, so a gap is filled in order and on_message reports in seq order.
      std::vector<const v1::Message*> ordered;
      for (const auto& m : messages) ordered.push_back(&m);
      std::sort(ordered.begin(), ordered.end(), [](auto* a, auto* b) { return a->seq() < b->seq(); });
      for (const auto* m : ordered) {
        store_message(*m, MessageOrigin::kSync);
        last = std::max(last, m->seq());
      }
    });
    if (!stored) {
      link_down("cannot store messages: " + stored.error().message);
      return;
    }
    bool more = !job.newest_page && !reply->pull_messages().end() && !messages.empty() && pages + 1 < kMaxPagesPerJob &&
                (job.before_seq == 0 || last + 1 < job.before_seq);
    if (more) {
      job.after_seq = last;
      pull_step(std::move(job), pages + 1);
      return;
    }
    pull_finished(job);
  });
}

void ClientCore::pull_finished(const PullJob& job) {
  --pulls_running_;
  if (job.for_sync) --sync_jobs_left_;
  run_pulls();
  finish_sync_if_done();
}

void ClientCore::check_gap(const std::string& conversation_id, uint64_t stored_max, uint64_t seq) {
  if (seq > stored_max + 1) enqueue_pull(PullJob{conversation_id, stored_max, seq, false, false});
}

// --- events ---

void ClientCore::handle_event(const v1::Event& event, MessageOrigin origin) {
  // One case per event kind in proto/parley/v1/envelope.proto. -Wswitch flags a kind added there and not here.
  switch (event.kind_case()) {
    case v1::Event::kMessage:
      on_pushed_message(event.message());
      break;
    case v1::Event::kRead: {
      const auto& read = event.read();
      auto ok = guarded([&] { store_->clear_read_pending(read.conversation_id(), read.read_seq()); });
      if (!ok) break;
      emit([cb = callbacks_, conversation = read.conversation_id(), seq = read.read_seq()] {
        if (cb->on_read) cb->on_read(conversation, seq);
      });
      emit_conversation(read.conversation_id());
      break;
    }
    case v1::Event::kKicked: {
      const auto& kicked = event.kicked();
      if (kicked.reason() == v1::KickedEvent::EXPIRED && !refresh_token_.empty()) {
        // Reconnecting authenticates with the expired token, gets TOKEN_EXPIRED and refreshes.
        link_down("session token expired: refreshing");
        break;
      }
      token_.clear();
      refresh_token_.clear();
      (void)guarded([&] {
        store_->erase_meta(kMetaToken);
        store_->erase_meta(kMetaRefreshToken);
      });
      enter_terminal(
          kicked.reason() == v1::KickedEvent::EXPIRED ? ConnectionState::kTokenExpired : ConnectionState::kKicked,
          "signed out by the server (" + v1::KickedEvent::Reason_Name(kicked.reason()) + "): " + kicked.message());
      break;
    }
    case v1::Event::kReceipt: {
      const auto& r = event.receipt();
      if (r.user_id() == me_) break;  // my own cursors arrive as ReadEvent
      (void)guarded([&] { store_->set_peer_cursors(r.conversation_id(), r.delivered_seq(), r.read_seq()); });
      emit_event(EventKind::kReceipt, r.conversation_id(), proto_json(r), origin);
      emit_conversation(r.conversation_id());
      break;
    }
    case v1::Event::kTyping:
      emit_event(EventKind::kTyping, event.typing().conversation_id(), proto_json(event.typing()), origin);
      break;
    case v1::Event::kPresence:
      emit_event(EventKind::kPresence, "", proto_json(event.presence()), origin);
      break;
    case v1::Event::kFriend:
      apply_friend_event(event.friend_());
      emit_event(EventKind::kFriend, "", proto_json(event.friend_()), origin);
      break;
    case v1::Event::kSettings: {
      const auto& st = event.settings();
      (void)guarded([&] { store_->set_settings(st.conversation_id(), st.settings(), st.hidden()); });
      emit_event(EventKind::kSettings, st.conversation_id(), proto_json(st), origin);
      emit_conversation(st.conversation_id());
      break;
    }
    case v1::Event::kMessagesDeleted: {
      const auto& d = event.messages_deleted();
      std::vector<uint64_t> seqs(d.seqs().begin(), d.seqs().end());
      (void)guarded([&] {
        Transaction tx(store_->db());
        store_->delete_messages(d.conversation_id(), seqs, d.cleared_seq());
        tx.commit();
      });
      emit_event(EventKind::kMessagesDeleted, d.conversation_id(), proto_json(d), origin);
      emit_conversation(d.conversation_id());
      break;
    }
    case v1::Event::kJoinRequest:
      emit_event(EventKind::kJoinRequest, event.join_request().request().conversation_id(),
                 proto_json(event.join_request()), origin);
      break;
    case v1::Event::kPrivacy:
      emit_event(EventKind::kPrivacy, "", proto_json(event.privacy()), origin);
      break;
    case v1::Event::KIND_NOT_SET:
      // An event kind newer than this SDK: nothing to do; what it changed reaches us through sync.
      break;
  }
}

void ClientCore::on_pushed_message(const v1::Message& message) {
  if (!authenticated_) return;
  auto stored_max = guarded([&] { return store_->max_stored_seq(message.conversation_id()); });
  if (!stored_max) return;
  auto ok = guarded([&] { return store_message(message, MessageOrigin::kLive); });
  if (!ok) return;
  check_gap(message.conversation_id(), *stored_max, message.seq());
}

bool ClientCore::store_message(const v1::Message& message, std::optional<MessageOrigin> origin, bool acked_here) {
  std::optional<OutboxRow> ours;
  if (message.sender_id() == me_ && !message.client_msg_id().empty())
    ours = store_->outbox_row(message.client_msg_id());
  bool is_new;
  {
    Transaction tx(store_->db());
    if (ours) store_->remove_outbox(ours->client_msg_id);
    is_new = store_->insert_message(message, me_);
    tx.commit();
  }
  auto in_flight = sending_.find(message.conversation_id());
  bool awaiting_ack = in_flight != sending_.end() && in_flight->second == message.client_msg_id();
  if (acked_here || (ours && !awaiting_ack)) {
    // Sent: reported once per client, by the ack when this client has the send in flight, else by whichever
    // copy of the message arrives first (a pull after a lost ack, or a restart).
    emit([cb = callbacks_,
          u = SendUpdate{message.conversation_id(), message.client_msg_id(), SendState::kSent, message.seq(), ""}] {
      if (cb->on_send) cb->on_send(u);
    });
  } else if (is_new && origin && !is_operation(message)) {
    emit([cb = callbacks_, record = to_record(message), o = *origin] {
      if (cb->on_message) cb->on_message(record, o);
    });
  }
  if (is_new) emit_conversation(message.conversation_id());
  if (is_new && origin && message.sender_id() != me_) note_delivered(message.conversation_id(), message.seq());
  if (is_new && is_operation(message) && message.target_seq() > 0) {
    refresh_target(message.conversation_id(), message.target_seq());
  }
  return is_new;
}

void ClientCore::emit_event(EventKind kind, std::string conversation_id, std::string json, MessageOrigin origin) {
  emit([cb = callbacks_, u = EventUpdate{kind, std::move(conversation_id), std::move(json), origin}] {
    if (cb->on_event) cb->on_event(u);
  });
}

void ClientCore::emit_message_updated(const v1::Message& message) {
  emit([cb = callbacks_, record = to_record(message)] {
    if (cb->on_message_updated) cb->on_message_updated(record);
  });
}

// --- operations on stored messages ---

void ClientCore::refresh_target(const std::string& conversation_id, uint64_t seq) {
  // Only messages stored here have state to refresh; a target never loaded arrives current when it is.
  auto stored = guarded([&] { return store_->message_at(conversation_id, seq).has_value(); });
  if (!stored || !*stored || !authenticated_) return;
  auto key = std::pair{conversation_id, seq};
  if (auto it = refreshing_.find(key); it != refreshing_.end()) {
    it->second = true;  // a pull is in flight and may predate this operation: pull again when it answers
    return;
  }
  if (refreshing_.size() >= kMaxRefreshes) return;  // the next sync pulls the operation again, and refreshes
  refreshing_.emplace(key, false);
  // While catching up, the refresh is part of it: on_synced waits for the target's final state.
  bool for_sync = syncing_;
  if (for_sync) ++sync_jobs_left_;
  // The server applies every operation to its target, so pulling the target gives its current state.
  v1::ClientFrame frame;
  auto* pull = frame.mutable_pull_messages();
  pull->set_conversation_id(conversation_id);
  pull->set_after_seq(seq - 1);
  pull->set_before_seq(seq + 1);
  pull->set_limit(1);
  uint64_t generation = generation_;
  request(std::move(frame), [this, key, generation, for_sync](Reply reply) {
    auto it = refreshing_.find(key);
    bool again = it != refreshing_.end() && it->second;
    if (it != refreshing_.end()) refreshing_.erase(it);
    if (generation != generation_) return;  // close_link reset the sync bookkeeping; a reconnect's sync refreshes
    if (reply) {
      for (const auto& m : reply->pull_messages().messages()) {
        if (m.seq() != key.second) continue;
        auto replaced = guarded([&] { return store_->replace_message(m); });
        if (replaced && *replaced) {
          emit_message_updated(m);
          emit_conversation(m.conversation_id());
        }
      }
    }
    if (again) refresh_target(key.first, key.second);
    if (for_sync) {
      --sync_jobs_left_;
      finish_sync_if_done();
    }
  });
}

// --- delivery receipts ---

void ClientCore::note_delivered(const std::string& conversation_id, uint64_t seq) {
  auto it = delivered_pending_.find(conversation_id);
  if (it != delivered_pending_.end()) {
    it->second = std::max(it->second, seq);
  } else if (delivered_pending_.size() < kMaxPendingDelivered) {
    delivered_pending_.emplace(conversation_id, seq);
  }  // else: over the bound; a later message of that conversation reports the cursor (it covers this one)
  if (delivered_flush_posted_) return;
  delivered_flush_posted_ = true;
  // Posted: every message stored by the current handler (a live burst, a pulled page) goes in one request.
  boost::asio::post(io_, [this] { flush_delivered(); });
}

void ClientCore::flush_delivered() {
  delivered_flush_posted_ = false;
  if (!authenticated_ || stopping_) return;  // unsent cursors: the server learns them from the next arrivals
  auto pending = std::move(delivered_pending_);
  delivered_pending_.clear();
  for (const auto& [conversation, seq] : pending) {
    v1::ClientFrame frame;
    frame.mutable_mark_delivered()->set_conversation_id(conversation);
    frame.mutable_mark_delivered()->set_seq(seq);
    request(std::move(frame), [](Reply) {});  // best effort: receipts are advisory
  }
}

void ClientCore::emit_conversation(const std::string& conversation_id) {
  auto record = guarded([&] { return store_->conversation(conversation_id); });
  if (!record || !*record) return;
  emit([cb = callbacks_, r = **record] {
    if (cb->on_conversation) cb->on_conversation(r);
  });
}

// --- reads ---

ClientResult<void> ClientCore::mark_read(const std::string& conversation_id, uint64_t seq) {
  auto ok = guarded([&] { store_->set_read_seq(conversation_id, seq, true); });
  if (!ok) return ok;
  emit_conversation(conversation_id);
  if (authenticated_) flush_pending_reads();
  return {};
}

void ClientCore::flush_pending_reads() {
  auto reads = guarded([&] { return store_->pending_reads(); });
  if (!reads) return;
  for (const auto& [conversation, seq] : *reads) {
    v1::ClientFrame frame;
    frame.mutable_mark_read()->set_conversation_id(conversation);
    frame.mutable_mark_read()->set_seq(seq);
    request(std::move(frame), [this, conversation](Reply reply) {
      if (reply) {
        (void)guarded([&] { store_->clear_read_pending(conversation, reply->mark_read().read_seq()); });
      } else if (reply.error().code < kErrorOffline && reply.error().code != v1::UNAVAILABLE &&
                 reply.error().code != v1::RATE_LIMITED) {
        (void)guarded([&] { store_->drop_read_pending(conversation); });  // refused: do not retry forever
      }
    });
  }
}

// --- local reads and history ---

std::vector<ConversationRecord> ClientCore::conversations() { return store_->conversations(); }

std::vector<MessageRecord> ClientCore::messages(const std::string& conversation_id, uint64_t before_seq,
                                                uint32_t limit) {
  auto stored = store_->messages_before(conversation_id, before_seq, limit);
  std::vector<MessageRecord> out;
  for (auto it = stored.rbegin(); it != stored.rend(); ++it) {
    if (!is_operation(*it)) out.push_back(to_record(*it));  // their effect is on their targets
  }
  if (before_seq == 0) {
    for (const auto& row : store_->outbox_of(conversation_id)) out.push_back(to_record(row, me_));
  }
  return out;
}

std::vector<MessageRecord> ClientCore::search(const std::string& query, uint32_t limit) {
  std::vector<MessageRecord> out;
  for (const auto& m : store_->search(query, limit)) out.push_back(to_record(m));
  return out;
}

ClientResult<MessageRecord> ClientCore::find_message(const std::string& client_msg_id) {
  auto found = guarded([&]() -> ClientResult<MessageRecord> {
    if (auto row = store_->outbox_row(client_msg_id)) return to_record(*row, me_);
    if (auto m = store_->message_by_client_id(client_msg_id)) return to_record(*m);
    return std::unexpected(ClientError{v1::NOT_FOUND, "no message with client_msg_id " + client_msg_id});
  });
  if (!found) return std::unexpected(found.error());
  return *found;
}

void ClientCore::load_history(std::string conversation_id, uint64_t before_seq, uint32_t limit,
                              Done<std::vector<MessageRecord>> done) {
  limit = std::clamp<uint32_t>(limit, 1, 1000);
  auto local = guarded([&] {
    auto stored = store_->messages_before(conversation_id, before_seq, limit);  // newest first
    auto state = store_->conversation_state(conversation_id);
    uint64_t floor = std::max<uint64_t>(1, state.min_seq);
    uint64_t top = before_seq ? before_seq - 1 : std::max(state.max_seq, stored.empty() ? 0 : stored.front().seq());
    bool contiguous = true;
    uint64_t expected = top;
    for (const auto& m : stored) {
      if (m.seq() != expected) {
        contiguous = false;
        break;
      }
      --expected;
    }
    bool complete = contiguous && (stored.size() == limit || expected < floor);
    return std::pair{complete, top};
  });
  if (!local) return complete(done, ClientResult<std::vector<MessageRecord>>(std::unexpected(local.error())));
  auto answer = [this, conversation_id, before_seq, limit, done]() mutable {
    auto records = guarded([&] { return messages(conversation_id, before_seq, limit); });
    if (records && before_seq == 0) {
      // history is about stored messages; unsent ones are not part of it
      std::erase_if(*records, [](const MessageRecord& r) { return r.seq == 0; });
    }
    complete(done, std::move(records));
  };
  if (local->first || !authenticated_) return answer();
  v1::ClientFrame frame;
  auto* pull = frame.mutable_pull_messages();
  pull->set_conversation_id(conversation_id);
  pull->set_before_seq(local->second > 0 ? local->second + 1 : kNoUpperBound);
  pull->set_limit(limit);
  request(std::move(frame), [this, answer = std::move(answer), done](Reply reply) mutable {
    if (reply) {
      (void)guarded([&] {
        for (const auto& m : reply->pull_messages().messages()) store_message(m, std::nullopt);
      });
    }
    answer();
  });
}

// --- groups ---

void ClientCore::create_group(std::string name, std::vector<std::string> member_ids, Done<ConversationRecord> done) {
  if (!authenticated_) {
    return complete(done, ClientResult<ConversationRecord>(
                              std::unexpected(ClientError{kErrorOffline, "creating a group needs a connection"})));
  }
  v1::ClientFrame frame;
  frame.mutable_create_group()->set_name(std::move(name));
  for (auto& id : member_ids) frame.mutable_create_group()->add_member_ids(std::move(id));
  request(std::move(frame), [this, done = std::move(done)](Reply reply) mutable {
    if (!reply) return complete(done, ClientResult<ConversationRecord>(std::unexpected(reply.error())));
    const auto& summary = reply->create_group().conversation();
    auto stored = guarded([&] {
      Transaction tx(store_->db());
      store_->apply_summary(summary);
      tx.commit();
      if (summary.has_last_message()) store_message(summary.last_message(), std::nullopt);
      return store_->conversation(summary.conversation_id()).value_or(to_record(summary));
    });
    complete(done, std::move(stored));
  });
}

void ClientCore::change_members(bool add, std::string conversation_id, std::vector<std::string> user_ids,
                                Done<uint64_t> done) {
  if (!authenticated_) {
    return complete(done, ClientResult<uint64_t>(
                              std::unexpected(ClientError{kErrorOffline, "changing members needs a connection"})));
  }
  v1::ClientFrame frame;
  auto fill = [&](auto* r) {
    r->set_conversation_id(conversation_id);
    for (auto& id : user_ids) r->add_user_ids(id);
  };
  if (add)
    fill(frame.mutable_add_members());
  else
    fill(frame.mutable_remove_members());
  request(std::move(frame), [this, add, conversation_id, done = std::move(done)](Reply reply) mutable {
    if (!reply) return complete(done, ClientResult<uint64_t>(std::unexpected(reply.error())));
    uint64_t seq = add ? reply->add_members().seq() : reply->remove_members().seq();
    // The requesting connection gets no event for its own change: fetch the system message.
    auto stored_max = guarded([&] { return store_->max_stored_seq(conversation_id); });
    if (stored_max) check_gap(conversation_id, *stored_max, seq + 1);
    complete(done, ClientResult<uint64_t>(seq));
  });
}

}  // namespace parley::sdk
