// Delta sync of conversations and message pulls by seq range.
#include <limits>

#include "server/api/request.h"
#include "server/core/authz.h"
#include "server/core/ids.h"

namespace parley::server {

void handle_sync(const Request& r, const Identity& me, const v1::SyncRequest& req) {
  uint32_t page = r.services->config.sync_page_size;
  uint32_t limit = req.limit() == 0 || req.limit() > page ? page : req.limit();
  r.on_worker([r, me, cursor = req.cursor(), limit]() {
    auto result = r.services->store.sync(me.user_id, cursor, limit);
    if (!result) return r.error(result.error());
    v1::ServerFrame out;
    auto* s = out.mutable_sync();
    for (auto& c : result->conversations) *s->add_conversations() = std::move(c);
    for (auto& e : result->events) *s->add_events() = std::move(e);
    s->set_cursor(result->cursor);
    s->set_has_more(result->has_more);
    r.ok(std::move(out));
  });
}

void handle_pull_messages(const Request& r, const Identity& me, const v1::PullMessagesRequest& req) {
  if (!check_conversation_id(r, req.conversation_id())) return;
  uint32_t max = r.services->config.max_pull_limit;
  uint32_t limit = req.limit() == 0 ? std::min<uint32_t>(50, max) : std::min(req.limit(), max);
  r.on_worker([r, me, req, limit]() {
    auto& store = r.services->store;
    auto member = store.get_member(req.conversation_id(), me.user_id);
    if (!member) return r.error(member.error());
    auto range = core::visible_range(*member, std::numeric_limits<int64_t>::max());
    if (!range) return r.error(range.error());
    auto [lo, hi] = *range;
    lo = std::max<uint64_t>({lo, req.after_seq() + 1, member->cleared_seq + 1});
    auto direction = store::Direction::kAfter;
    if (req.before_seq() > 0) {
      hi = std::min<uint64_t>(hi, req.before_seq() - 1);
      direction = store::Direction::kBefore;
    }
    v1::ServerFrame out;
    auto* p = out.mutable_pull_messages();
    if (lo > hi) {
      p->set_end(true);
      return r.ok(std::move(out));
    }
    auto page = store.pull(req.conversation_id(), lo, hi, direction, limit, me.user_id);
    if (!page) return r.error(page.error());
    for (auto& m : page->messages) *p->add_messages() = std::move(m);
    p->set_end(page->end);
    r.ok(std::move(out));
  });
}

}  // namespace parley::server
