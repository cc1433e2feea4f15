// Row helpers shared by the SQLite store's files: loading records, the column lists they read, and the
// small writes several operations share. All of them run inside a caller's read or write transaction.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "server/store/sqlite/db.h"
#include "server/store/store.h"

namespace parley::store::sqlite {

// The columns message_from_row() reads, in order. A macro, so that each statement stays one string literal
// (statements are cached by the literal's address).
#define MESSAGE_COLUMNS "conv_id, seq, server_msg_id, sender_id, client_msg_id, created_at, body"
#define SESSION_COLUMNS \
  "token_hash, refresh_hash, user_id, device_id, platform, created_at, expires_at, refresh_expires_at, last_seen"

// A SQLite failure as the error a Store call returns.
std::unexpected<Error> store_failure(const SqliteError& e);

v1::Message message_from_row(const Stmt& s, int first_column = 0);
SessionRecord session_from_row(const Stmt& s);

std::optional<UserRecord> load_user(Db& db, const std::string& user_id);
v1::User public_user(const UserRecord& user);
std::optional<MemberRecord> load_member(Db& db, const std::string& conv, const std::string& user);
std::optional<v1::Message> load_message(Db& db, const std::string& conv, uint64_t seq);
// The earlier message with this sender and client_msg_id, if any.
std::optional<v1::Message> find_by_client_id(Db& db, const std::string& sender, const std::string& client_msg_id);
std::vector<std::string> active_members(Db& db, const std::string& conv);
// Active members with the role owner or admin.
std::vector<std::string> group_managers(Db& db, const std::string& conv);

// The newest seq that is not an operation (what a conversation list shows as its last message).
uint64_t last_shown_seq(Db& db, const std::string& conv);

bool is_blocked(Db& db, const std::string& blocker, const std::string& blocked);
bool are_friends(Db& db, const std::string& a, const std::string& b);

// Adds `user` as an active member (or re-activates a former one) who sees seqs from min_seq on and has read
// up to read_seq (a cursor is never moved back).
void insert_member(Db& db, const std::string& conv, const std::string& user, Role role, uint64_t min_seq,
                   uint64_t version, uint64_t read_seq = 0);

// Rewrites a stored message's body and its search index row after an operation changed it; a message
// indexed for the first time takes the next id after `last_fts_id`.
void save_message_body(Db& db, const v1::Message& m, uint64_t& last_fts_id);

// The text a message is found by in search (text, file name, place names, contact); empty: not indexed.
std::string searchable_text(const v1::Message& m);

// The token standing for a conversation in messages_fts.scope ("s" and 16 hex digits of a hash of its id).
std::string search_scope(const std::string& conversation_id);
// Adds a message's text to the search index under a new rowid; returns the rowid.
void index_message(Db& db, int64_t fts_id, const std::string& text, const v1::Message& m);

bool is_operation(v1::MessageKind kind);
// Countable messages are the ones unread counts count: everything but operations and system events.
bool is_countable(v1::MessageKind kind);

std::vector<std::string> deduplicated(std::vector<std::string> ids);

}  // namespace parley::store::sqlite
