// ClientCore: my settings for a conversation, and deleting or clearing messages for me. Each updates the local
// store from the server's answer and reports the conversation (on_conversation) before `done` runs.
#include "sdk/client_core.h"
#include "sdk/records.h"

namespace parley::sdk {

void ClientCore::update_settings(std::string conversation_id, SettingsChange change, Done<ConversationRecord> done) {
  if (!authenticated_) {
    return complete(done, ClientResult<ConversationRecord>(
                              std::unexpected(ClientError{kErrorOffline, "changing settings needs a connection"})));
  }
  if (change.draft && !is_valid_utf8(*change.draft)) {
    return complete(done, ClientResult<ConversationRecord>(
                              std::unexpected(ClientError{kErrorBadArgument, "the draft is not UTF-8"})));
  }
  v1::ClientFrame frame;
  auto* r = frame.mutable_update_conversation_settings();
  r->set_conversation_id(conversation_id);
  if (change.pinned) r->set_pinned(*change.pinned);
  if (change.muted_until_ms) r->set_muted_until_ms(*change.muted_until_ms);
  if (change.archived) r->set_archived(*change.archived);
  if (change.draft) r->set_draft(*change.draft);
  if (change.hidden) r->set_hidden(*change.hidden);
  request(std::move(frame), [this, conversation_id, done = std::move(done)](Reply reply) mutable {
    if (!reply) return complete(done, ClientResult<ConversationRecord>(std::unexpected(reply.error())));
    const auto& answer = reply->update_conversation_settings();
    auto record = guarded([&] {
      store_->set_settings(conversation_id, answer.settings(), answer.hidden());
      return store_->conversation(conversation_id);
    });
    if (!record) return complete(done, ClientResult<ConversationRecord>(std::unexpected(record.error())));
    emit_conversation(conversation_id);
    ConversationRecord out;
    if (*record) {
      out = **record;
    } else {  // a conversation never synced here: report what the server said
      out.conversation_id = conversation_id;
      out.pinned = answer.settings().pinned();
      out.muted_until_ms = answer.settings().muted_until_ms();
      out.archived = answer.settings().archived();
      out.draft = answer.settings().draft();
      out.hidden = answer.hidden();
    }
    complete(done, ClientResult<ConversationRecord>(std::move(out)));
  });
}

void ClientCore::delete_for_me(std::string conversation_id, std::vector<uint64_t> seqs, Done<void> done) {
  if (!authenticated_) {
    return complete(
        done, ClientResult<void>(std::unexpected(ClientError{kErrorOffline, "deleting messages needs a connection"})));
  }
  if (seqs.empty() || seqs.size() > 500) {
    return complete(
        done, ClientResult<void>(std::unexpected(ClientError{kErrorBadArgument, "give 1 to 500 seqs to delete"})));
  }
  v1::ClientFrame frame;
  frame.mutable_delete_messages()->set_conversation_id(conversation_id);
  for (auto seq : seqs) frame.mutable_delete_messages()->add_seqs(seq);
  request(std::move(frame),
          [this, conversation_id, seqs = std::move(seqs), done = std::move(done)](Reply reply) mutable {
            if (!reply) return complete(done, ClientResult<void>(std::unexpected(reply.error())));
            auto ok = guarded([&] {
              Transaction tx(store_->db());
              store_->delete_messages(conversation_id, seqs, 0);
              tx.commit();
            });
            if (!ok) return complete(done, ClientResult<void>(std::unexpected(ok.error())));
            emit_conversation(conversation_id);
            complete(done, ClientResult<void>());
          });
}

void ClientCore::clear_for_me(std::string conversation_id, uint64_t up_to_seq, Done<uint64_t> done) {
  if (!authenticated_) {
    return complete(done, ClientResult<uint64_t>(
                              std::unexpected(ClientError{kErrorOffline, "clearing history needs a connection"})));
  }
  v1::ClientFrame frame;
  frame.mutable_clear_conversation()->set_conversation_id(conversation_id);
  frame.mutable_clear_conversation()->set_up_to_seq(up_to_seq);
  request(std::move(frame), [this, conversation_id, done = std::move(done)](Reply reply) mutable {
    if (!reply) return complete(done, ClientResult<uint64_t>(std::unexpected(reply.error())));
    uint64_t cleared = reply->clear_conversation().cleared_seq();
    auto ok = guarded([&] {
      Transaction tx(store_->db());
      if (cleared > 0) store_->delete_messages(conversation_id, {}, cleared);
      tx.commit();
    });
    if (!ok) return complete(done, ClientResult<uint64_t>(std::unexpected(ok.error())));
    emit_conversation(conversation_id);
    complete(done, ClientResult<uint64_t>(cleared));
  });
}

}  // namespace parley::sdk
