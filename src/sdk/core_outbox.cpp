// The outbox: messages are stored before send_text() returns and go out when connected, one in flight per
// conversation (so a retry can never overtake a later message), retried with the same client_msg_id until the
// server acks (a resend of a committed message is acked again with duplicate: true).
#include "common/random.h"
#include "sdk/client_core.h"
#include "sdk/records.h"

namespace parley::sdk {
namespace {

constexpr size_t kMaxSendsInFlight = 32;
constexpr size_t kMaxTextBytes = size_t{1024} * 1024;  // a local sanity bound; the server's limit (16 KiB default) decides

bool valid_conversation_id(const std::string& id) {
  return id.size() > 2 && id.size() <= 200 && (id.starts_with("d:") || id.starts_with("g:"));
}

// Errors after which the same request may succeed later. Everything else fails the message.
bool retriable(int code) {
  return code == v1::UNAVAILABLE || code == v1::RATE_LIMITED || code == v1::INTERNAL || code == kErrorOffline ||
         code == kErrorTimeout || code == kErrorStopped;
}

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

ClientResult<std::string> ClientCore::send_text(const std::string& conversation_id, const std::string& text) {
  auto bad = [](std::string message) {
    return ClientResult<std::string>(std::unexpected(ClientError{kErrorBadArgument, std::move(message)}));
  };
  if (user_id().empty()) return bad("not logged in: the outbox needs to know the sender");
  if (!valid_conversation_id(conversation_id)) {
    return bad("'" + conversation_id + "' is not a conversation id (d:<a>:<b> or g:<id>)");
  }
  if (text.empty()) return bad("the message text is empty");
  if (text.size() > kMaxTextBytes) return bad("the message text is larger than 1 MiB");
  if (!is_valid_utf8(text)) return bad("the message text is not valid UTF-8");
  OutboxRow row;
  row.client_msg_id = device_id_ + "-" + random_token(10);
  row.conversation_id = conversation_id;
  row.text = text;
  row.state = SendState::kSending;
  row.created_ms = wall_ms();
  auto added = guarded([&]() -> ClientResult<void> {
    if (store_->outbox_unsent_count() >= options_.max_outbox) {
      return std::unexpected(ClientError{
          kErrorOutboxFull, std::to_string(options_.max_outbox) + " messages are waiting to be sent already"});
    }
    store_->add_outbox(row);
    return {};
  });
  if (!added) return std::unexpected(added.error());
  if (!*added) return std::unexpected(added->error());
  emit([cb = callbacks_, u = SendUpdate{conversation_id, row.client_msg_id, SendState::kSending, 0, ""}] {
    if (cb->on_send) cb->on_send(u);
  });
  pump_outbox();
  return row.client_msg_id;
}

ClientResult<void> ClientCore::resend(const std::string& client_msg_id) {
  auto row = guarded([&] { return store_->outbox_row(client_msg_id); });
  if (!row) return std::unexpected(row.error());
  if (!*row || (*row)->state != SendState::kFailed) {
    return std::unexpected(ClientError{kErrorBadArgument, "no failed message with client_msg_id " + client_msg_id});
  }
  auto ok = guarded([&] { store_->set_outbox_state(client_msg_id, SendState::kSending, ""); });
  if (!ok) return ok;
  emit([cb = callbacks_, u = SendUpdate{(*row)->conversation_id, client_msg_id, SendState::kSending, 0, ""}] {
    if (cb->on_send) cb->on_send(u);
  });
  pump_outbox();
  return {};
}

ClientResult<void> ClientCore::cancel(const std::string& client_msg_id) {
  auto row = guarded([&] { return store_->outbox_row(client_msg_id); });
  if (!row) return std::unexpected(row.error());
  if (!*row)
    return std::unexpected(ClientError{kErrorBadArgument, "no unsent message with client_msg_id " + client_msg_id});
  auto in_flight = sending_.find((*row)->conversation_id);
  if (in_flight != sending_.end() && in_flight->second == client_msg_id) {
    return std::unexpected(ClientError{kErrorBadArgument, "the message is being sent right now"});
  }
  return guarded([&] { store_->remove_outbox(client_msg_id); });
}

std::vector<MessageRecord> ClientCore::unsent(uint32_t limit) {
  std::vector<MessageRecord> out;
  for (const auto& row : store_->outbox_all(limit)) out.push_back(to_record(row, me_));
  return out;
}

void ClientCore::pump_outbox() {
  if (!authenticated_ || outbox_retry_scheduled_ || sending_.size() >= kMaxSendsInFlight) return;
  auto rows = guarded([&] { return store_->outbox_sending(500); });
  if (!rows) return;
  std::set<std::string> seen;
  for (const auto& row : *rows) {
    if (sending_.size() >= kMaxSendsInFlight) break;
    // Only the oldest unsent message of each conversation may go.
    if (!seen.insert(row.conversation_id).second || sending_.contains(row.conversation_id)) continue;
    sending_[row.conversation_id] = row.client_msg_id;
    v1::ClientFrame frame;
    auto* send = frame.mutable_send_message();
    send->set_conversation_id(row.conversation_id);
    send->set_client_msg_id(row.client_msg_id);
    send->set_text(row.text);
    uint64_t generation = generation_;
    request(std::move(frame), [this, row, generation](Reply reply) {
      if (generation != generation_) return;  // the link went down: sending_ was reset, the retry is ours
      on_send_reply(row, std::move(reply));
    });
  }
}

void ClientCore::on_send_reply(const OutboxRow& row, Reply reply) {
  if (reply) {
    const auto& ack = reply->send_message();
    v1::Message message;
    message.set_conversation_id(ack.conversation_id());
    message.set_seq(ack.seq());
    message.set_server_msg_id(ack.server_msg_id());
    message.set_client_msg_id(row.client_msg_id);
    message.set_sender_id(me_);
    message.set_timestamp_ms(ack.timestamp_ms());
    message.set_kind(v1::TEXT);
    message.set_text(row.text);
    auto stored_max = guarded([&] { return store_->max_stored_seq(row.conversation_id); });
    // Reports kSent even when another process on this database (or a pull) already moved the row out of the
    // outbox: this send's caller waits for its ack.
    auto ok = guarded([&] { store_message(message, std::nullopt, true); });
    sending_.erase(row.conversation_id);
    if (!ok) {
      link_down("cannot store a sent message: " + ok.error().message);
      return;
    }
    outbox_backoff_.reset();
    if (stored_max) check_gap(row.conversation_id, *stored_max, ack.seq());
    pump_outbox();
    return;
  }
  sending_.erase(row.conversation_id);
  const ClientError& error = reply.error();
  if (error.code == kErrorOffline || error.code == kErrorStopped) return;  // resent after the reconnect
  if (retriable(error.code)) {
    schedule_outbox_retry();
    return;
  }
  auto ok = guarded([&] { store_->set_outbox_state(row.client_msg_id, SendState::kFailed, error.message); });
  if (ok) {
    emit([cb = callbacks_,
          u = SendUpdate{row.conversation_id, row.client_msg_id, SendState::kFailed, 0, error.message}] {
      if (cb->on_send) cb->on_send(u);
    });
  }
  pump_outbox();
}

void ClientCore::schedule_outbox_retry() {
  if (outbox_retry_scheduled_) return;
  outbox_retry_scheduled_ = true;
  outbox_timer_.expires_after(outbox_backoff_.next());
  outbox_timer_.async_wait([this](boost::system::error_code ec) {
    outbox_retry_scheduled_ = false;
    if (!ec) pump_outbox();
  });
}

}  // namespace parley::sdk
