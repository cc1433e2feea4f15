#include "server/store/sqlite/rows.h"

#include <algorithm>
#include <cstdio>

namespace parley::store::sqlite {

std::unexpected<Error> store_failure(const SqliteError& e) {
  if (e.code() == SQLITE_FULL || (e.code() & 0xff) == SQLITE_FULL) {
    return fail(v1::UNAVAILABLE, "the server's disk is full; nothing was saved");
  }
  return fail(v1::UNAVAILABLE, std::string("storage error: ") + e.what());
}

v1::Message message_from_row(const Stmt& s, int c) {
  v1::Message m;
  auto body = s.blob(c + 6);
  m.ParseFromArray(body.data(), static_cast<int>(body.size()));
  m.set_conversation_id(s.text(c));
  m.set_seq(static_cast<uint64_t>(s.i64(c + 1)));
  m.set_server_msg_id(s.text(c + 2));
  m.set_sender_id(s.text(c + 3));
  m.set_client_msg_id(s.text(c + 4));
  m.set_timestamp_ms(s.i64(c + 5));
  return m;
}

SessionRecord session_from_row(const Stmt& s) {
  SessionRecord r;
  r.token_hash = s.text(0);
  r.refresh_hash = s.text(1);
  r.user_id = s.text(2);
  r.device_id = s.text(3);
  r.platform = static_cast<v1::Platform>(s.i64(4));
  r.created_at_ms = s.i64(5);
  r.expires_at_ms = s.i64(6);
  r.refresh_expires_at_ms = s.i64(7);
  r.last_seen_ms = s.i64(8);
  return r;
}

std::optional<UserRecord> load_user(Db& db, const std::string& user_id) {
  auto& s = db.stmt(
      "SELECT user_id, display_name, password_hash, disabled, created_at, privacy FROM users WHERE user_id = ?");
  s.bind(user_id);
  if (!s.step()) return std::nullopt;
  UserRecord u{s.text(0), s.text(1), s.text(2), s.i64(3) != 0, s.i64(4), {}};
  auto privacy = s.blob(5);
  u.privacy.ParseFromArray(privacy.data(), static_cast<int>(privacy.size()));
  return u;
}

v1::User public_user(const UserRecord& user) {
  v1::User u;
  u.set_user_id(user.user_id);
  u.set_display_name(user.display_name);
  u.set_disabled(user.disabled);
  u.set_created_at_ms(user.created_at_ms);
  return u;
}

std::optional<MemberRecord> load_member(Db& db, const std::string& conv, const std::string& user) {
  auto& s = db.stmt(
      "SELECT role, active, min_seq, last_seq, read_seq, delivered_seq, cleared_seq, silenced_until "
      "FROM members WHERE conv_id = ? AND user_id = ?");
  s.bind(conv, user);
  if (!s.step()) return std::nullopt;
  MemberRecord m;
  m.conversation_id = conv;
  m.user_id = user;
  m.role = static_cast<Role>(s.i64(0));
  m.active = s.i64(1) != 0;
  m.min_seq = static_cast<uint64_t>(s.i64(2));
  m.last_seq = static_cast<uint64_t>(s.i64(3));
  m.read_seq = static_cast<uint64_t>(s.i64(4));
  m.delivered_seq = static_cast<uint64_t>(s.i64(5));
  m.cleared_seq = static_cast<uint64_t>(s.i64(6));
  m.silenced_until_ms = s.i64(7);
  return m;
}

std::optional<v1::Message> load_message(Db& db, const std::string& conv, uint64_t seq) {
  auto& s = db.stmt("SELECT " MESSAGE_COLUMNS " FROM messages WHERE conv_id = ? AND seq = ?");
  s.bind(conv, seq);
  if (!s.step()) return std::nullopt;
  return message_from_row(s);
}

std::optional<v1::Message> find_by_client_id(Db& db, const std::string& sender, const std::string& client_msg_id) {
  auto& s = db.stmt("SELECT " MESSAGE_COLUMNS " FROM messages WHERE sender_id = ? AND client_msg_id = ?");
  s.bind(sender, client_msg_id);
  if (!s.step()) return std::nullopt;
  return message_from_row(s);
}

std::vector<std::string> active_members(Db& db, const std::string& conv) {
  auto& s = db.stmt("SELECT user_id FROM members WHERE conv_id = ? AND active = 1");
  s.bind(conv);
  std::vector<std::string> out;
  while (s.step()) out.push_back(s.text(0));
  return out;
}

std::vector<std::string> group_managers(Db& db, const std::string& conv) {
  auto& s = db.stmt("SELECT user_id FROM members WHERE conv_id = ? AND active = 1 AND role IN (1, 2)");
  s.bind(conv);
  std::vector<std::string> out;
  while (s.step()) out.push_back(s.text(0));
  return out;
}

uint64_t last_shown_seq(Db& db, const std::string& conv) {
  auto& s = db.stmt("SELECT seq FROM messages WHERE conv_id = ? AND kind NOT IN (20, 21, 22) ORDER BY seq DESC LIMIT 1");
  s.bind(conv);
  uint64_t seq = s.step() ? static_cast<uint64_t>(s.i64(0)) : 0;
  s.reset();
  return seq;
}

bool is_blocked(Db& db, const std::string& blocker, const std::string& blocked) {
  auto& s = db.stmt("SELECT 1 FROM blocks WHERE user_id = ? AND blocked_id = ?");
  s.bind(blocker, blocked);
  bool found = s.step();
  s.reset();
  return found;
}

bool are_friends(Db& db, const std::string& a, const std::string& b) {
  auto& s = db.stmt("SELECT 1 FROM friends WHERE user_id = ? AND friend_id = ?");
  s.bind(a, b);
  bool found = s.step();
  s.reset();
  return found;
}

void insert_member(Db& db, const std::string& conv, const std::string& user, Role role, uint64_t min_seq,
                   uint64_t version, uint64_t read_seq) {
  db.stmt(
        "INSERT INTO members (conv_id, user_id, role, active, min_seq, last_seq, read_seq, version) "
        "VALUES (?, ?, ?, 1, ?, 0, ?, ?) "
        "ON CONFLICT (conv_id, user_id) DO UPDATE SET role = excluded.role, active = 1, min_seq = excluded.min_seq, "
        "last_seq = 0, read_seq = MAX(read_seq, excluded.read_seq), version = excluded.version, silenced_until = 0")
      .bind(conv, user, static_cast<int>(role), min_seq, read_seq, version)
      .exec();
}

std::string searchable_text(const v1::Message& m) {
  if (m.revoked() || is_operation(m.kind()) || m.kind() == v1::SYSTEM) return "";
  std::string text = m.text();
  auto add = [&](const std::string& part) {
    if (part.empty()) return;
    if (!text.empty()) text += ' ';
    text += part;
  };
  add(m.media().file_name());
  add(m.location().name());
  add(m.location().address());
  add(m.contact().display_name());
  for (const auto& inner : m.merged()) add(inner.text());
  return text;
}

void save_message_body(Db& db, const v1::Message& m, uint64_t& last_fts_id) {
  v1::Message body = m;
  body.clear_conversation_id();
  body.clear_seq();
  body.clear_server_msg_id();
  body.clear_sender_id();
  body.clear_client_msg_id();
  body.clear_timestamp_ms();
  std::string bytes = body.SerializeAsString();
  db.stmt("UPDATE messages SET body = ? WHERE conv_id = ? AND seq = ?")
      .bind(Blob{bytes}, m.conversation_id(), m.seq())
      .exec();
  // The index row is replaced whole (or dropped, or made for the first time): an edit can empty a message's
  // searchable text and a later one fill it again. The rowid stays, so the message keeps its place in time.
  auto& id = db.stmt("SELECT fts_id FROM messages WHERE conv_id = ? AND seq = ?");
  id.bind(m.conversation_id(), m.seq());
  int64_t fts_id = id.step() ? id.i64(0) : 0;
  id.reset();
  if (fts_id != 0) db.stmt("DELETE FROM messages_fts WHERE rowid = ?").bind(fts_id).exec();
  const std::string text = searchable_text(m);
  if (text.empty()) return;
  if (fts_id == 0) {
    fts_id = static_cast<int64_t>(++last_fts_id);
    db.stmt("UPDATE messages SET fts_id = ? WHERE conv_id = ? AND seq = ?").bind(fts_id, m.conversation_id(), m.seq()).exec();
  }
  index_message(db, fts_id, text, m);
}

std::string search_scope(const std::string& conversation_id) {
  uint64_t h = 14695981039346656037ull;  // FNV-1a
  for (unsigned char c : conversation_id) h = (h ^ c) * 1099511628211ull;
  char out[18];
  std::snprintf(out, sizeof out, "s%016llx", static_cast<unsigned long long>(h));
  return out;
}

void index_message(Db& db, int64_t fts_id, const std::string& text, const v1::Message& m) {
  db.stmt("INSERT INTO messages_fts (rowid, text, scope, conv_id, seq, sender_id, kind, created_at) "
          "VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
      .bind(fts_id, text, search_scope(m.conversation_id()), m.conversation_id(), m.seq(), m.sender_id(),
            static_cast<int>(m.kind()), m.timestamp_ms())
      .exec();
}

bool is_operation(v1::MessageKind kind) {
  return kind == v1::EDIT || kind == v1::REVOKE || kind == v1::REACTION;
}

bool is_countable(v1::MessageKind kind) { return !is_operation(kind) && kind != v1::SYSTEM; }

std::vector<std::string> deduplicated(std::vector<std::string> ids) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

}  // namespace parley::store::sqlite
