// A user's own view of a conversation: deletion for me, settings, receipts and unread totals.
#include "server/api/request.h"

namespace parley::server {
namespace {

constexpr int kMaxDeletes = 500;
constexpr size_t kMaxCustomData = 4096;

}  // namespace

void handle_delete_messages(const Request& r, const Identity& me, const v1::DeleteMessagesRequest& req) {
  if (!check_conversation_id(r, req.conversation_id())) return;
  if (req.seqs().empty() || req.seqs_size() > kMaxDeletes) {
    return r.error(v1::INVALID_ARGUMENT, "seqs must hold 1 to 500 seqs");
  }
  std::vector<uint64_t> seqs(req.seqs().begin(), req.seqs().end());
  r.services->store.delete_for_me(req.conversation_id(), me.user_id, std::move(seqs),
                                  [r](Result<store::Notices> notices) {
                                    if (!notices) return r.error(notices.error());
                                    publish_notices(r, std::move(*notices));
                                    v1::ServerFrame out;
                                    out.mutable_delete_messages();
                                    r.ok(std::move(out));
                                  });
}

void handle_clear_conversation(const Request& r, const Identity& me, const v1::ClearConversationRequest& req) {
  if (!check_conversation_id(r, req.conversation_id())) return;
  r.services->store.clear_for_me(req.conversation_id(), me.user_id, req.up_to_seq(),
                                 [r](Result<store::Notices> notices) {
                                   if (!notices) return r.error(notices.error());
                                   v1::ServerFrame out;
                                   uint64_t cleared = notices->empty() ? 0 : notices->front().event.messages_deleted().cleared_seq();
                                   out.mutable_clear_conversation()->set_cleared_seq(cleared);
                                   publish_notices(r, std::move(*notices));
                                   r.ok(std::move(out));
                                 });
}

void handle_update_conversation_settings(const Request& r, const Identity& me,
                                         const v1::UpdateConversationSettingsRequest& req) {
  if (!check_conversation_id(r, req.conversation_id())) return;
  store::SettingsUpdate u;
  if (req.has_pinned()) u.pinned = req.pinned();
  if (req.has_archived()) u.archived = req.archived();
  if (req.has_hidden()) u.hidden = req.hidden();
  if (req.has_muted_until_ms()) u.muted_until_ms = req.muted_until_ms();
  if (req.has_draft()) {
    if (req.draft().size() > r.services->config.max_text_bytes) return r.error(v1::TOO_LARGE, "draft is too long");
    u.draft = req.draft();
  }
  if (req.has_custom_data()) {
    if (req.custom_data().size() > kMaxCustomData) return r.error(v1::TOO_LARGE, "custom_data must be at most 4 KiB");
    u.custom_data = req.custom_data();
  }
  r.services->store.update_settings(
      req.conversation_id(), me.user_id, std::move(u),
      [r, me, conv = req.conversation_id()](Result<store::SettingsResult> result) {
        if (!result) return r.error(result.error());
        v1::ServerFrame event;
        auto* e = event.mutable_event()->mutable_settings();
        e->set_conversation_id(conv);
        *e->mutable_settings() = result->settings;
        e->set_hidden(result->hidden);
        publish(r, {me.user_id}, std::move(event));
        v1::ServerFrame out;
        *out.mutable_update_conversation_settings()->mutable_settings() = std::move(result->settings);
        out.mutable_update_conversation_settings()->set_hidden(result->hidden);
        r.ok(std::move(out));
      });
}

void handle_get_read_receipts(const Request& r, const Identity& me, const v1::GetReadReceiptsRequest& req) {
  if (!check_conversation_id(r, req.conversation_id())) return;
  const uint32_t limit = req.limit() == 0 || req.limit() > 200 ? 200 : req.limit();
  r.on_worker([r, me, req, limit] {
    auto receipts = r.services->store.read_receipts(req.conversation_id(), me.user_id, req.seq(), req.after_user_id(), limit);
    if (!receipts) return r.error(receipts.error());
    v1::ServerFrame out;
    auto* o = out.mutable_get_read_receipts();
    o->set_read_count(receipts->read_count);
    o->set_unread_count(receipts->unread_count);
    for (auto& u : receipts->readers) o->add_readers(std::move(u));
    o->set_end(receipts->end);
    r.ok(std::move(out));
  });
}

void handle_get_unread_total(const Request& r, const Identity& me) {
  r.on_worker([r, me] {
    auto total = r.services->store.unread_total(me.user_id, r.services->clock.now_ms());
    if (!total) return r.error(total.error());
    v1::ServerFrame out;
    auto* o = out.mutable_get_unread_total();
    o->set_unread(total->unread);
    o->set_unread_unmuted(total->unread_unmuted);
    o->set_mentions(total->mentions);
    o->set_conversations(total->conversations);
    r.ok(std::move(out));
  });
}

}  // namespace parley::server
