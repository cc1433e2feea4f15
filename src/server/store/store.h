// The Store seam (DESIGN §1): everything Parley keeps durably. SQLite is the embedded implementation;
// PostgreSQL comes with the cluster work behind the same interface and the same tests.
//
// Threading contract:
//  - Reads are synchronous and thread-safe. They may block on disk, so call them only from worker threads,
//    never from an I/O thread.
//  - Writes are asynchronous. They are queued to the store's writer, which commits many of them in one
//    transaction (group commit). `done` runs on the writer thread after the commit is durable, or with
//    UNAVAILABLE when the commit failed (disk full, I/O error): nothing is acknowledged before it is durable.
//    Callers post from `done` to their own thread; `done` must not block.
//  - Seq allocation belongs to the store: each conversation's messages get 1, 2, 3, ... with no gaps.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "parley/v1/common.pb.h"

namespace parley::store {

template <typename T>
using Done = std::function<void(Result<T>)>;

struct UserRecord {
  std::string user_id;
  std::string display_name;
  std::string password_hash;  // argon2id encoded; empty: password login impossible
  bool disabled = false;
  int64_t created_at_ms = 0;
};

struct UserUpdate {
  std::optional<std::string> display_name;
  std::optional<bool> disabled;
  std::optional<std::string> password_hash;
};

// A login session of one device. Tokens are stored only as SHA-256 hashes.
struct SessionRecord {
  std::string token_hash;
  std::string refresh_hash;
  std::string user_id;
  std::string device_id;
  v1::Platform platform = v1::PLATFORM_UNSPECIFIED;
  int64_t created_at_ms = 0;
  int64_t expires_at_ms = 0;
  int64_t refresh_expires_at_ms = 0;
  int64_t last_seen_ms = 0;
};

enum class Role : int { kOwner = 1, kAdmin = 2, kMember = 3 };

// A user's membership in a conversation. Removed members keep their row (active = false) so they can still
// read the history they were part of, up to last_seq.
struct MemberRecord {
  std::string conversation_id;
  std::string user_id;
  Role role = Role::kMember;
  bool active = true;
  uint64_t min_seq = 1;   // first visible seq
  uint64_t last_seq = 0;  // last visible seq once removed; 0 while active
  uint64_t read_seq = 0;
};

struct NewMessage {
  std::string conversation_id;
  std::string sender_id;
  std::string client_msg_id;
  v1::Message content;  // kind, text, system: the body, stored as is so newer kinds pass through
  int64_t timestamp_ms = 0;
};

struct AppendResult {
  v1::Message message;  // as stored, with seq, server_msg_id and timestamp
  bool duplicate = false;                // the client_msg_id had been used before; nothing was written
  std::vector<std::string> recipients;  // active members to deliver to (empty for a duplicate)
};

struct MembershipChange {
  v1::Message system_message;            // the timeline record of the change
  std::vector<std::string> recipients;   // everybody who should see system_message (removed users included)
  std::vector<std::string> added;
  std::vector<std::string> removed;
  std::string name;
};

// The outcome of mark_read. `moved` tells callers whether anything changed, so they notify the user's other
// devices only then (a lower or repeated seq leaves the cursor, and them, alone).
struct ReadCursor {
  uint64_t read_seq = 0;  // the cursor after the call
  bool moved = false;     // true when this call advanced it
};

struct SyncPage {
  std::vector<v1::ConversationSummary> conversations;
  uint64_t cursor = 0;
  bool has_more = false;
};

enum class Direction { kAfter, kBefore };

struct PullPage {
  std::vector<v1::Message> messages;
  bool end = false;  // nothing more in the range in this direction
};

// A sync page or a pull stops growing once it holds this many bytes (the caller then says has_more / not the
// end), so one reply stays well inside a connection's queued-bytes limit however long the messages are.
constexpr size_t kMaxReplyBytes = 1024 * 1024;

class Store {
 public:
  virtual ~Store() = default;

  // -- reads (worker threads only) --
  virtual Result<UserRecord> get_user(const std::string& user_id) = 0;              // NOT_FOUND
  virtual Result<SessionRecord> get_session(const std::string& token_hash) = 0;     // NOT_FOUND
  virtual Result<SessionRecord> get_session_by_refresh(const std::string& refresh_hash) = 0;
  virtual Result<std::vector<SessionRecord>> list_sessions(const std::string& user_id) = 0;
  virtual Result<MemberRecord> get_member(const std::string& conversation_id, const std::string& user_id) = 0;
  // Conversations of `user_id` that changed after `cursor`, oldest change first, at most `limit`.
  virtual Result<SyncPage> sync(const std::string& user_id, uint64_t cursor, uint32_t limit) = 0;
  // Messages with seq in [lo, hi], at most `limit` of them (and about kMaxReplyBytes) from the low end (kAfter)
  // or the high end (kBefore).
  virtual Result<PullPage> pull(const std::string& conversation_id, uint64_t lo, uint64_t hi,
                                                Direction direction, uint32_t limit) = 0;

  // -- writes (any thread; group-committed) --
  virtual void create_user(UserRecord user, Done<UserRecord> done) = 0;             // CONFLICT if taken
  virtual void update_user(std::string user_id, UserUpdate update, Done<UserRecord> done) = 0;
  // Stores `session` and deletes the user's sessions on `replaced_devices` (and on the same device id).
  // Returns the deleted sessions so their connections can be kicked.
  virtual void create_session(SessionRecord session, std::vector<std::string> replaced_devices,
                              Done<std::vector<SessionRecord>> done) = 0;
  // Replaces the session whose refresh hash is `old_refresh_hash` with `fresh` (same user and device).
  virtual void rotate_session(std::string old_refresh_hash, SessionRecord fresh, Done<SessionRecord> done) = 0;
  // Deletes the user's sessions on `device_id` (all devices when empty); returns the deleted ones.
  virtual void delete_sessions(std::string user_id, std::string device_id,
                               Done<std::vector<SessionRecord>> done) = 0;
  virtual void touch_session(std::string token_hash, int64_t now_ms) = 0;  // best effort, no callback

  // Appends a message after checking, in the same transaction, that the sender may post (core/authz).
  // A direct conversation is created on its first message if the peer exists.
  virtual void append_message(NewMessage message, Done<AppendResult> done) = 0;
  virtual void create_group(std::string conversation_id, std::string name, std::string creator,
                            std::vector<std::string> members, int64_t now_ms, uint32_t max_members,
                            Done<MembershipChange> done) = 0;
  enum class MemberOp { kAdd, kRemove };
  virtual void change_members(std::string conversation_id, std::string actor, MemberOp op,
                              std::vector<std::string> users, int64_t now_ms, uint32_t max_members,
                              Done<MembershipChange> done) = 0;
  // Moves the user's read cursor forward to min(seq, last visible seq). The cursor never moves back: a target
  // at or below it leaves it unchanged and reports moved = false. PERMISSION_DENIED when the user never was a
  // member (or the conversation does not exist).
  virtual void mark_read(std::string conversation_id, std::string user_id, uint64_t seq, Done<ReadCursor> done) = 0;

  // Blocks until every write queued so far has completed (graceful shutdown, tests).
  virtual void flush() = 0;
};

}  // namespace parley::store
