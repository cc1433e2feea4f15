// Conversations and messages: send, groups and their members, read cursors.
#include "server/api/request.h"
#include "server/core/ids.h"

namespace parley::server {
namespace {

constexpr size_t kMaxClientMsgId = 64, kMaxGroupName = 128, kMaxUsersPerChange = 1000;

Status validate_user_ids(const google::protobuf::RepeatedPtrField<std::string>& ids, size_t max) {
  if (ids.size() > static_cast<int>(max)) {
    return fail(v1::TOO_LARGE, "at most " + std::to_string(max) + " users per request");
  }
  for (const auto& id : ids) {
    if (!core::is_valid_name(id)) return fail(v1::INVALID_ARGUMENT, "'" + id + "' is not a valid user id");
  }
  return {};
}

v1::ServerFrame message_event(v1::Message message) {
  v1::ServerFrame frame;
  *frame.mutable_event()->mutable_message() = std::move(message);
  return frame;
}

// Delivers a stored message to every online device of `recipients` except the requesting connection.
void fan_out(const Request& r, const std::vector<std::string>& recipients, v1::Message message) {
  auto frame = protocol::make_shared_frame(message_event(std::move(message)));
  size_t queued = r.services->bus.publish(recipients, frame, r.conn->id());
  r.services->metrics.messages_delivered.fetch_add(queued, std::memory_order_relaxed);
}

}  // namespace

void handle_send_message(const Request& r, const Identity& me, v1::SendMessageRequest& req) {
  const Config& config = r.services->config;
  if (core::conversation_kind(req.conversation_id()) == v1::CONVERSATION_KIND_UNSPECIFIED) {
    return r.error(v1::INVALID_ARGUMENT, "conversation_id is not a valid conversation id (d:<a>:<b> or g:<id>)");
  }
  if (req.client_msg_id().empty() || req.client_msg_id().size() > kMaxClientMsgId) {
    return r.error(v1::INVALID_ARGUMENT, "client_msg_id must be 1 to 64 bytes");
  }
  if (req.text().empty()) return r.error(v1::INVALID_ARGUMENT, "text must not be empty");
  if (req.text().size() > config.max_text_bytes) {
    return r.error(v1::TOO_LARGE, "text is longer than " + std::to_string(config.max_text_bytes) + " bytes");
  }
  store::NewMessage m;
  m.conversation_id = std::move(*req.mutable_conversation_id());
  m.sender_id = me.user_id;
  m.client_msg_id = std::move(*req.mutable_client_msg_id());
  m.content.set_kind(v1::TEXT);
  m.content.set_text(std::move(*req.mutable_text()));
  m.timestamp_ms = r.services->clock.now_ms();
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
  if (req.name().size() > kMaxGroupName) return r.error(v1::INVALID_ARGUMENT, "name must be at most 128 bytes");
  if (auto ok = validate_user_ids(req.member_ids(), config.max_group_members); !ok) return r.error(ok.error());
  std::vector<std::string> members(req.member_ids().begin(), req.member_ids().end());
  r.services->store.create_group(
      core::new_group_id(), req.name(), me.user_id, std::move(members), r.services->clock.now_ms(),
      config.max_group_members, [r](Result<store::MembershipChange> change) {
        if (!change) return r.error(change.error());
        v1::ServerFrame out;
        auto* c = out.mutable_create_group()->mutable_conversation();
        c->set_conversation_id(change->system_message.conversation_id());
        c->set_kind(v1::GROUP);
        c->set_name(change->name);
        c->set_max_seq(change->system_message.seq());
        c->set_read_seq(change->system_message.seq());
        c->set_min_seq(1);
        c->set_active(true);
        *c->mutable_last_message() = change->system_message;
        fan_out(r, change->recipients, std::move(change->system_message));
        r.ok(std::move(out));
      });
}

namespace {

void change_members(const Request& r, const Identity& me, const std::string& conversation_id,
                    const google::protobuf::RepeatedPtrField<std::string>& user_ids, store::Store::MemberOp op) {
  if (core::conversation_kind(conversation_id) != v1::GROUP) {
    return r.error(v1::INVALID_ARGUMENT, "conversation_id must be a group id (g:<id>)");
  }
  if (user_ids.empty()) return r.error(v1::INVALID_ARGUMENT, "user_ids must not be empty");
  if (auto ok = validate_user_ids(user_ids, kMaxUsersPerChange); !ok) return r.error(ok.error());
  std::vector<std::string> users(user_ids.begin(), user_ids.end());
  r.services->store.change_members(
      conversation_id, me.user_id, op, std::move(users), r.services->clock.now_ms(),
      r.services->config.max_group_members, [r, op](Result<store::MembershipChange> change) {
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

void handle_mark_read(const Request& r, const Identity& me, const v1::MarkReadRequest& req) {
  if (core::conversation_kind(req.conversation_id()) == v1::CONVERSATION_KIND_UNSPECIFIED) {
    return r.error(v1::INVALID_ARGUMENT, "conversation_id is not a valid conversation id");
  }
  r.services->store.mark_read(req.conversation_id(), me.user_id, req.seq(),
                              [r, me, conv = req.conversation_id()](Result<store::ReadCursor> cursor) {
                                if (!cursor) return r.error(cursor.error());
                                // Only a cursor that moved is news to the other devices; a stale or repeated
                                // mark_read (seq 0, a lower seq) would only wake them up for nothing.
                                if (cursor->moved) {
                                  v1::ServerFrame event;
                                  auto* e = event.mutable_event()->mutable_read();
                                  e->set_conversation_id(conv);
                                  e->set_read_seq(cursor->read_seq);
                                  r.services->bus.publish({me.user_id}, protocol::make_shared_frame(std::move(event)),
                                                          r.conn->id());
                                }
                                v1::ServerFrame out;
                                out.mutable_mark_read()->set_read_seq(cursor->read_seq);
                                r.ok(std::move(out));
                              });
}

}  // namespace parley::server
