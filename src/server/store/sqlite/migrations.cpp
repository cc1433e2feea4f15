#include "server/store/sqlite/migrations.h"

#include <string>

namespace parley::store::sqlite {
namespace {

// Migration N is kMigrations[N - 1].
constexpr const char* kMigrations[] = {
    // 1: accounts, sessions, conversations, members, messages.
    R"sql(
CREATE TABLE users (
  user_id       TEXT PRIMARY KEY,
  display_name  TEXT NOT NULL,
  password_hash TEXT NOT NULL DEFAULT '',
  disabled      INTEGER NOT NULL DEFAULT 0,
  created_at    INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE sessions (
  token_hash         TEXT PRIMARY KEY,
  refresh_hash       TEXT NOT NULL UNIQUE,
  user_id            TEXT NOT NULL,
  device_id          TEXT NOT NULL,
  platform           INTEGER NOT NULL,
  created_at         INTEGER NOT NULL,
  expires_at         INTEGER NOT NULL,
  refresh_expires_at INTEGER NOT NULL,
  last_seen          INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_by_user ON sessions (user_id, device_id);

-- A conversation's max_seq is its newest message's seq (an index seek on messages), not a column to update.
CREATE TABLE conversations (
  conv_id    TEXT PRIMARY KEY,
  kind       INTEGER NOT NULL,
  name       TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL
) WITHOUT ROWID;

-- version: a store-wide counter stamped on a member row whenever the conversation changes for that user;
-- sync reads (user_id, version > cursor), so its cost follows what changed, not how many conversations exist.
CREATE TABLE members (
  conv_id  TEXT NOT NULL,
  user_id  TEXT NOT NULL,
  role     INTEGER NOT NULL,
  active   INTEGER NOT NULL,
  min_seq  INTEGER NOT NULL,
  last_seq INTEGER NOT NULL DEFAULT 0,
  read_seq INTEGER NOT NULL DEFAULT 0,
  version  INTEGER NOT NULL,
  PRIMARY KEY (conv_id, user_id)
) WITHOUT ROWID;
CREATE INDEX members_by_user_version ON members (user_id, version);

-- Append-only timeline: one row per message per conversation, never copied per recipient.
CREATE TABLE messages (
  conv_id       TEXT NOT NULL,
  seq           INTEGER NOT NULL,
  server_msg_id TEXT NOT NULL,
  sender_id     TEXT NOT NULL,
  client_msg_id TEXT NOT NULL,
  created_at    INTEGER NOT NULL,
  body          BLOB NOT NULL,
  PRIMARY KEY (conv_id, seq)
) WITHOUT ROWID;
CREATE UNIQUE INDEX messages_by_client_id ON messages (sender_id, client_msg_id);
)sql",

    // 2: complete messaging. Message kinds and counting, operations on messages, per-user conversation
    // state, groups' shared settings, friends, blocks, user events for sync, full-text search.
    R"sql(
-- kind: the MessageKind. ord: how many countable messages (not SYSTEM, EDIT, REVOKE, REACTION) the
-- conversation has up to and including this one, so an unread count is two primary-key lookups.
-- fts_id: the message's row in messages_fts (0: not indexed).
ALTER TABLE messages ADD COLUMN kind INTEGER NOT NULL DEFAULT 1;
ALTER TABLE messages ADD COLUMN ord INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN fts_id INTEGER NOT NULL DEFAULT 0;
UPDATE messages SET kind = 2 WHERE client_msg_id LIKE 'system-%';
UPDATE messages SET ord = o.n FROM (
  SELECT conv_id, seq, SUM(kind = 1) OVER (PARTITION BY conv_id ORDER BY seq) AS n FROM messages) AS o
WHERE messages.conv_id = o.conv_id AND messages.seq = o.seq;

-- version: stamped on every change visible to all members (messages, group changes), so a group's message
-- updates one row, not one per member (fan-out on read); sync takes the newer of this and members.version.
-- info: GroupInfo (protobuf) without member_count, which is its own column.
ALTER TABLE conversations ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN info BLOB NOT NULL DEFAULT x'';
ALTER TABLE conversations ADD COLUMN member_count INTEGER NOT NULL DEFAULT 0;
UPDATE conversations SET member_count = (SELECT COUNT(*) FROM members m WHERE m.conv_id = conversations.conv_id AND m.active = 1);
UPDATE conversations SET version = (SELECT COALESCE(MAX(version), 0) FROM members m WHERE m.conv_id = conversations.conv_id);

-- hidden_seq: the user hid the conversation when its newest seq was this (hidden while nothing newer).
-- settings: ConversationSettings (protobuf).
ALTER TABLE members ADD COLUMN delivered_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE members ADD COLUMN cleared_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE members ADD COLUMN hidden_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE members ADD COLUMN silenced_until INTEGER NOT NULL DEFAULT 0;
ALTER TABLE members ADD COLUMN settings BLOB NOT NULL DEFAULT x'';

-- privacy: PrivacySettings (protobuf).
ALTER TABLE users ADD COLUMN privacy BLOB NOT NULL DEFAULT x'';
CREATE INDEX users_by_id_nocase ON users (user_id COLLATE NOCASE);
CREATE INDEX users_by_name_nocase ON users (display_name COLLATE NOCASE);

-- Who a message mentions; user_id '*' is @all.
CREATE TABLE mentions (
  conv_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  seq     INTEGER NOT NULL,
  PRIMARY KEY (conv_id, user_id, seq)
) WITHOUT ROWID;

CREATE TABLE reactions (
  conv_id    TEXT NOT NULL,
  seq        INTEGER NOT NULL,
  emoji      TEXT NOT NULL,
  user_id    TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (conv_id, seq, emoji, user_id)
) WITHOUT ROWID;

-- Messages a user deleted for themselves.
CREATE TABLE hidden_messages (
  user_id TEXT NOT NULL,
  conv_id TEXT NOT NULL,
  seq     INTEGER NOT NULL,
  PRIMARY KEY (user_id, conv_id, seq)
) WITHOUT ROWID;

-- A user's private events (Event protobuf) keyed by the same store-wide version as members, so one sync
-- cursor covers conversations and these.
CREATE TABLE user_events (
  user_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  body    BLOB NOT NULL,
  PRIMARY KEY (user_id, version)
) WITHOUT ROWID;

-- Friendship is stored in both directions; each side has its own remark.
CREATE TABLE friends (
  user_id   TEXT NOT NULL,
  friend_id TEXT NOT NULL,
  remark    TEXT NOT NULL DEFAULT '',
  since     INTEGER NOT NULL,
  PRIMARY KEY (user_id, friend_id)
) WITHOUT ROWID;

CREATE TABLE friend_requests (
  from_id    TEXT NOT NULL,
  to_id      TEXT NOT NULL,
  message    TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (from_id, to_id)
) WITHOUT ROWID;
CREATE INDEX friend_requests_by_to ON friend_requests (to_id, from_id);

CREATE TABLE blocks (
  user_id    TEXT NOT NULL,
  blocked_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (user_id, blocked_id)
) WITHOUT ROWID;

CREATE TABLE join_requests (
  conv_id    TEXT NOT NULL,
  user_id    TEXT NOT NULL,
  message    TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (conv_id, user_id)
) WITHOUT ROWID;

-- Full-text index of message text (rowid = messages.fts_id, increasing with time, so newest first is
-- rowid order). Kept in step by the writer: insert on send, update on edit, delete on revoke. scope holds
-- one token naming the conversation, so a search can be limited to a user's conversations inside FTS5.
CREATE VIRTUAL TABLE messages_fts USING fts5(
  text, scope, conv_id UNINDEXED, seq UNINDEXED, sender_id UNINDEXED, kind UNINDEXED, created_at UNINDEXED,
  tokenize = 'unicode61 remove_diacritics 2');
)sql",

    // 3: media blobs (issue 6). The bytes live in the BlobStore; these rows say what they are, who uploaded
    // them and which messages reference them. touched_at: the last upload, or the last time a reference went
    // away (revoke); garbage collection takes unreferenced blobs untouched for the grace period.
    R"sql(
CREATE TABLE blobs (
  blob_id    TEXT PRIMARY KEY,
  size       INTEGER NOT NULL,
  mime_type  TEXT NOT NULL,
  info       BLOB NOT NULL,
  created_at INTEGER NOT NULL,
  touched_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX blobs_by_touched ON blobs (touched_at);

CREATE TABLE blob_uploads (
  blob_id     TEXT NOT NULL,
  user_id     TEXT NOT NULL,
  uploaded_at INTEGER NOT NULL,
  PRIMARY KEY (blob_id, user_id)
) WITHOUT ROWID;
CREATE INDEX blob_uploads_by_user ON blob_uploads (user_id);

CREATE TABLE blob_refs (
  blob_id TEXT NOT NULL,
  conv_id TEXT NOT NULL,
  seq     INTEGER NOT NULL,
  PRIMARY KEY (blob_id, conv_id, seq)
) WITHOUT ROWID;
CREATE INDEX blob_refs_by_message ON blob_refs (conv_id, seq);
)sql",
};

}  // namespace

int latest_schema_version() { return static_cast<int>(std::size(kMigrations)); }

int migrate(Db& db) {
  auto& get = db.stmt("PRAGMA user_version");
  get.bind();
  int current = get.step() ? static_cast<int>(get.i64(0)) : 0;
  get.bind();
  if (current > latest_schema_version()) {
    throw SqliteError(SQLITE_ERROR, "the database schema (version " + std::to_string(current) +
                                        ") is newer than this parleyd (version " +
                                        std::to_string(latest_schema_version()) + ")");
  }
  for (int v = current + 1; v <= latest_schema_version(); ++v) {
    db.exec("BEGIN IMMEDIATE");
    try {
      db.exec(kMigrations[v - 1]);
      db.exec(("PRAGMA user_version = " + std::to_string(v)).c_str());
      db.exec("COMMIT");
    } catch (...) {
      db.exec("ROLLBACK");
      throw;
    }
  }
  return current;
}

}  // namespace parley::store::sqlite
