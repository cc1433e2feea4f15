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
};

}  // namespace

int latest_schema_version() { return static_cast<int>(std::size(kMigrations)); }

void migrate(Db& db) {
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
}

}  // namespace parley::store::sqlite
