// Client: my settings for a conversation, deletions and clearing for me, unread totals, group read receipts,
// reaction lists.
#include "sdk/client_impl.h"

namespace parley {

void Client::update_settings(std::string conversation_id, SettingsChange change, Done<ConversationRecord> done) {
  impl_->post(
      [core = impl_->core.get(), c = std::move(conversation_id), change = std::move(change),
       done = std::move(done)]() mutable { core->update_settings(std::move(c), std::move(change), std::move(done)); });
}

void Client::delete_for_me(std::string conversation_id, std::vector<uint64_t> seqs, Done<void> done) {
  impl_->post(
      [core = impl_->core.get(), c = std::move(conversation_id), seqs = std::move(seqs),
       done = std::move(done)]() mutable { core->delete_for_me(std::move(c), std::move(seqs), std::move(done)); });
}

void Client::clear_for_me(std::string conversation_id, uint64_t up_to_seq, Done<uint64_t> done) {
  impl_->post([core = impl_->core.get(), c = std::move(conversation_id), up_to_seq, done = std::move(done)]() mutable {
    core->clear_for_me(std::move(c), up_to_seq, std::move(done));
  });
}

void Client::unread_total(Done<std::string> done) {
  post_call(sdk::frame_with([](v1::ClientFrame& f) { f.mutable_get_unread_total(); }), std::move(done));
}

void Client::read_receipts(std::string conversation_id, uint64_t seq, std::string after_user_id, uint32_t limit,
                           Done<std::string> done) {
  post_call(sdk::frame_with([&](v1::ClientFrame& f) {
              auto* r = f.mutable_get_read_receipts();
              r->set_conversation_id(std::move(conversation_id));
              r->set_seq(seq);
              r->set_after_user_id(std::move(after_user_id));
              r->set_limit(limit);
            }),
            std::move(done));
}

void Client::list_reactions(std::string conversation_id, uint64_t seq, std::string emoji, std::string after_user_id,
                            uint32_t limit, Done<std::string> done) {
  post_call(sdk::frame_with([&](v1::ClientFrame& f) {
              auto* r = f.mutable_list_reactions();
              r->set_conversation_id(std::move(conversation_id));
              r->set_seq(seq);
              r->set_emoji(std::move(emoji));
              r->set_after_user_id(std::move(after_user_id));
              r->set_limit(limit);
            }),
            std::move(done));
}

}  // namespace parley
