// Conversations and messages: send, groups and their members, read cursors.
#include "server/api/request.h"
#include "server/core/ids.h"
#include "server/core/message_rules.h"

namespace parley::server {
namespace {

constexpr size_t kMaxGroupName = 128, kMaxUsersPerChange = 1000;

Status validate_user_ids(const google::protobuf::RepeatedPtrField<std::string>& ids, size_t max) {
  if (ids.size() > static_cast<int>(max)) {
    return fail(v1::TOO_LARGE, "at most " + std::to_string(max) + " users per request");
  }
  for (const auto& id : ids) {
    if (!core::is_valid_name(id)) return fail(v1::INVALID_ARGUMENT, "'" + id + "' is not a valid user id");
  }
  return {};
}

}  // namespace

Status validate_group_settings(const v1::GroupInfo& g) {
  if (g.name().size() > kMaxGroupName) return fail(v1::INVALID_ARGUMENT, "name must be at most 128 bytes");
  if (g.avatar_url().size() > 2048) return fail(v1::INVALID_ARGUMENT, "avatar_url must be at most 2048 bytes");
  if (g.description().size() > 4096) return fail(v1::INVALID_ARGUMENT, "description must be at most 4096 bytes");
  if (g.announcement().size() > 16384) return fail(v1::INVALID_ARGUMENT, "announcement must be at most 16384 bytes");
  if (!v1::JoinPolicy_IsValid(g.join_policy())) return fail(v1::INVALID_ARGUMENT, "unknown join_policy");
  return {};
}

v1::ServerFrame message_event(v1::Message message) {
  v1::ServerFrame frame;
  *frame.mutable_event()->mutable_message() = std::move(message);
  return frame;
}

// Delivers a stored message to every online device of `recipients` except the requesting connection.
void fan_out(const Request& r, const std::vector<std::string>& recipients, v1::Message message) {
  size_t queued = publish(r, recipients, message_event(std::move(message)));
  r.services->metrics.messages_delivered.fetch_add(queued, std::memory_order_relaxed);
}

core::MessageLimits message_limits(const Config& config) {
  core::MessageLimits limits;
  limits.max_text_bytes = config.max_text_bytes;
  return limits;
}

void handle_send_message(const Request& r, const Identity& me, v1::SendMessageRequest& req) {
  const Config& config = r.services->config;
  if (!check_conversation_id(r, req.conversation_id())) return;
  if (req.client_msg_id().empty() || req.client_msg_id().size() > kMaxClientMsgId) {
    return r.error(v1::INVALID_ARGUMENT, "client_msg_id must be 1 to 64 bytes");
  }
  store::NewMessage m;
  if (req.has_message()) {
    if (!req.text().empty()) return r.error(v1::INVALID_ARGUMENT, "set either text or message, not both");
    m.content = std::move(*req.mutable_message());
    // Timeline fields and state are the server's to set.
    for (auto clear : {&v1::Message::clear_conversation_id, &v1::Message::clear_seq, &v1::Message::clear_server_msg_id,
                       &v1::Message::clear_client_msg_id, &v1::Message::clear_sender_id,
                       &v1::Message::clear_timestamp_ms, &v1::Message::clear_system, &v1::Message::clear_target_seq,
                       &v1::Message::clear_reaction, &v1::Message::clear_reaction_removed,
                       &v1::Message::clear_edited_at_ms, &v1::Message::clear_edit_count, &v1::Message::clear_revoked,
                       &v1::Message::clear_revoked_by, &v1::Message::clear_reactions}) {
      (m.content.*clear)();
    }
  } else {
    if (req.text().empty()) return r.error(v1::INVALID_ARGUMENT, "text must not be empty");
    m.content.set_kind(v1::TEXT);
    m.content.set_text(std::move(*req.mutable_text()));
  }
  if (m.content.kind() != v1::MERGED_FORWARD) m.content.clear_merged();  // only a merged forward carries copies
  if (auto ok = core::validate_message(m.content, message_limits(config)); !ok) return r.error(ok.error());
  const int64_t now = r.services->clock.now_ms();
  int64_t wait_ms = 0;
  if (!r.services->limits.messages_per_user.allow(me.user_id, now, &wait_ms)) {
    return r.error(v1::RATE_LIMITED, "you are sending messages too fast; " + retry_in(wait_ms));
  }
  if (!r.services->limits.messages_per_conversation.allow(req.conversation_id(), now, &wait_ms)) {
    return r.error(v1::RATE_LIMITED, "this conversation is receiving messages too fast; " + retry_in(wait_ms));
  }
  m.conversation_id = std::move(*req.mutable_conversation_id());
  m.sender_id = me.user_id;
  m.client_msg_id = std::move(*req.mutable_client_msg_id());
  m.timestamp_ms = now;
  r.services->store.append_message(std::move(m), [r](Result<store::AppendResult> appended) {
    if (!appended) return r.error(appended.error());
    v1::ServerFrame ack;
    auto* a = ack.mutable_send_message();
    a->set_conversation_id(appended->message.conversation_id());
    a->set_seq(appended->message.seq());
    a->set_server_msg_id(appended->message.server_msg_id());
    a->set_timestamp_ms(appended->message.timestamp_ms());
    a->set_duplicate(appended->duplicate);
    if (!appended->duplicate) {
      r.services->metrics.messages_stored.fetch_add(1, std::memory_order_relaxed);
      fan_out(r, appended->recipients, std::move(appended->message));
    }
    r.ok(std::move(ack));
  });
}

void handle_create_group(const Request& r, const Identity& me, v1::CreateGroupRequest& req) {
  const Config& config = r.services->config;
  v1::GroupInfo group = req.settings();
  group.set_name(req.name());
  group.clear_member_count();
  group.clear_owner_id();
  group.clear_dismissed();
  if (auto ok = validate_group_settings(group); !ok) return r.error(ok.error());
  if (auto ok = validate_user_ids(req.member_ids(), config.max_group_members); !ok) return r.error(ok.error());
  int64_t wait_ms = 0;
  if (!r.services->limits.groups_per_user.allow(me.user_id, r.services->clock.now_ms(), &wait_ms)) {
    return r.error(v1::RATE_LIMITED, "you have created " + std::to_string(config.max_groups_per_day) +
                                         " groups today; " + retry_in(wait_ms));
  }
  std::vector<std::string> members(req.member_ids().begin(), req.member_ids().end());
  r.services->store.create_group(
      core::new_group_id(), std::move(group), me.user_id, std::move(members), r.services->clock.now_ms(),
      [r](Result<store::MembershipChange> change) {
        if (!change) return r.error(change.error());
        v1::ServerFrame out;
        auto* c = out.mutable_create_group()->mutable_conversation();
        c->set_conversation_id(change->system_message.conversation_id());
        c->set_kind(v1::GROUP);
        c->set_name(change->name);
        c->set_max_seq(change->system_message.seq());
        c->set_read_seq(change->system_message.seq());
        c->set_delivered_seq(change->system_message.seq());
        c->set_min_seq(1);
        c->set_active(true);
        c->set_role(v1::OWNER);
        *c->mutable_group() = change->group;
        *c->mutable_last_message() = change->system_message;
        fan_out(r, change->recipients, std::move(change->system_message));
        r.ok(std::move(out));
      });
}

namespace {

void change_members(const Request& r, const Identity& me, const std::string& conversation_id,
                    const google::protobuf::RepeatedPtrField<std::string>& user_ids, store::Store::MemberOp op) {
  if (!check_conversation_id(r, conversation_id, v1::GROUP)) return;
  if (user_ids.empty()) return r.error(v1::INVALID_ARGUMENT, "user_ids must not be empty");
  if (auto ok = validate_user_ids(user_ids, kMaxUsersPerChange); !ok) return r.error(ok.error());
  std::vector<std::string> users(user_ids.begin(), user_ids.end());
  r.services->store.change_members(
      conversation_id, me.user_id, op, std::move(users), r.services->clock.now_ms(),
      [r, op](Result<store::MembershipChange> change) {
        if (!change) return r.error(change.error());
        v1::ServerFrame out;
        if (op == store::Store::MemberOp::kAdd) out.mutable_add_members()->set_seq(change->system_message.seq());
        else out.mutable_remove_members()->set_seq(change->system_message.seq());
        fan_out(r, change->recipients, std::move(change->system_message));
        r.ok(std::move(out));
      });
}

}  // namespace

void handle_add_members(const Request& r, const Identity& me, v1::AddMembersRequest& req) {
  change_members(r, me, req.conversation_id(), req.user_ids(), store::Store::MemberOp::kAdd);
}

void handle_remove_members(const Request& r, const Identity& me, v1::RemoveMembersRequest& req) {
  change_members(r, me, req.conversation_id(), req.user_ids(), store::Store::MemberOp::kRemove);
}

// Read and delivered cursors: the user's other devices get a ReadEvent when the read cursor moved; in a
// direct chat the peer gets a ReceiptEvent (unless this user turned receipts off).
void move_cursor(const Request& r, const Identity& me, const std::string& conv, uint64_t seq, bool read) {
  if (!check_conversation_id(r, conv)) return;
  auto done = [r, me, conv, read](Result<store::ReadCursor> cursor) {
    if (!cursor) return r.error(cursor.error());
    // Only a cursor that moved is news; a stale or repeated call would only wake devices up for nothing.
    if (cursor->moved && read) {
      v1::ServerFrame event;
      auto* e = event.mutable_event()->mutable_read();
      e->set_conversation_id(conv);
      e->set_read_seq(cursor->read_seq);
      publish(r, {me.user_id}, std::move(event));
    }
    if (cursor->moved && !cursor->receipt_to.empty()) {
      v1::ServerFrame event;
      auto* e = event.mutable_event()->mutable_receipt();
      e->set_conversation_id(conv);
      e->set_user_id(me.user_id);
      e->set_read_seq(cursor->read_seq);
      e->set_delivered_seq(cursor->delivered_seq);
      publish(r, {cursor->receipt_to}, std::move(event));
    }
    v1::ServerFrame out;
    if (read) out.mutable_mark_read()->set_read_seq(cursor->read_seq);
    else out.mutable_mark_delivered()->set_delivered_seq(cursor->delivered_seq);
    r.ok(std::move(out));
  };
  if (read) r.services->store.mark_read(conv, me.user_id, seq, std::move(done));
  else r.services->store.mark_delivered(conv, me.user_id, seq, std::move(done));
}

void handle_mark_read(const Request& r, const Identity& me, const v1::MarkReadRequest& req) {
  move_cursor(r, me, req.conversation_id(), req.seq(), true);
}

void handle_mark_delivered(const Request& r, const Identity& me, const v1::MarkDeliveredRequest& req) {
  move_cursor(r, me, req.conversation_id(), req.seq(), false);
}

}  // namespace parley::server
