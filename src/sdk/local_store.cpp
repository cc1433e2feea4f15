#include "sdk/local_store.h"

#include <algorithm>

namespace parley::sdk {
namespace {

// Numbered migrations: entry i takes the schema from user_version i to i + 1. Append only.
constexpr const char* kMigrations[] = {
    R"sql(
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE conversations(
  conversation_id TEXT PRIMARY KEY,
  kind INTEGER NOT NULL DEFAULT 0,
  name TEXT NOT NULL DEFAULT '',
  max_seq INTEGER NOT NULL DEFAULT 0,
  min_seq INTEGER NOT NULL DEFAULT 0,
  read_seq INTEGER NOT NULL DEFAULT 0,
  read_pending INTEGER NOT NULL DEFAULT 0,
  active INTEGER NOT NULL DEFAULT 1,
  last_seq INTEGER NOT NULL DEFAULT 0,
  last_text TEXT NOT NULL DEFAULT '',
  last_sender_id TEXT NOT NULL DEFAULT '',
  last_timestamp_ms INTEGER NOT NULL DEFAULT 0);
CREATE TABLE messages(
  id INTEGER PRIMARY KEY,
  conversation_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  server_msg_id TEXT NOT NULL,
  client_msg_id TEXT NOT NULL,
  sender_id TEXT NOT NULL,
  timestamp_ms INTEGER NOT NULL,
  kind INTEGER NOT NULL,
  text TEXT NOT NULL,
  body BLOB NOT NULL,
  UNIQUE(conversation_id, seq));
CREATE INDEX messages_by_client_msg_id ON messages(client_msg_id);
CREATE VIRTUAL TABLE messages_fts USING fts5(text, content='messages', content_rowid='id');
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
  INSERT INTO messages_fts(rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
  INSERT INTO messages_fts(messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF text ON messages BEGIN
  INSERT INTO messages_fts(messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
  INSERT INTO messages_fts(rowid, text) VALUES (new.id, new.text);
END;
CREATE TABLE members(
  conversation_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  PRIMARY KEY(conversation_id, user_id)) WITHOUT ROWID;
CREATE TABLE outbox(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  client_msg_id TEXT NOT NULL UNIQUE,
  conversation_id TEXT NOT NULL,
  text TEXT NOT NULL,
  state INTEGER NOT NULL,
  error TEXT NOT NULL DEFAULT '',
  created_ms INTEGER NOT NULL);
)sql",
    R"sql(
ALTER TABLE conversations ADD COLUMN peer_delivered_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN peer_read_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN muted_until_ms INTEGER NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN archived INTEGER NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN hidden INTEGER NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN draft TEXT NOT NULL DEFAULT '';
)sql",
    R"sql(
CREATE TABLE contacts(
  relation INTEGER NOT NULL,
  user_id TEXT NOT NULL,
  display_name TEXT NOT NULL DEFAULT '',
  remark TEXT NOT NULL DEFAULT '',
  since_ms INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY(relation, user_id)) WITHOUT ROWID;
)sql",
};

// Operations on an earlier message: stored in the timeline (they hold a seq) but never its preview.
bool is_operation(v1::MessageKind kind) {
  return kind == v1::EDIT || kind == v1::REVOKE || kind == v1::REACTION;
}

v1::ConversationKind kind_of_id(const std::string& id) {
  if (id.starts_with("d:")) return v1::DIRECT;
  if (id.starts_with("g:")) return v1::GROUP;
  return v1::CONVERSATION_KIND_UNSPECIFIED;
}

std::string kind_name(int kind) {
  const auto& name = v1::ConversationKind_Name(static_cast<v1::ConversationKind>(kind));
  return name.empty() ? std::to_string(kind) : name;
}

v1::Message parse_message(const std::string& body) {
  v1::Message m;
  m.ParseFromString(body);  // written by this store from a parsed message; cannot fail short of corruption
  return m;
}

}  // namespace

std::unique_ptr<LocalStore> LocalStore::open(const std::string& path) {
  auto db = std::make_unique<SqliteDb>(path);
  db->exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;");
  std::unique_ptr<LocalStore> store(new LocalStore(std::move(db)));
  store->migrate();
  return store;
}

void LocalStore::migrate() {
  auto& version_stmt = db_->stmt("PRAGMA user_version");
  version_stmt.bind();
  int64_t version = version_stmt.step() ? version_stmt.i64(0) : 0;
  version_stmt.reset();
  constexpr int64_t kLatest = static_cast<int64_t>(std::size(kMigrations));
  if (version > kLatest) {
    throw StorageError("local database was written by a newer SDK (schema " + std::to_string(version) + ")");
  }
  for (int64_t v = version; v < kLatest; ++v) {
    Transaction tx(*db_);
    db_->exec(kMigrations[v]);
    db_->exec(("PRAGMA user_version = " + std::to_string(v + 1)).c_str());
    tx.commit();
  }
}

std::optional<std::string> LocalStore::meta(const std::string& key) {
  auto& s = db_->stmt("SELECT value FROM meta WHERE key = ?1");
  s.bind(key);
  std::optional<std::string> out;
  if (s.step()) out = s.text(0);
  s.reset();
  return out;
}

void LocalStore::set_meta(const std::string& key, const std::string& value) {
  db_->stmt("INSERT INTO meta(key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value")
      .bind(key, value)
      .run();
}

void LocalStore::erase_meta(const std::string& key) { db_->stmt("DELETE FROM meta WHERE key = ?1").bind(key).run(); }

void LocalStore::ensure_conversation(const std::string& conversation_id) {
  db_->stmt("INSERT OR IGNORE INTO conversations(conversation_id, kind) VALUES (?1, ?2)")
      .bind(conversation_id, static_cast<int>(kind_of_id(conversation_id)))
      .run();
}

bool LocalStore::insert_message(const v1::Message& m, const std::string& me) {
  std::string body = m.SerializeAsString();
  db_->stmt(
         "INSERT OR IGNORE INTO messages(conversation_id, seq, server_msg_id, client_msg_id, sender_id, "
         "timestamp_ms, kind, text, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)")
      .bind(m.conversation_id(), m.seq(), m.server_msg_id(), m.client_msg_id(), m.sender_id(), m.timestamp_ms(),
            static_cast<int>(m.kind()), is_operation(m.kind()) ? std::string() : m.text(), Blob{body})
      .run();
  if (db_->changes() == 0) return false;

  ensure_conversation(m.conversation_id());
  if (is_operation(m.kind())) {
    db_->stmt("UPDATE conversations SET max_seq = MAX(max_seq, ?2) WHERE conversation_id = ?1")
        .bind(m.conversation_id(), m.seq())
        .run();
    return true;
  }
  std::string preview =
      m.kind() == v1::SYSTEM ? "[" + v1::SystemEvent::Action_Name(m.system().action()) + "]" : m.text();
  db_->stmt(
         "UPDATE conversations SET max_seq = MAX(max_seq, ?2), "
         "last_text = CASE WHEN ?2 >= last_seq THEN ?3 ELSE last_text END, "
         "last_sender_id = CASE WHEN ?2 >= last_seq THEN ?4 ELSE last_sender_id END, "
         "last_timestamp_ms = CASE WHEN ?2 >= last_seq THEN ?5 ELSE last_timestamp_ms END, "
         "last_seq = MAX(last_seq, ?2) WHERE conversation_id = ?1")
      .bind(m.conversation_id(), m.seq(), preview, m.sender_id(), m.timestamp_ms())
      .run();
  if (m.sender_id() == me && m.kind() != v1::SYSTEM) {
    // The server moves the sender's read cursor to the message it sent.
    db_->stmt("UPDATE conversations SET read_seq = MAX(read_seq, ?2) WHERE conversation_id = ?1")
        .bind(m.conversation_id(), m.seq())
        .run();
  }
  if (m.kind() == v1::SYSTEM) {
    const auto& ev = m.system();
    bool adds = ev.action() == v1::SystemEvent::GROUP_CREATED || ev.action() == v1::SystemEvent::MEMBERS_ADDED ||
                ev.action() == v1::SystemEvent::MEMBERS_JOINED;
    if (ev.action() == v1::SystemEvent::GROUP_DISMISSED) {
      db_->stmt("UPDATE conversations SET active = 0 WHERE conversation_id = ?1").bind(m.conversation_id()).run();
    }
    if (ev.action() == v1::SystemEvent::GROUP_UPDATED && !ev.group().name().empty()) {
      db_->stmt("UPDATE conversations SET name = ?2 WHERE conversation_id = ?1")
          .bind(m.conversation_id(), ev.group().name())
          .run();
    }
    bool removes = ev.action() == v1::SystemEvent::MEMBERS_REMOVED;
    std::vector<std::string> users(ev.user_ids().begin(), ev.user_ids().end());
    if (ev.action() == v1::SystemEvent::GROUP_CREATED) users.push_back(ev.actor_id());
    for (const auto& user : users) {
      if (adds) {
        db_->stmt("INSERT OR IGNORE INTO members(conversation_id, user_id) VALUES (?1, ?2)")
            .bind(m.conversation_id(), user)
            .run();
      } else if (removes) {
        db_->stmt("DELETE FROM members WHERE conversation_id = ?1 AND user_id = ?2")
            .bind(m.conversation_id(), user)
            .run();
      }
      if (user == me && (adds || removes)) {
        db_->stmt("UPDATE conversations SET active = ?2 WHERE conversation_id = ?1")
            .bind(m.conversation_id(), adds)
            .run();
      }
    }
  }
  return true;
}

uint64_t LocalStore::max_stored_seq(const std::string& conversation_id) {
  auto& s = db_->stmt("SELECT COALESCE(MAX(seq), 0) FROM messages WHERE conversation_id = ?1");
  s.bind(conversation_id);
  uint64_t out = s.step() ? s.u64(0) : 0;
  s.reset();
  return out;
}

std::vector<v1::Message> LocalStore::messages_before(const std::string& conversation_id, uint64_t before_seq,
                                                     uint32_t limit) {
  auto& s = db_->stmt(
      "SELECT body FROM messages WHERE conversation_id = ?1 AND (?2 = 0 OR seq < ?2) ORDER BY seq DESC LIMIT ?3");
  s.bind(conversation_id, before_seq, limit);
  std::vector<v1::Message> out;
  while (s.step()) out.push_back(parse_message(s.blob(0)));
  return out;
}

std::vector<v1::Message> LocalStore::search(const std::string& fts_query, uint32_t limit) {
  auto& s = db_->stmt(
      "SELECT m.body FROM messages_fts JOIN messages m ON m.id = messages_fts.rowid "
      "WHERE messages_fts MATCH ?1 ORDER BY m.timestamp_ms DESC, m.id DESC LIMIT ?2");
  s.bind(fts_query, limit);
  std::vector<v1::Message> out;
  while (s.step()) out.push_back(parse_message(s.blob(0)));
  return out;
}

std::optional<v1::Message> LocalStore::message_by_client_id(const std::string& client_msg_id) {
  auto& s = db_->stmt("SELECT body FROM messages WHERE client_msg_id = ?1 LIMIT 1");
  s.bind(client_msg_id);
  std::optional<v1::Message> out;
  if (s.step()) out = parse_message(s.blob(0));
  s.reset();
  return out;
}

void LocalStore::apply_summary(const v1::ConversationSummary& c) {
  ensure_conversation(c.conversation_id());
  db_->stmt(
         "UPDATE conversations SET kind = ?2, name = ?3, max_seq = MAX(max_seq, ?4), min_seq = ?5, "
         "read_seq = CASE WHEN read_pending != 0 AND read_seq > ?6 THEN read_seq ELSE ?6 END, "
         "read_pending = CASE WHEN read_pending != 0 AND read_seq > ?6 THEN 1 ELSE 0 END, "
         "active = ?7, peer_delivered_seq = MAX(peer_delivered_seq, ?8), peer_read_seq = MAX(peer_read_seq, ?9) "
         "WHERE conversation_id = ?1")
      .bind(c.conversation_id(), static_cast<int>(c.kind()), c.name(), c.max_seq(), c.min_seq(), c.read_seq(),
            c.active(), c.peer_delivered_seq(), c.peer_read_seq())
      .run();
  set_settings(c.conversation_id(), c.settings(), c.hidden());
  if (c.has_last_message() && c.last_message().seq() > 0) {
    const auto& m = c.last_message();
    std::string preview =
        m.kind() == v1::SYSTEM ? "[" + v1::SystemEvent::Action_Name(m.system().action()) + "]" : m.text();
    db_->stmt(
           "UPDATE conversations SET last_text = ?3, last_sender_id = ?4, last_timestamp_ms = ?5, last_seq = ?2 "
           "WHERE conversation_id = ?1 AND last_seq <= ?2")
        .bind(c.conversation_id(), m.seq(), preview, m.sender_id(), m.timestamp_ms())
        .run();
  }
}

ConversationState LocalStore::conversation_state(const std::string& conversation_id) {
  auto& s = db_->stmt("SELECT max_seq, min_seq, read_seq, read_pending FROM conversations WHERE conversation_id = ?1");
  s.bind(conversation_id);
  ConversationState out;
  if (s.step()) {
    out = {s.u64(0), s.u64(1), s.u64(2), s.i64(3) != 0, true};
  }
  s.reset();
  return out;
}

namespace {
constexpr const char* kConversationColumns =
    "conversation_id, kind, name, max_seq, min_seq, read_seq, active, last_text, last_sender_id, last_timestamp_ms, "
    "peer_delivered_seq, peer_read_seq, pinned, muted_until_ms, archived, hidden, draft";

ConversationRecord conversation_from_row(const Statement& s) {
  ConversationRecord r;
  r.conversation_id = s.text(0);
  r.kind = kind_name(static_cast<int>(s.i64(1)));
  r.name = s.text(2);
  r.max_seq = s.u64(3);
  r.min_seq = s.u64(4);
  r.read_seq = s.u64(5);
  r.active = s.i64(6) != 0;
  r.last_text = s.text(7);
  r.last_sender_id = s.text(8);
  r.last_timestamp_ms = s.i64(9);
  r.peer_delivered_seq = s.u64(10);
  r.peer_read_seq = s.u64(11);
  r.pinned = s.i64(12) != 0;
  r.muted_until_ms = s.i64(13);
  r.archived = s.i64(14) != 0;
  r.hidden = s.i64(15) != 0;
  r.draft = s.text(16);
  uint64_t floor = std::max<uint64_t>(r.read_seq, r.min_seq > 0 ? r.min_seq - 1 : 0);
  r.unread_count = r.max_seq > floor ? r.max_seq - floor : 0;
  return r;
}
}  // namespace

std::vector<ConversationRecord> LocalStore::conversations() {
  static const std::string sql = std::string("SELECT ") + kConversationColumns +
                                 " FROM conversations ORDER BY last_timestamp_ms DESC, conversation_id";
  auto& s = db_->stmt(sql.c_str());
  s.bind();
  std::vector<ConversationRecord> out;
  while (s.step()) out.push_back(conversation_from_row(s));
  return out;
}

std::optional<ConversationRecord> LocalStore::conversation(const std::string& conversation_id) {
  static const std::string sql =
      std::string("SELECT ") + kConversationColumns + " FROM conversations WHERE conversation_id = ?1";
  auto& s = db_->stmt(sql.c_str());
  s.bind(conversation_id);
  std::optional<ConversationRecord> out;
  if (s.step()) out = conversation_from_row(s);
  s.reset();
  return out;
}

void LocalStore::set_read_seq(const std::string& conversation_id, uint64_t seq, bool pending) {
  ensure_conversation(conversation_id);
  db_->stmt(
         "UPDATE conversations SET read_pending = CASE WHEN ?2 > read_seq THEN ?3 ELSE read_pending END, "
         "read_seq = MAX(read_seq, ?2) WHERE conversation_id = ?1")
      .bind(conversation_id, seq, pending)
      .run();
}

void LocalStore::clear_read_pending(const std::string& conversation_id, uint64_t confirmed_seq) {
  db_->stmt(
         "UPDATE conversations SET read_pending = CASE WHEN read_seq <= ?2 THEN 0 ELSE read_pending END, "
         "read_seq = MAX(read_seq, ?2) WHERE conversation_id = ?1")
      .bind(conversation_id, confirmed_seq)
      .run();
}

void LocalStore::set_peer_cursors(const std::string& conversation_id, uint64_t delivered_seq, uint64_t read_seq) {
  ensure_conversation(conversation_id);
  db_->stmt(
         "UPDATE conversations SET peer_delivered_seq = MAX(peer_delivered_seq, ?2, ?3), "
         "peer_read_seq = MAX(peer_read_seq, ?3) WHERE conversation_id = ?1")
      .bind(conversation_id, delivered_seq, read_seq)
      .run();
}

void LocalStore::set_settings(const std::string& conversation_id, const v1::ConversationSettings& settings,
                              bool hidden) {
  db_->stmt(
         "UPDATE conversations SET pinned = ?2, muted_until_ms = ?3, archived = ?4, hidden = ?5, draft = ?6 "
         "WHERE conversation_id = ?1")
      .bind(conversation_id, settings.pinned(), settings.muted_until_ms(), settings.archived(), hidden,
            settings.draft())
      .run();
}

bool LocalStore::replace_message(const v1::Message& m) {
  std::string body = m.SerializeAsString();
  db_->stmt("UPDATE messages SET text = ?3, body = ?4 WHERE conversation_id = ?1 AND seq = ?2")
      .bind(m.conversation_id(), m.seq(), m.text(), Blob{body})
      .run();
  if (db_->changes() == 0) return false;
  db_->stmt("UPDATE conversations SET last_text = ?3 WHERE conversation_id = ?1 AND last_seq = ?2")
      .bind(m.conversation_id(), m.seq(), m.text())
      .run();
  return true;
}

std::optional<v1::Message> LocalStore::message_at(const std::string& conversation_id, uint64_t seq) {
  auto& s = db_->stmt("SELECT body FROM messages WHERE conversation_id = ?1 AND seq = ?2");
  s.bind(conversation_id, seq);
  std::optional<v1::Message> out;
  if (s.step()) out = parse_message(s.blob(0));
  s.reset();
  return out;
}

size_t LocalStore::delete_messages(const std::string& conversation_id, const std::vector<uint64_t>& seqs,
                                   uint64_t up_to_seq) {
  size_t n = 0;
  for (uint64_t seq : seqs) {
    db_->stmt("DELETE FROM messages WHERE conversation_id = ?1 AND seq = ?2").bind(conversation_id, seq).run();
    n += db_->changes();
  }
  if (up_to_seq > 0) {
    db_->stmt("DELETE FROM messages WHERE conversation_id = ?1 AND seq <= ?2").bind(conversation_id, up_to_seq).run();
    n += db_->changes();
    // Cleared history is not read again: the first readable seq moves past it.
    db_->stmt("UPDATE conversations SET min_seq = MAX(min_seq, ?2) WHERE conversation_id = ?1")
        .bind(conversation_id, up_to_seq + 1)
        .run();
  }
  return n;
}

void LocalStore::drop_read_pending(const std::string& conversation_id) {
  db_->stmt("UPDATE conversations SET read_pending = 0 WHERE conversation_id = ?1").bind(conversation_id).run();
}

std::vector<std::pair<std::string, uint64_t>> LocalStore::pending_reads() {
  auto& s = db_->stmt("SELECT conversation_id, read_seq FROM conversations WHERE read_pending != 0 LIMIT 1000");
  s.bind();
  std::vector<std::pair<std::string, uint64_t>> out;
  while (s.step()) out.emplace_back(s.text(0), s.u64(1));
  return out;
}

std::vector<std::string> LocalStore::members(const std::string& conversation_id) {
  auto& s = db_->stmt("SELECT user_id FROM members WHERE conversation_id = ?1 ORDER BY user_id");
  s.bind(conversation_id);
  std::vector<std::string> out;
  while (s.step()) out.push_back(s.text(0));
  return out;
}

std::vector<LocalStore::Behind> LocalStore::conversations_behind(size_t limit) {
  auto& s = db_->stmt(
      "SELECT conversation_id, stored, max_seq FROM (SELECT c.conversation_id, c.max_seq, "
      "(SELECT COALESCE(MAX(m.seq), 0) FROM messages m WHERE m.conversation_id = c.conversation_id) AS stored "
      "FROM conversations c) WHERE max_seq > stored LIMIT ?1");
  s.bind(static_cast<int64_t>(limit));
  std::vector<Behind> out;
  while (s.step()) out.push_back(Behind{s.text(0), s.u64(1), s.u64(2)});
  return out;
}

void LocalStore::add_outbox(const OutboxRow& row) {
  ensure_conversation(row.conversation_id);
  db_->stmt("INSERT INTO outbox(client_msg_id, conversation_id, text, state, created_ms) VALUES (?1, ?2, ?3, ?4, ?5)")
      .bind(row.client_msg_id, row.conversation_id, row.text, static_cast<int>(row.state), row.created_ms)
      .run();
}

size_t LocalStore::outbox_unsent_count() {
  auto& s = db_->stmt("SELECT COUNT(*) FROM outbox");
  s.bind();
  size_t n = s.step() ? static_cast<size_t>(s.i64(0)) : 0;
  s.reset();
  return n;
}

namespace {
constexpr const char* kOutboxColumns = "id, client_msg_id, conversation_id, text, state, error, created_ms";

OutboxRow outbox_from_row(const Statement& s) {
  return OutboxRow{s.i64(0), s.text(1), s.text(2), s.text(3), static_cast<SendState>(s.i64(4)), s.text(5), s.i64(6)};
}
}  // namespace

std::vector<OutboxRow> LocalStore::outbox_sending(size_t limit) {
  static const std::string sql = std::string("SELECT ") + kOutboxColumns +
                                 " FROM outbox WHERE state = " + std::to_string(static_cast<int>(SendState::kSending)) +
                                 " ORDER BY id LIMIT ?1";
  auto& s = db_->stmt(sql.c_str());
  s.bind(static_cast<int64_t>(limit));
  std::vector<OutboxRow> out;
  while (s.step()) out.push_back(outbox_from_row(s));
  return out;
}

std::vector<OutboxRow> LocalStore::outbox_of(const std::string& conversation_id) {
  static const std::string sql =
      std::string("SELECT ") + kOutboxColumns + " FROM outbox WHERE conversation_id = ?1 ORDER BY id LIMIT 10000";
  auto& s = db_->stmt(sql.c_str());
  s.bind(conversation_id);
  std::vector<OutboxRow> out;
  while (s.step()) out.push_back(outbox_from_row(s));
  return out;
}

std::vector<OutboxRow> LocalStore::outbox_all(size_t limit) {
  static const std::string sql = std::string("SELECT ") + kOutboxColumns + " FROM outbox ORDER BY id LIMIT ?1";
  auto& s = db_->stmt(sql.c_str());
  s.bind(static_cast<int64_t>(limit));
  std::vector<OutboxRow> out;
  while (s.step()) out.push_back(outbox_from_row(s));
  return out;
}

std::optional<OutboxRow> LocalStore::outbox_row(const std::string& client_msg_id) {
  static const std::string sql = std::string("SELECT ") + kOutboxColumns + " FROM outbox WHERE client_msg_id = ?1";
  auto& s = db_->stmt(sql.c_str());
  s.bind(client_msg_id);
  std::optional<OutboxRow> out;
  if (s.step()) out = outbox_from_row(s);
  s.reset();
  return out;
}

void LocalStore::set_outbox_state(const std::string& client_msg_id, SendState state, const std::string& error) {
  db_->stmt("UPDATE outbox SET state = ?2, error = ?3 WHERE client_msg_id = ?1")
      .bind(client_msg_id, static_cast<int>(state), error)
      .run();
}

void LocalStore::remove_outbox(const std::string& client_msg_id) {
  db_->stmt("DELETE FROM outbox WHERE client_msg_id = ?1").bind(client_msg_id).run();
}

}  // namespace parley::sdk
