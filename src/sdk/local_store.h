// The SDK's local store: one SQLite database per account holding conversations, messages (each with its
// serialized protobuf, so fields and kinds newer than this SDK survive), members seen in system messages,
// the sync cursor, the session, and the outbox of unsent messages. Local full-text search through FTS5.
//
// Threading: owned by the client thread. Every method may throw StorageError (disk full, corrupt file).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "parley/client.h"
#include "parley/v1/common.pb.h"
#include "parley/v1/client.pb.h"
#include "sdk/sqlite_db.h"

namespace parley::sdk {

struct OutboxRow {
  int64_t id = 0;  // insertion order: the send order within a conversation
  std::string client_msg_id;
  std::string conversation_id;
  std::string text;
  SendState state = SendState::kSending;
  std::string error;
  int64_t created_ms = 0;
};

struct ConversationState {
  uint64_t max_seq = 0;
  uint64_t min_seq = 0;
  uint64_t read_seq = 0;
  bool read_pending = false;  // read_seq was moved here and the server has not confirmed it yet
  bool known = false;         // a row exists
};

// Keys of the meta table.
inline constexpr const char* kMetaUserId = "user_id";
inline constexpr const char* kMetaDisplayName = "display_name";
inline constexpr const char* kMetaToken = "token";
inline constexpr const char* kMetaRefreshToken = "refresh_token";
inline constexpr const char* kMetaTokenExpiresMs = "token_expires_ms";
inline constexpr const char* kMetaDeviceId = "device_id";
inline constexpr const char* kMetaSyncCursor = "sync_cursor";

class LocalStore {
 public:
  // Opens or creates the database and applies pending migrations.
  static std::unique_ptr<LocalStore> open(const std::string& path);

  std::optional<std::string> meta(const std::string& key);
  void set_meta(const std::string& key, const std::string& value);
  void erase_meta(const std::string& key);

  SqliteDb& db() { return *db_; }

  // Stores a message unless (conversation_id, seq) is already there; updates the conversation's counters and
  // members (from system messages). `me` is this account's user id. True when it was new.
  bool insert_message(const v1::Message& message, const std::string& me);
  // The newest seq stored for the conversation (0: none).
  uint64_t max_stored_seq(const std::string& conversation_id);
  // Up to `limit` messages with seq < before_seq (0: no bound), newest first.
  std::vector<v1::Message> messages_before(const std::string& conversation_id, uint64_t before_seq, uint32_t limit);
  std::vector<v1::Message> search(const std::string& fts_query, uint32_t limit);
  std::optional<v1::Message> message_by_client_id(const std::string& client_msg_id);

  // Applies a sync entry (server state wins, except a read cursor moved here and not yet confirmed).
  void apply_summary(const v1::ConversationSummary& summary);
  ConversationState conversation_state(const std::string& conversation_id);
  std::vector<ConversationRecord> conversations();
  std::optional<ConversationRecord> conversation(const std::string& conversation_id);
  // Moves the read cursor forward. `pending`: set here, still to be sent to the server.
  void set_read_seq(const std::string& conversation_id, uint64_t seq, bool pending);
  // The server confirmed `confirmed_seq`: no longer pending once it covers the local cursor.
  void clear_read_pending(const std::string& conversation_id, uint64_t confirmed_seq);
  // Moves the other user's delivered/read cursors forward (direct chats).
  void set_peer_cursors(const std::string& conversation_id, uint64_t delivered_seq, uint64_t read_seq);
  void set_settings(const std::string& conversation_id, const v1::ConversationSettings& settings, bool hidden);
  // Overwrites a stored message with its current state from the server (edited, revoked, reactions). False
  // when (conversation_id, seq) is not stored here.
  bool replace_message(const v1::Message& message);
  std::optional<v1::Message> message_at(const std::string& conversation_id, uint64_t seq);
  // Deletes these seqs and (up_to_seq > 0) everything up to up_to_seq; returns how many rows went.
  size_t delete_messages(const std::string& conversation_id, const std::vector<uint64_t>& seqs, uint64_t up_to_seq);
  // The server refused the cursor move: stop retrying it.
  void drop_read_pending(const std::string& conversation_id);
  std::vector<std::pair<std::string, uint64_t>> pending_reads();
  std::vector<std::string> members(const std::string& conversation_id);
  struct Behind {
    std::string conversation_id;
    uint64_t stored_seq = 0;  // newest stored
    uint64_t max_seq = 0;     // newest on the server, as last heard
  };
  // Conversations whose newest messages are not stored yet (at most `limit`).
  std::vector<Behind> conversations_behind(size_t limit);

  // Friends and blocked users (local_store_contacts.cpp): a cache of the server's lists.
  enum class Relation { kFriend = 1, kBlocked = 2 };
  // Replaces the whole list (the server's answer to list_friends / list_blocked).
  void replace_contacts(Relation relation, const std::vector<ContactRecord>& contacts);
  // Adds or refreshes one entry; empty display_name / remark / since_ms keep what is stored.
  void upsert_contact(Relation relation, const ContactRecord& contact);
  void remove_contact(Relation relation, const std::string& user_id);
  void set_contact_remark(const std::string& user_id, const std::string& remark);
  // Ordered by user id, at most kMaxContacts.
  std::vector<ContactRecord> contacts(Relation relation);
  static constexpr int64_t kMaxContacts = 100000;

  // Outbox.
  void add_outbox(const OutboxRow& row);
  size_t outbox_unsent_count();
  // Unsent (kSending) messages in send order, at most `limit`.
  std::vector<OutboxRow> outbox_sending(size_t limit);
  std::vector<OutboxRow> outbox_of(const std::string& conversation_id);
  // Every unsent message (sending or failed), oldest first, at most `limit`.
  std::vector<OutboxRow> outbox_all(size_t limit);
  std::optional<OutboxRow> outbox_row(const std::string& client_msg_id);
  void set_outbox_state(const std::string& client_msg_id, SendState state, const std::string& error);
  void remove_outbox(const std::string& client_msg_id);

 private:
  explicit LocalStore(std::unique_ptr<SqliteDb> db) : db_(std::move(db)) {}
  void migrate();
  void ensure_conversation(const std::string& conversation_id);

  std::unique_ptr<SqliteDb> db_;
};

}  // namespace parley::sdk
