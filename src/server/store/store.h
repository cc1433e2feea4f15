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
#include "parley/v1/events.pb.h"
#include "parley/v1/groups.pb.h"
#include "parley/v1/media.pb.h"
#include "parley/v1/messaging.pb.h"
#include "parley/v1/search.pb.h"
#include "parley/v1/social.pb.h"

namespace parley::store {

template <typename T>
using Done = std::function<void(Result<T>)>;

struct UserRecord {
  std::string user_id;
  std::string display_name;
  std::string password_hash;  // argon2id encoded; empty: password login impossible
  bool disabled = false;
  int64_t created_at_ms = 0;
  v1::PrivacySettings privacy;
};

// Server rules the store enforces inside its write transactions (from the configuration).
struct Policy {
  bool direct_chat_friends_only = false;  // a direct chat needs a friendship (else: anyone not blocked)
  int64_t edit_window_ms = 48LL * 3600 * 1000;
  int64_t revoke_window_ms = 24LL * 3600 * 1000;
  uint32_t max_group_members = 100000;
};

// An event for one user's devices. Writes that change a user's private state return these; the caller
// publishes them (they are also kept for sync when `stored`).
struct Notice {
  std::string user_id;
  v1::Event event;
};
using Notices = std::vector<Notice>;

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
  uint64_t delivered_seq = 0;
  uint64_t cleared_seq = 0;
  int64_t silenced_until_ms = 0;
};

// A message to append, or an operation (EDIT, REVOKE, REACTION with target_seq) on an earlier one.
struct NewMessage {
  std::string conversation_id;
  std::string sender_id;
  std::string client_msg_id;
  v1::Message content;  // the body, stored as is so newer kinds and fields pass through
  int64_t timestamp_ms = 0;
};

struct AppendResult {
  v1::Message message;  // as stored, with seq, server_msg_id and timestamp
  bool duplicate = false;                // the client_msg_id had been used before; nothing was written
  std::vector<std::string> recipients;  // active members to deliver to (empty for a duplicate)
  std::optional<v1::Message> target;    // operations: the target after the change
};

struct MembershipChange {
  v1::Message system_message;            // the timeline record of the change (seq 0: nothing changed)
  std::vector<std::string> recipients;   // everybody who should see system_message (removed users included)
  std::vector<std::string> added;
  std::vector<std::string> removed;
  std::string name;
  v1::GroupInfo group;                   // the group after the change
  Notices notices;                       // private events (join requests to admins)
  bool joined = true;                    // join_group: false when the request waits for approval
};

// Group administration beyond adding and removing members. One struct for all of them keeps the seam narrow.
struct GroupOp {
  enum class Kind { kUpdate, kJoin, kRespondJoin, kSetRole, kTransfer, kDismiss, kSilence };
  Kind kind = Kind::kUpdate;
  std::string conversation_id;
  std::string actor;
  std::vector<std::string> users;  // kRespondJoin, kSetRole, kTransfer (one), kSilence
  v1::UpdateGroupRequest update;   // kUpdate
  v1::Role role = v1::ROLE_UNSPECIFIED;  // kSetRole
  int64_t until_ms = 0;            // kSilence
  bool accept = false;             // kRespondJoin
  std::string message;             // kJoin
  int64_t now_ms = 0;
};

// Friends, blocks and privacy: one struct for all of them.
struct SocialOp {
  enum class Kind { kRequest, kAccept, kDecline, kCancel, kRemove, kRemark, kBlock, kUnblock, kPrivacy };
  Kind kind = Kind::kRequest;
  std::string actor;
  std::string other;
  std::string text;                // request message or remark
  v1::PrivacySettings privacy;     // kPrivacy
  int64_t now_ms = 0;
};
struct SocialResult {
  Notices notices;
  bool became_friends = false;
};

struct SettingsUpdate {
  std::optional<bool> pinned, archived, hidden;
  std::optional<int64_t> muted_until_ms;
  std::optional<std::string> draft, custom_data;
};
struct SettingsResult {
  v1::ConversationSettings settings;
  bool hidden = false;
};

struct Receipts {
  uint32_t read_count = 0;
  uint32_t unread_count = 0;
  std::vector<std::string> readers;
  bool end = true;
};

struct UnreadTotal {
  uint64_t unread = 0, unread_unmuted = 0, mentions = 0;
  uint32_t conversations = 0;
};

struct SearchQuery {
  std::string user_id;
  std::string match;               // an FTS5 expression built by the caller from the user's words
  std::string words;               // the words as the user typed them (for the snippets' highlights)
  std::string conversation_id, sender_id;
  v1::MessageKind kind = v1::MESSAGE_KIND_UNSPECIFIED;
  int64_t after_ms = 0, before_ms = 0;
  uint32_t limit = 20;
  int64_t before_rowid = 0;        // paging: continue below this index row (0: from the newest)
};
struct SearchPage {
  std::vector<v1::SearchHit> hits;
  int64_t next_rowid = 0;          // 0: no more. A page can end early (bounded work) with fewer hits than asked
};

// The outcome of mark_read / mark_delivered. `moved` tells callers whether anything changed, so they notify
// the user's other devices only then (a lower or repeated seq leaves the cursor, and them, alone).
struct ReadCursor {
  uint64_t read_seq = 0;  // the cursor after the call
  uint64_t delivered_seq = 0;
  bool moved = false;     // true when this call advanced it
  std::string receipt_to; // direct chats: the peer to send a ReceiptEvent to (empty: none, or receipts off)
};

struct SyncPage {
  std::vector<v1::ConversationSummary> conversations;
  std::vector<v1::Event> events;  // the user's private events in the same version range
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
constexpr size_t kMaxReplyBytes = size_t{1024} * 1024;

class Store {
 public:
  virtual ~Store() = default;

  // -- reads (worker threads only) --
  virtual Result<UserRecord> get_user(const std::string& user_id) = 0;              // NOT_FOUND
  virtual Result<SessionRecord> get_session(const std::string& token_hash) = 0;     // NOT_FOUND
  virtual Result<SessionRecord> get_session_by_refresh(const std::string& refresh_hash) = 0;
  virtual Result<std::vector<SessionRecord>> list_sessions(const std::string& user_id) = 0;
  virtual Result<MemberRecord> get_member(const std::string& conversation_id, const std::string& user_id) = 0;
  // Conversations of `user_id` that changed after `cursor`, and the user's private events, oldest change
  // first, at most `limit` of each.
  virtual Result<SyncPage> sync(const std::string& user_id, uint64_t cursor, uint32_t limit) = 0;
  // Messages with seq in [lo, hi] that `reader` has not deleted or cleared for themselves, at most `limit`
  // of them (and about kMaxReplyBytes) from the low end (kAfter) or the high end (kBefore).
  virtual Result<PullPage> pull(const std::string& conversation_id, uint64_t lo, uint64_t hi,
                                Direction direction, uint32_t limit, const std::string& reader) = 0;
  // The summary of one conversation as `user_id` sees it (PERMISSION_DENIED when never a member).
  virtual Result<v1::ConversationSummary> conversation_summary(const std::string& conversation_id,
                                                               const std::string& user_id) = 0;
  // Mutes that ended before `now_ms` no longer count as muted.
  virtual Result<UnreadTotal> unread_total(const std::string& user_id, int64_t now_ms) = 0;
  virtual Result<Receipts> read_receipts(const std::string& conversation_id, const std::string& reader, uint64_t seq,
                                         const std::string& after_user_id, uint32_t limit) = 0;
  virtual Result<v1::ListReactionsResponse> list_reactions(const std::string& conversation_id,
                                                           const std::string& reader, uint64_t seq,
                                                           const std::string& emoji,
                                                           const std::string& after_user_id, uint32_t limit) = 0;
  // Who gets `user_id`'s typing indicator in the conversation (PERMISSION_DENIED when not an active member).
  virtual Result<std::vector<std::string>> typing_recipients(const std::string& conversation_id,
                                                             const std::string& user_id, uint32_t max_members) = 0;

  // -- people --
  virtual Result<std::vector<v1::Friend>> list_friends(const std::string& user_id) = 0;
  virtual Result<v1::ListFriendRequestsResponse> list_friend_requests(const std::string& user_id) = 0;
  virtual Result<std::vector<v1::User>> list_blocked(const std::string& user_id) = 0;
  // Whether `viewer` may see `target`'s presence: target's privacy setting, blocks, friendship, a shared
  // conversation.
  virtual Result<bool> may_see_presence(const std::string& viewer, const std::string& target) = 0;
  virtual Result<std::vector<v1::User>> search_users(const std::string& prefix, uint32_t limit) = 0;

  // -- groups --
  virtual Result<v1::GetGroupResponse> get_group(const std::string& conversation_id, const std::string& user_id) = 0;
  virtual Result<v1::ListMembersResponse> list_members(const std::string& conversation_id,
                                                       const std::string& user_id, const std::string& after_user_id,
                                                       uint32_t limit) = 0;
  virtual Result<std::vector<v1::JoinRequest>> list_join_requests(const std::string& conversation_id,
                                                                  const std::string& user_id) = 0;
  virtual Result<std::vector<v1::SearchGroupsResponse::Entry>> search_groups(const std::string& query,
                                                                             uint32_t limit) = 0;

  // -- search --
  virtual Result<SearchPage> search_messages(const SearchQuery& query) = 0;

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
  // `group` holds the name and initial settings; the store fills in owner, member count and creation time.
  virtual void create_group(std::string conversation_id, v1::GroupInfo group, std::string creator,
                            std::vector<std::string> members, int64_t now_ms, Done<MembershipChange> done) = 0;
  enum class MemberOp { kAdd, kRemove };
  virtual void change_members(std::string conversation_id, std::string actor, MemberOp op,
                              std::vector<std::string> users, int64_t now_ms, Done<MembershipChange> done) = 0;
  // Moves the user's read cursor forward to min(seq, last visible seq). The cursor never moves back: a target
  // at or below it leaves it unchanged and reports moved = false. PERMISSION_DENIED when the user never was a
  // member (or the conversation does not exist).
  virtual void mark_read(std::string conversation_id, std::string user_id, uint64_t seq, Done<ReadCursor> done) = 0;
  // The same for the delivered cursor (read implies delivered).
  virtual void mark_delivered(std::string conversation_id, std::string user_id, uint64_t seq,
                              Done<ReadCursor> done) = 0;
  // Deletions for one user only: messages by seq, or everything up to a seq (0: all so far).
  virtual void delete_for_me(std::string conversation_id, std::string user_id, std::vector<uint64_t> seqs,
                             Done<Notices> done) = 0;
  virtual void clear_for_me(std::string conversation_id, std::string user_id, uint64_t up_to_seq,
                            Done<Notices> done) = 0;
  virtual void update_settings(std::string conversation_id, std::string user_id, SettingsUpdate update,
                               Done<SettingsResult> done) = 0;
  virtual void change_group(GroupOp op, Done<MembershipChange> done) = 0;
  virtual void change_social(SocialOp op, Done<SocialResult> done) = 0;

  // -- media blobs (the bytes live in the BlobStore; this is who uploaded them and where they were sent) --
  virtual Result<v1::BlobInfo> get_blob(const std::string& blob_id) = 0;  // NOT_FOUND
  // True when `user_id` uploaded the blob or can see a message that references it.
  virtual Result<bool> may_read_blob(const std::string& blob_id, const std::string& user_id) = 0;
  // Bytes of the distinct blobs `user_id` uploaded (their quota use).
  virtual Result<uint64_t> blob_bytes_of(const std::string& user_id) = 0;
  // Blobs no message references and nobody uploaded or unreferenced after `idle_before_ms`, at most `limit`.
  virtual Result<std::vector<std::string>> collectable_blobs(int64_t idle_before_ms, uint32_t limit) = 0;
  // Records a processed blob (kept as is when it exists) and that `uploader` uploaded it at `now_ms`.
  virtual void put_blob(v1::BlobInfo info, std::string uploader, int64_t now_ms, Done<v1::BlobInfo> done) = 0;
  // Deletes the records of those of `blob_ids` still collectable (checked again in the write transaction);
  // returns the ids deleted, whose bytes the caller then removes.
  virtual void delete_blobs(std::vector<std::string> blob_ids, int64_t idle_before_ms,
                            Done<std::vector<std::string>> done) = 0;

  // Blocks until every write queued so far has completed (graceful shutdown, tests).
  virtual void flush() = 0;
};

}  // namespace parley::store
