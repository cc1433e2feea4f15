// Full-text search over the messages a user can see (SQLite FTS5), and the index's backfill.
#include "server/store/sqlite/sqlite_store.h"

namespace parley::store::sqlite {

namespace {

// Above this many conversations a user sees a large share of all messages, so walking the word's matches
// newest first finds a page quickly; below it, FTS5 itself narrows the matches to the user's conversations
// (an OR of their scope tokens), so a common word costs what the user's own messages cost.
constexpr size_t kMaxScopedConversations = 50;

}  // namespace

// Newest first is rowid order (fts ids grow with time), so FTS5 walks its index backwards and stops after
// a page; visibility is joined in per hit: membership range, cleared history, messages deleted for me.
Result<SearchPage> SqliteStore::search_messages(const SearchQuery& q) {
  return read([&](Db& db) -> Result<SearchPage> {
    std::vector<std::string> scopes;
    if (!q.conversation_id.empty()) {
      scopes.push_back(search_scope(q.conversation_id));
    } else {
      auto& mine = db.stmt("SELECT conv_id FROM members WHERE user_id = ? LIMIT ?");
      mine.bind(q.user_id, static_cast<int64_t>(kMaxScopedConversations) + 1);
      while (mine.step()) scopes.push_back(search_scope(mine.text(0)));
      mine.reset();
      if (scopes.empty()) return SearchPage{};
      if (scopes.size() > kMaxScopedConversations) scopes.clear();
    }
    std::string match = "text : (" + q.match + ")";
    if (!scopes.empty()) {
      match += " AND scope : (";
      for (size_t i = 0; i < scopes.size(); ++i) match += (i ? " OR " : "") + scopes[i];
      match += ")";
    }
    auto& s = db.stmt(
        "SELECT messages_fts.rowid, messages_fts.conv_id, messages_fts.seq, "
        "snippet(messages_fts, 0, char(2), char(3), '…', 16) "
        "FROM messages_fts JOIN members m ON m.conv_id = messages_fts.conv_id AND m.user_id = ?1 "
        "WHERE messages_fts MATCH ?2 "
        "AND messages_fts.seq >= m.min_seq AND (m.active = 1 OR messages_fts.seq <= m.last_seq) "
        "AND messages_fts.seq > m.cleared_seq "
        "AND (?3 = '' OR messages_fts.conv_id = ?3) AND (?4 = '' OR messages_fts.sender_id = ?4) "
        "AND (?5 = 0 OR messages_fts.kind = ?5) AND (?6 = 0 OR messages_fts.created_at > ?6) "
        "AND (?7 = 0 OR messages_fts.created_at < ?7) AND (?8 = 0 OR messages_fts.rowid < ?8) "
        "AND NOT EXISTS (SELECT 1 FROM hidden_messages h WHERE h.user_id = ?1 AND h.conv_id = messages_fts.conv_id "
        "AND h.seq = messages_fts.seq) "
        "ORDER BY messages_fts.rowid DESC LIMIT ?9");
    s.bind(q.user_id, match, q.conversation_id, q.sender_id, static_cast<int>(q.kind), q.after_ms, q.before_ms,
           q.before_rowid, static_cast<int64_t>(q.limit) + 1);
    SearchPage page;
    for (;;) {
      try {
        if (!s.step()) break;
      } catch (const SqliteError& e) {
        // FTS5 rejects some expressions (it is the only part here that depends on the user's input).
        if (e.code() == SQLITE_ERROR) return fail(v1::INVALID_ARGUMENT, "the search query could not be understood");
        throw;
      }
      if (page.hits.size() == q.limit) {
        page.next_rowid = page.hits.empty() ? 0 : s.i64(0) + 1;
        break;
      }
      auto m = load_message(db, s.text(1), static_cast<uint64_t>(s.i64(2)));
      if (!m) continue;
      auto& hit = page.hits.emplace_back();
      *hit.mutable_message() = std::move(*m);
      hit.set_snippet(s.text(3));
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
