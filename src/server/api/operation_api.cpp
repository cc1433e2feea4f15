// Operations on an earlier message: edit, revoke, react. Each is appended as a message of its own (kind
// EDIT, REVOKE, REACTION) and applied to the target by the store in the same transaction.
#include "common/random.h"
#include "server/api/request.h"

namespace parley::server {
namespace {

// Sends the operation to the store and answers with its ack; members get the operation as a message event.
void apply(const Request& r, const Identity& me, const std::string& conv, std::string client_msg_id,
           v1::Message op, v1::ServerFrame (*respond_as)(v1::OperationResponse)) {
  if (client_msg_id.size() > kMaxClientMsgId) return r.error(v1::INVALID_ARGUMENT, "client_msg_id must be at most 64 bytes");
  if (op.target_seq() == 0) return r.error(v1::INVALID_ARGUMENT, "seq must name the message to change");
  store::NewMessage m;
  m.conversation_id = conv;
  m.sender_id = me.user_id;
  // Without a client id an operation cannot be deduplicated; a random one keeps ids unique per sender.
  m.client_msg_id = client_msg_id.empty() ? "op-" + random_token(16) : std::move(client_msg_id);
  m.content = std::move(op);
  m.timestamp_ms = r.services->clock.now_ms();
  r.services->store.append_message(std::move(m), [r, respond_as](Result<store::AppendResult> done) {
    if (!done) return r.error(done.error());
    v1::OperationResponse ack;
    ack.set_conversation_id(done->message.conversation_id());
    ack.set_seq(done->message.seq());
    ack.set_server_msg_id(done->message.server_msg_id());
    ack.set_timestamp_ms(done->message.timestamp_ms());
    ack.set_duplicate(done->duplicate);
    if (done->target) *ack.mutable_target() = std::move(*done->target);
    if (!done->duplicate) fan_out(r, done->recipients, std::move(done->message));
    r.ok(respond_as(std::move(ack)));
  });
}

}  // namespace

void handle_edit_message(const Request& r, const Identity& me, v1::EditMessageRequest& req) {
  if (!check_conversation_id(r, req.conversation_id())) return;
  if (auto ok = core::validate_edit(req.text(), req.custom_data(), req.mentions_size(), message_limits(r.services->config));
      !ok) {
    return r.error(ok.error());
  }
  for (const auto& id : req.mentions()) {
    if (!check_user_id(r, id, "mentions")) return;
  }
  v1::Message op;
  op.set_kind(v1::EDIT);
  op.set_target_seq(req.seq());
  op.set_text(std::move(*req.mutable_text()));
  *op.mutable_mentions() = std::move(*req.mutable_mentions());
  op.set_mention_all(req.mention_all());
  op.set_custom_data(std::move(*req.mutable_custom_data()));
  apply(r, me, req.conversation_id(), std::move(*req.mutable_client_msg_id()), std::move(op), [](v1::OperationResponse a) {
    v1::ServerFrame f;
    *f.mutable_edit_message() = std::move(a);
    return f;
  });
}

void handle_revoke_message(const Request& r, const Identity& me, v1::RevokeMessageRequest& req) {
  if (!check_conversation_id(r, req.conversation_id())) return;
  v1::Message op;
  op.set_kind(v1::REVOKE);
  op.set_target_seq(req.seq());
  apply(r, me, req.conversation_id(), std::move(*req.mutable_client_msg_id()), std::move(op), [](v1::OperationResponse a) {
    v1::ServerFrame f;
    *f.mutable_revoke_message() = std::move(a);
    return f;
  });
}

void handle_react(const Request& r, const Identity& me, v1::ReactRequest& req) {
  if (!check_conversation_id(r, req.conversation_id())) return;
  if (auto ok = core::validate_emoji(req.emoji()); !ok) return r.error(ok.error());
  v1::Message op;
  op.set_kind(v1::REACTION);
  op.set_target_seq(req.seq());
  op.set_reaction(req.emoji());
  op.set_reaction_removed(req.remove());
  apply(r, me, req.conversation_id(), std::move(*req.mutable_client_msg_id()), std::move(op), [](v1::OperationResponse a) {
    v1::ServerFrame f;
    *f.mutable_react() = std::move(a);
    return f;
  });
}

void handle_list_reactions(const Request& r, const Identity& me, const v1::ListReactionsRequest& req) {
  if (!check_conversation_id(r, req.conversation_id())) return;
  if (req.emoji().empty() && !req.after_user_id().empty()) {
    return r.error(v1::INVALID_ARGUMENT, "after_user_id pages one emoji's reactions: set emoji too");
  }
  const uint32_t limit = req.limit() == 0 || req.limit() > 200 ? 200 : req.limit();
  r.on_worker([r, me, req, limit] {
    auto list = r.services->store.list_reactions(req.conversation_id(), me.user_id, req.seq(), req.emoji(),
                                                 req.after_user_id(), limit);
    if (!list) return r.error(list.error());
    v1::ServerFrame out;
    *out.mutable_list_reactions() = std::move(*list);
    r.ok(std::move(out));
  });
}

}  // namespace parley::server
