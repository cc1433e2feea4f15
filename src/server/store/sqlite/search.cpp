// Full-text search over the messages a user can see (SQLite FTS5), and the index's backfill.
#include <unordered_map>

#include "server/core/highlight.h"
#include "server/store/sqlite/sqlite_store.h"

namespace parley::store::sqlite {

namespace {

// Up to this many conversations, FTS5 itself narrows the word's matches to the user's conversations (an OR of
// their scope tokens), so a common word costs what the user's own messages cost. Beyond it the OR would cost
// more than it saves, and the walk below filters instead.
constexpr size_t kMaxScopedConversations = 50;
// Index rows looked at per request at most: a page that has not filled up by then ends early with a page
// token, so no query (a common word, a user who sees little) can hold a worker for long.
constexpr int kMaxExamined = 5000;

struct Visible {
  uint64_t lo, hi;  // the seqs the user can see (membership range, after cleared history)
};

}  // namespace

// Newest first is rowid order (fts ids grow with time): FTS5 walks the word's matches backwards and each is
// checked against the user's memberships (held in memory for the request), the filters and deletions for
// me, until a page is full or kMaxExamined rows were looked at. Snippets are made for the page's hits only.
Result<SearchPage> SqliteStore::search_messages(const SearchQuery& q) {
  return read([&](Db& db) -> Result<SearchPage> {
    std::unordered_map<std::string, Visible> visible;
    auto& mine = db.stmt("SELECT conv_id, active, min_seq, last_seq, cleared_seq FROM members WHERE user_id = ?");
    mine.bind(q.user_id);
    while (mine.step()) {
      std::string conv = mine.text(0);
      if (!q.conversation_id.empty() && conv != q.conversation_id) continue;
      const uint64_t lo = std::max<uint64_t>(static_cast<uint64_t>(mine.i64(2)), static_cast<uint64_t>(mine.i64(4)) + 1);
      const uint64_t hi = mine.i64(1) != 0 ? UINT64_MAX : static_cast<uint64_t>(mine.i64(3));
      if (lo <= hi) visible.emplace(std::move(conv), Visible{lo, hi});
    }
    mine.reset();
    if (visible.empty()) return SearchPage{};

    std::string match = "text : (" + q.match + ")";
    if (visible.size() <= kMaxScopedConversations) {
      match += " AND scope : (";
      bool first = true;
      for (const auto& [conv, range] : visible) {
        match += (first ? "" : " OR ") + search_scope(conv);
        first = false;
      }
      match += ")";
    }
    auto& s = db.stmt(
        "SELECT rowid, conv_id, seq, sender_id, kind, created_at FROM messages_fts "
        "WHERE messages_fts MATCH ?1 AND (?2 = 0 OR rowid < ?2) ORDER BY rowid DESC");
    s.bind(match, q.before_rowid);
    auto& hidden = db.stmt("SELECT 1 FROM hidden_messages WHERE user_id = ? AND conv_id = ? AND seq = ?");
    struct Hit {
      int64_t rowid;
      std::string conv;
      uint64_t seq;
    };
    std::vector<Hit> hits;
    SearchPage page;
    for (int examined = 0;; ++examined) {
      try {
        if (!s.step()) break;
      } catch (const SqliteError& e) {
        // FTS5 rejects some expressions (it is the only part here that depends on the user's input).
        if (e.code() == SQLITE_ERROR) return fail(v1::INVALID_ARGUMENT, "the search query could not be understood");
        throw;
      }
      const int64_t rowid = s.i64(0);
      if (hits.size() == q.limit || examined == kMaxExamined) {
        page.next_rowid = rowid + 1;  // the next page starts at this row
        break;
      }
      std::string conv = s.text(1);
      const uint64_t seq = static_cast<uint64_t>(s.i64(2));
      auto range = visible.find(conv);
      if (range == visible.end() || seq < range->second.lo || seq > range->second.hi) continue;
      if (!q.sender_id.empty() && s.text(3) != q.sender_id) continue;
      if (q.kind != v1::MESSAGE_KIND_UNSPECIFIED && s.i64(4) != q.kind) continue;
      const int64_t at = s.i64(5);
      if ((q.after_ms != 0 && at <= q.after_ms) || (q.before_ms != 0 && at >= q.before_ms)) continue;
      hidden.bind(q.user_id, conv, seq);
      const bool deleted = hidden.step();
      hidden.reset();
      if (deleted) continue;
      hits.push_back({rowid, std::move(conv), seq});
    }
    s.reset();
    // Snippets are cut here from each hit's text: FTS5's snippet() would evaluate the match again per hit,
    // which for a prefix costs as much as the search itself.
    const auto terms = core::search_terms(q.words);
    for (const auto& h : hits) {
      auto m = load_message(db, h.conv, h.seq);
      if (!m) continue;
      auto& hit = page.hits.emplace_back();
      hit.set_snippet(core::highlight(searchable_text(*m), terms));
      *hit.mutable_message() = std::move(*m);
    }
    return page;
  });
}

void SqliteStore::index_existing_messages() {
  Db& db = *writer_db_;
  db.exec("BEGIN IMMEDIATE");
  try {
    auto& s = db.stmt("SELECT " MESSAGE_COLUMNS ", kind FROM messages WHERE fts_id = 0");
    s.bind();
    std::vector<v1::Message> pending;
    while (s.step()) {
      pending.push_back(message_from_row(s));
      pending.back().set_kind(static_cast<v1::MessageKind>(s.i64(7)));
    }
    s.reset();
    for (const auto& m : pending) {
      std::string text = searchable_text(m);
      if (text.empty()) continue;
      const int64_t id = static_cast<int64_t>(++fts_id_);
      index_message(db, id, text, m);
      db.stmt("UPDATE messages SET fts_id = ? WHERE conv_id = ? AND seq = ?").bind(id, m.conversation_id(), m.seq()).exec();
    }
    db.reset_all();
    db.exec("COMMIT");
  } catch (...) {
    db.reset_all();
    db.exec("ROLLBACK");
    throw;
  }
}

}  // namespace parley::store::sqlite
