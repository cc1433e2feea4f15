// ClientCore: operations on sent messages (edit, revoke, react), typing, and the requests whose answer the
// SDK passes on as JSON (friends, blocks, presence, server search).
#include "sdk/client_core.h"
#include "sdk/records.h"

namespace parley::sdk {

void ClientCore::server_call(v1::ClientFrame frame, Done<std::string> done) {
  if (!authenticated_) {
    return complete(done,
                    ClientResult<std::string>(std::unexpected(ClientError{kErrorOffline, "this needs a connection"})));
  }
  request(std::move(frame), [this, done = std::move(done)](Reply reply) mutable {
    if (!reply) return complete(done, ClientResult<std::string>(std::unexpected(reply.error())));
    complete(done, ClientResult<std::string>(response_json(*reply)));
  });
}

void ClientCore::call(v1::ClientFrame frame, Done<std::string> done) {
  if (!authenticated_) {
    return complete(done,
                    ClientResult<std::string>(std::unexpected(ClientError{kErrorOffline, "this needs a connection"})));
  }
  auto sent = std::make_shared<const v1::ClientFrame>(frame);
  request(std::move(frame), [this, sent, done = std::move(done)](Reply reply) mutable {
    if (!reply) return complete(done, ClientResult<std::string>(std::unexpected(reply.error())));
    apply_reply(*sent, *reply);
    complete(done, ClientResult<std::string>(response_json(*reply)));
  });
}

void ClientCore::apply_reply(const v1::ClientFrame& request, const v1::ServerFrame& reply) {
  apply_contacts_reply(request, reply);
  apply_group_reply(request, reply);
}

void ClientCore::operation(v1::ClientFrame frame, Done<MessageRecord> done) {
  if (!authenticated_) {
    return complete(done, ClientResult<MessageRecord>(
                              std::unexpected(ClientError{kErrorOffline, "changing a message needs a connection"})));
  }
  request(std::move(frame), [this, done = std::move(done)](Reply reply) mutable {
    if (!reply) return complete(done, ClientResult<MessageRecord>(std::unexpected(reply.error())));
    const v1::OperationResponse* ack = nullptr;
    if (reply->has_edit_message()) ack = &reply->edit_message();
    if (reply->has_revoke_message()) ack = &reply->revoke_message();
    if (reply->has_react()) ack = &reply->react();
    if (!ack) {
      return complete(done, ClientResult<MessageRecord>(
                                std::unexpected(ClientError{v1::INTERNAL, "unexpected answer to an operation"})));
    }
    const auto& target = ack->target();
    auto replaced = guarded([&] { return store_->replace_message(target); });
    if (replaced && *replaced) {
      emit_message_updated(target);
      emit_conversation(target.conversation_id());
    }
    // The operation's own message (ack->seq) reaches the store through the next gap pull.
    complete(done, ClientResult<MessageRecord>(to_record(target)));
  });
}

void ClientCore::edit(std::string conversation_id, uint64_t seq, std::string text, Done<MessageRecord> done) {
  if (text.empty() || !is_valid_utf8(text)) {
    return complete(done, ClientResult<MessageRecord>(
                              std::unexpected(ClientError{kErrorBadArgument, "the new text is empty or not UTF-8"})));
  }
  v1::ClientFrame frame;
  auto* r = frame.mutable_edit_message();
  r->set_conversation_id(conversation_id);
  r->set_seq(seq);
  r->set_text(std::move(text));
  operation(std::move(frame), std::move(done));
}

void ClientCore::revoke(std::string conversation_id, uint64_t seq, Done<MessageRecord> done) {
  v1::ClientFrame frame;
  frame.mutable_revoke_message()->set_conversation_id(conversation_id);
  frame.mutable_revoke_message()->set_seq(seq);
  operation(std::move(frame), std::move(done));
}

void ClientCore::react(std::string conversation_id, uint64_t seq, std::string emoji, ReactionChange change,
                       Done<MessageRecord> done) {
  if (emoji.empty() || !is_valid_utf8(emoji)) {
    return complete(done, ClientResult<MessageRecord>(
                              std::unexpected(ClientError{kErrorBadArgument, "the emoji is empty or not UTF-8"})));
  }
  v1::ClientFrame frame;
  auto* r = frame.mutable_react();
  r->set_conversation_id(conversation_id);
  r->set_seq(seq);
  r->set_emoji(std::move(emoji));
  r->set_remove(change == ReactionChange::kRemove);
  operation(std::move(frame), std::move(done));
}

void ClientCore::set_typing(std::string conversation_id, bool typing, Done<void> done) {
  v1::ClientFrame frame;
  frame.mutable_typing()->set_conversation_id(conversation_id);
  frame.mutable_typing()->set_typing(typing);
  server_call(std::move(frame), [this, done = std::move(done)](ClientResult<std::string> r) mutable {
    if (!r) return complete(done, ClientResult<void>(std::unexpected(r.error())));
    complete(done, ClientResult<void>());
  });
}

}  // namespace parley::sdk
