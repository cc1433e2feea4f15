// Reads of conversations and messages: sync, pull, summaries, unread totals, receipts, reactions, typing.
#include <algorithm>

#include "server/core/authz.h"
#include "server/core/ids.h"
#include "server/store/sqlite/sqlite_store.h"

namespace parley::store::sqlite {
namespace {

// The member and conversation columns a summary is built from, in order (see summary_from_row).
#define SUMMARY_COLUMNS                                                                                       \
  "m.conv_id, m.active, m.min_seq, m.last_seq, m.read_seq, m.delivered_seq, m.cleared_seq, m.hidden_seq, "    \
  "m.silenced_until, m.settings, m.role, c.kind, c.info, c.member_count, "                                    \
  "MAX(m.version, CASE WHEN m.active = 1 THEN c.version ELSE 0 END) AS v"

// The conversation's newest seq (0 when it has no message).
uint64_t newest_seq(Db& db, const std::string& conv) {
  auto& s = db.stmt("SELECT COALESCE(MAX(seq), 0) FROM messages WHERE conv_id = ?");
  s.bind(conv);
  uint64_t seq = s.step() ? static_cast<uint64_t>(s.i64(0)) : 0;
  s.reset();
  return seq;
}

// NOT_FOUND (or PERMISSION_DENIED for a non-member) unless `reader` can see message `seq` of `conv`.
Status check_visible(Db& db, const std::string& conv, const std::string& reader, uint64_t seq) {
  auto range = core::visible_range(load_member(db, conv, reader), newest_seq(db, conv));
  if (!range) return std::unexpected(range.error());
  if (seq < range->first || seq > range->second) return fail(v1::NOT_FOUND, "no message " + std::to_string(seq));
  return {};
}

// messages.ord at `seq` (0 for seq 0): how many countable messages the conversation has up to there.
uint64_t ord_at(Db& db, const std::string& conv, uint64_t seq) {
  if (seq == 0) return 0;
  auto& s = db.stmt("SELECT ord FROM messages WHERE conv_id = ? AND seq <= ? ORDER BY seq DESC LIMIT 1");
  s.bind(conv, seq);
  uint64_t ord = s.step() ? static_cast<uint64_t>(s.i64(0)) : 0;
  s.reset();
  return ord;
}

// Builds what `user` sees of one conversation from a row of SUMMARY_COLUMNS; returns it with its version.
std::pair<v1::ConversationSummary, uint64_t> summary_from_row(Db& db, const Stmt& s, const std::string& user) {
  v1::ConversationSummary c;
  const std::string conv = s.text(0);
  c.set_conversation_id(conv);
  c.set_active(s.i64(1) != 0);
  c.set_min_seq(static_cast<uint64_t>(s.i64(2)));
  const uint64_t last_seq = static_cast<uint64_t>(s.i64(3));
  c.set_read_seq(static_cast<uint64_t>(s.i64(4)));
  c.set_delivered_seq(static_cast<uint64_t>(s.i64(5)));
  c.set_cleared_seq(static_cast<uint64_t>(s.i64(6)));
  const uint64_t hidden_seq = static_cast<uint64_t>(s.i64(7));
  c.set_silenced_until_ms(s.i64(8));
  auto settings = s.blob(9);
  c.mutable_settings()->ParseFromArray(settings.data(), static_cast<int>(settings.size()));
  c.set_kind(static_cast<v1::ConversationKind>(s.i64(11)));
  if (c.kind() == v1::GROUP) {
    c.set_role(static_cast<v1::Role>(s.i64(10)));
    auto info = s.blob(12);
    c.mutable_group()->ParseFromArray(info.data(), static_cast<int>(info.size()));
    c.mutable_group()->set_member_count(static_cast<uint32_t>(s.i64(13)));
    c.set_name(c.group().name());
  }
  const uint64_t version = static_cast<uint64_t>(s.i64(14));

  const uint64_t max_seq = newest_seq(db, conv);
  const uint64_t hi = c.active() ? max_seq : std::min(max_seq, last_seq);
  c.set_max_seq(hi);
  const uint64_t seen = std::max({c.read_seq(), c.min_seq() - 1, c.cleared_seq()});
  if (hi > seen) {
    uint64_t a = ord_at(db, conv, hi), b = ord_at(db, conv, seen);
    c.set_unread_count(a > b ? a - b : 0);
    auto& mentions = db.stmt(
        "SELECT COUNT(DISTINCT seq) FROM mentions WHERE conv_id = ?1 AND user_id IN (?2, '*') AND seq > ?3 AND seq <= ?4");
    mentions.bind(conv, user, seen, hi);
    if (mentions.step()) c.set_mention_count(static_cast<uint64_t>(mentions.i64(0)));
    mentions.reset();
  }
  const uint64_t lo = std::max(c.min_seq(), c.cleared_seq() + 1);
  if (hi >= lo) {
    auto& last = db.stmt(
        "SELECT " MESSAGE_COLUMNS " FROM messages WHERE conv_id = ?1 AND seq <= ?2 AND seq >= ?3 "
        "AND kind NOT IN (20, 21, 22) AND NOT EXISTS (SELECT 1 FROM hidden_messages h "
        "WHERE h.user_id = ?4 AND h.conv_id = ?1 AND h.seq = messages.seq) ORDER BY seq DESC LIMIT 1");
    last.bind(conv, hi, lo, user);
    if (last.step()) *c.mutable_last_message() = message_from_row(last);
    last.reset();
  }
  c.set_hidden(hidden_seq > 0 && c.last_message().seq() <= hidden_seq);
  if (auto direct = core::parse_direct_conversation_id(conv)) {
    const std::string& peer = direct->first == user ? direct->second : direct->first;
    auto& p = db.stmt(
        "SELECT m.read_seq, m.delivered_seq, u.privacy FROM members m JOIN users u ON u.user_id = m.user_id "
        "WHERE m.conv_id = ? AND m.user_id = ?");
    p.bind(conv, peer);
    if (p.step()) {
      v1::PrivacySettings privacy;
      auto blob = p.blob(2);
      privacy.ParseFromArray(blob.data(), static_cast<int>(blob.size()));
      if (!privacy.receipts_disabled()) {
        c.set_peer_read_seq(static_cast<uint64_t>(p.i64(0)));
        c.set_peer_delivered_seq(static_cast<uint64_t>(p.i64(1)));
      }
    }
    p.reset();
  }
  return {std::move(c), version};
}

}  // namespace

// Conversations change for a user when their member row does (membership, cursors, settings) or, while they
// are a member, when the conversation does (messages, group changes): the newer of the two versions counts.
// That costs one pass over the user's memberships per page, and keeps a group message to one row update
// whatever the group's size (fan-out on read).
Result<SyncPage> SqliteStore::sync(const std::string& user_id, uint64_t cursor, uint32_t limit) {
  return read([&](Db& db) -> Result<SyncPage> {
    auto& s = db.stmt("SELECT " SUMMARY_COLUMNS " FROM members m JOIN conversations c ON c.conv_id = m.conv_id "
                      "WHERE m.user_id = ? AND v > ? ORDER BY v LIMIT ?");
    s.bind(user_id, cursor, static_cast<int64_t>(limit) + 1);
    std::vector<std::pair<v1::ConversationSummary, uint64_t>> conversations;
    while (s.step()) conversations.push_back(summary_from_row(db, s, user_id));
    s.reset();
    auto& e = db.stmt("SELECT version, body FROM user_events WHERE user_id = ? AND version > ? ORDER BY version LIMIT ?");
    e.bind(user_id, cursor, static_cast<int64_t>(limit) + 1);
    std::vector<std::pair<v1::Event, uint64_t>> events;
    while (e.step()) {
      v1::Event event;
      auto body = e.blob(1);
      event.ParseFromArray(body.data(), static_cast<int>(body.size()));
      events.emplace_back(std::move(event), static_cast<uint64_t>(e.i64(0)));
    }
    e.reset();

    // Both lists are in version order: take the lowest versions first, up to `limit` entries and about
    // kMaxReplyBytes, so nothing below the returned cursor is ever left behind.
    SyncPage page;
    page.cursor = cursor;
    size_t ci = 0, ei = 0, bytes = 0;
    while (ci < conversations.size() || ei < events.size()) {
      if (page.conversations.size() + page.events.size() >= limit || bytes >= kMaxReplyBytes) {
        page.has_more = true;
        break;
      }
      bool take_conversation =
          ei == events.size() || (ci < conversations.size() && conversations[ci].second < events[ei].second);
      if (take_conversation) {
        bytes += conversations[ci].first.ByteSizeLong();
        page.cursor = conversations[ci].second;
        page.conversations.push_back(std::move(conversations[ci++].first));
      } else {
        bytes += events[ei].first.ByteSizeLong();
        page.cursor = events[ei].second;
        page.events.push_back(std::move(events[ei++].first));
      }
    }
    return page;
  });
}

Result<v1::ConversationSummary> SqliteStore::conversation_summary(const std::string& conversation_id,
                                                                  const std::string& user_id) {
  return read([&](Db& db) -> Result<v1::ConversationSummary> {
    auto& s = db.stmt("SELECT " SUMMARY_COLUMNS " FROM members m JOIN conversations c ON c.conv_id = m.conv_id "
                      "WHERE m.user_id = ? AND m.conv_id = ?");
    s.bind(user_id, conversation_id);
    if (!s.step()) return fail(v1::PERMISSION_DENIED, "you are not a member of this conversation");
    return summary_from_row(db, s, user_id).first;
  });
}

Result<UnreadTotal> SqliteStore::unread_total(const std::string& user_id, int64_t now_ms) {
  return read([&](Db& db) -> Result<UnreadTotal> {
    auto& s = db.stmt("SELECT " SUMMARY_COLUMNS " FROM members m JOIN conversations c ON c.conv_id = m.conv_id "
                      "WHERE m.user_id = ?");
    s.bind(user_id);
    UnreadTotal total;
    while (s.step()) {
      auto c = summary_from_row(db, s, user_id).first;
      if (c.hidden() || c.unread_count() == 0) continue;
      total.unread += c.unread_count();
      total.mentions += c.mention_count();
      total.conversations += 1;
      if (c.settings().muted_until_ms() <= now_ms) total.unread_unmuted += c.unread_count();
    }
    return total;
  });
}

Result<PullPage> SqliteStore::pull(const std::string& conversation_id, uint64_t lo, uint64_t hi, Direction direction,
                                   uint32_t limit, const std::string& reader) {
  return read([&](Db& db) -> Result<PullPage> {
    auto& s = direction == Direction::kAfter
                  ? db.stmt("SELECT " MESSAGE_COLUMNS " FROM messages WHERE conv_id = ?1 AND seq >= ?2 AND seq <= ?3 "
                            "AND NOT EXISTS (SELECT 1 FROM hidden_messages h WHERE h.user_id = ?5 AND h.conv_id = ?1 "
                            "AND h.seq = messages.seq) ORDER BY seq ASC LIMIT ?4")
                  : db.stmt("SELECT " MESSAGE_COLUMNS " FROM messages WHERE conv_id = ?1 AND seq >= ?2 AND seq <= ?3 "
                            "AND NOT EXISTS (SELECT 1 FROM hidden_messages h WHERE h.user_id = ?5 AND h.conv_id = ?1 "
                            "AND h.seq = messages.seq) ORDER BY seq DESC LIMIT ?4");
    // One row more than asked for tells whether the range goes on.
    s.bind(conversation_id, lo, hi, static_cast<int64_t>(limit) + 1, reader);
    PullPage page;
    size_t bytes = 0;
    for (;;) {
      if (!s.step()) {
        page.end = true;
        break;
      }
      if (page.messages.size() == limit || bytes >= kMaxReplyBytes) break;
      page.messages.push_back(message_from_row(s));
      bytes += page.messages.back().ByteSizeLong();
    }
    return page;
  });
}

Result<Receipts> SqliteStore::read_receipts(const std::string& conversation_id, const std::string& reader,
                                            uint64_t seq, const std::string& after_user_id, uint32_t limit) {
  return read([&](Db& db) -> Result<Receipts> {
    if (auto ok = check_visible(db, conversation_id, reader, seq); !ok) return std::unexpected(ok.error());
    auto target = load_message(db, conversation_id, seq);
    if (!target) return fail(v1::NOT_FOUND, "no message " + std::to_string(seq));
    // From read cursors: one pass over the members who could see the message.
    auto& s = db.stmt(
        "SELECT m.user_id, m.read_seq, u.privacy FROM members m JOIN users u ON u.user_id = m.user_id "
        "WHERE m.conv_id = ? AND m.active = 1 AND m.min_seq <= ? AND m.user_id != ? ORDER BY m.user_id");
    s.bind(conversation_id, seq, target->sender_id());
    Receipts r;
    while (s.step()) {
      v1::PrivacySettings privacy;
      auto blob = s.blob(2);
      privacy.ParseFromArray(blob.data(), static_cast<int>(blob.size()));
      const bool has_read = static_cast<uint64_t>(s.i64(1)) >= seq && !privacy.receipts_disabled();
      if (!has_read) {
        ++r.unread_count;
        continue;
      }
      ++r.read_count;
      std::string user = s.text(0);
      if (user <= after_user_id) continue;
      if (r.readers.size() < limit) {
        r.readers.push_back(std::move(user));
      } else {
        r.end = false;
      }
    }
    return r;
  });
}

Result<v1::ListReactionsResponse> SqliteStore::list_reactions(const std::string& conversation_id,
                                                              const std::string& reader, uint64_t seq,
                                                              const std::string& emoji,
                                                              const std::string& after_user_id, uint32_t limit) {
  return read([&](Db& db) -> Result<v1::ListReactionsResponse> {
    if (auto ok = check_visible(db, conversation_id, reader, seq); !ok) return std::unexpected(ok.error());
    auto& s = db.stmt(
        "SELECT emoji, user_id, created_at FROM reactions WHERE conv_id = ?1 AND seq = ?2 "
        "AND (?3 = '' OR emoji = ?3) AND (?3 = '' OR user_id > ?4) ORDER BY emoji, user_id LIMIT ?5");
    s.bind(conversation_id, seq, emoji, after_user_id, static_cast<int64_t>(limit) + 1);
    v1::ListReactionsResponse out;
    out.set_end(true);
    while (s.step()) {
      if (static_cast<uint32_t>(out.reactions_size()) == limit) {
        out.set_end(false);
        break;
      }
      auto* e = out.add_reactions();
      e->set_emoji(s.text(0));
      e->set_user_id(s.text(1));
      e->set_timestamp_ms(s.i64(2));
    }
    return out;
  });
}

Result<std::vector<std::string>> SqliteStore::typing_recipients(const std::string& conversation_id,
                                                                const std::string& user_id, uint32_t max_members) {
  return read([&](Db& db) -> Result<std::vector<std::string>> {
    auto me = load_member(db, conversation_id, user_id);
    if (!me || !me->active) return fail(v1::PERMISSION_DENIED, "you are not a member of this conversation");
    if (auto direct = core::parse_direct_conversation_id(conversation_id)) {
      const std::string& peer = direct->first == user_id ? direct->second : direct->first;
      if (is_blocked(db, peer, user_id)) return std::vector<std::string>{};
      return std::vector<std::string>{peer};
    }
    auto& count = db.stmt("SELECT member_count FROM conversations WHERE conv_id = ?");
    count.bind(conversation_id);
    int64_t members = count.step() ? count.i64(0) : 0;
    count.reset();
    if (members > static_cast<int64_t>(max_members)) return std::vector<std::string>{};  // too big to tell everyone
    auto all = active_members(db, conversation_id);
    std::erase(all, user_id);
    return all;
  });
}

}  // namespace parley::store::sqlite
