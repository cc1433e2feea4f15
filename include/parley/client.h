// libparley, the Parley client SDK: one account's connection to a parleyd server and its offline-first local
// store (SQLite). What an app (iOS, Android, desktop, bot) links to; `parley.h` is the same API in C.
//
// Threading contract
// - A Client owns one thread. Everything it does (network, store, sync, outbox) runs there, one task at a time.
// - Every public method may be called from any thread. Methods that return a value run their work on the
//   client thread and wait for it (inline when called from the client thread, e.g. inside a callback).
//   They touch only the local store, so they return quickly and never wait for the network.
// - Methods taking a callback (`*Done`) return at once; the callback runs later, exactly once.
// - Callbacks (ClientCallbacks and the `*Done` ones) run through `ClientOptions::callback_executor`; by default
//   they are posted to the client thread, one after the other, never nested inside a public call. A callback
//   may call any Client method except the destructor.
// - Two Clients (two accounts) may live in one process; nothing is global.
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace parley {
namespace v1 {
class ClientFrame;
}

// How the client stands with the server. Terminal states (kLoggedOut, kKicked, kTokenExpired, kAuthFailed) stop
// reconnecting until the app logs in again (or calls use_token()).
enum class ConnectionState {
  kLoggedOut,     // no session saved: call login() / register_and_login() / use_token()
  kOffline,       // not connected; a reconnect is scheduled (StateUpdate::retry_in)
  kConnecting,    // TCP + WebSocket + authentication in progress
  kSyncing,       // authenticated; catching up (delta sync, newest pages); sends already flow
  kConnected,     // authenticated and caught up; live events arrive
  kKicked,        // the server ended this session (revoked, replaced by another login, account disabled)
  kTokenExpired,  // the session and refresh tokens expired: log in again
  kAuthFailed,    // the saved session is unknown to the server (or the account is disabled): log in again
};
const char* to_string(ConnectionState state);

// The life of an outgoing message: kSending -> kSent (has a seq) | kFailed (has an error); a failed message can
// be resent (back to kSending) or cancelled (removed).
enum class SendState { kSending, kSent, kFailed };
const char* to_string(SendState state);

// Error codes: 1-12 are the protocol's (parley.v1.ErrorCode: 1 UNAUTHENTICATED ... 11 UNAVAILABLE); the SDK adds:
inline constexpr int kErrorOffline = 100;      // the operation needs the server and the client is not connected
inline constexpr int kErrorStorage = 101;      // the local database failed (disk full, corrupt, not writable)
inline constexpr int kErrorStopped = 102;      // the client is shutting down
inline constexpr int kErrorTimeout = 103;      // the server did not answer in time
inline constexpr int kErrorBadArgument = 104;  // refused locally before reaching the server (same as 5, local)
inline constexpr int kErrorOutboxFull = 105;   // ClientOptions::max_outbox messages are waiting to be sent

struct ClientError {
  int code = 0;
  std::string message;
};

template <typename T>
using ClientResult = std::expected<T, ClientError>;

// A message as the local store holds it. Messages not yet acknowledged by the server have seq 0.
struct MessageRecord {
  std::string conversation_id;
  uint64_t seq = 0;
  std::string server_msg_id;
  std::string client_msg_id;
  std::string sender_id;
  int64_t timestamp_ms = 0;
  std::string kind;  // "TEXT", "SYSTEM", or the number of a kind newer than this SDK
  std::string text;
  SendState state = SendState::kSent;
  std::string error;  // why sending failed (state kFailed)
  std::string proto;  // the serialized parley.v1.Message (empty while unsent); keeps fields newer than the SDK
  std::string json;   // the same message in the protocol's canonical JSON (empty while unsent)
};

struct ConversationRecord {
  std::string conversation_id;
  std::string kind;  // "DIRECT" or "GROUP"
  std::string name;
  uint64_t max_seq = 0;
  uint64_t min_seq = 0;
  uint64_t read_seq = 0;
  uint64_t unread_count = 0;
  bool active = true;
  std::string last_text;
  std::string last_sender_id;
  int64_t last_timestamp_ms = 0;
  // Direct chats: how far the other user has received / read (0 when unknown or their receipts are off).
  uint64_t peer_delivered_seq = 0;
  uint64_t peer_read_seq = 0;
  // This user's settings for the conversation (shared by their devices).
  bool pinned = false;
  int64_t muted_until_ms = 0;
  bool archived = false;
  bool hidden = false;
  std::string draft;
};


struct StateUpdate {
  ConnectionState state = ConnectionState::kLoggedOut;
  std::string detail;                     // for people: "cannot reach ws://…: Connection refused"
  std::chrono::milliseconds retry_in{0};  // kOffline: when the next attempt starts
};

struct SendUpdate {
  std::string conversation_id;
  std::string client_msg_id;
  SendState state = SendState::kSending;
  uint64_t seq = 0;   // kSent
  std::string error;  // kFailed
};

struct SessionSummary {
  std::string user_id;
  std::string display_name;
  std::string device_id;
  int64_t expires_at_ms = 0;
};

// Where a newly stored message came from.
enum class MessageOrigin {
  kLive,  // pushed by the server as it happened
  kSync,  // fetched while catching up (after a reconnect, or to fill a gap in the seqs)
};

// A server event that has no record of its own in the local store, reported as the protocol's canonical JSON
// of the event body (proto field names). See docs/sdk.md for each kind's fields.
enum class EventKind {
  kReceipt,          // parley.v1.ReceiptEvent: the other user's delivered/read cursor moved (direct chats)
  kTyping,           // parley.v1.TypingEvent (ephemeral, never stored)
  kPresence,         // parley.v1.Presence of a subscribed user
  kFriend,           // parley.v1.FriendEvent: requests, friendships, blocks
  kSettings,         // parley.v1.SettingsEvent: my settings for a conversation changed on another device
  kMessagesDeleted,  // parley.v1.MessagesDeletedEvent: messages deleted (or history cleared) for me
  kJoinRequest,      // parley.v1.JoinRequestEvent: someone asks to join a group I administer
  kPrivacy,          // parley.v1.PrivacyEvent: my privacy settings changed on another device
};
const char* to_string(EventKind kind);  // "receipt", "typing", ...

struct EventUpdate {
  EventKind kind = EventKind::kReceipt;
  std::string conversation_id;  // empty for events about users (presence, friend, privacy)
  std::string json;             // the event body in canonical JSON
  MessageOrigin origin = MessageOrigin::kLive;  // kSync: replayed by sync after a reconnect
};

enum class ReactionChange { kAdd, kRemove };
enum class FriendAnswer { kAccept, kDecline };
enum class JoinAnswer { kAccept, kDecline };
enum class MemberRole { kAdmin, kMember };  // set_member_role; ownership moves only by transfer_ownership
enum class JoinPolicy { kOpen, kApproval, kInviteOnly };
enum class PresenceVisibility { kContacts, kFriends, kNobody };

// My settings for one conversation (shared by my devices). Only the fields that are set change.
struct SettingsChange {
  std::optional<bool> pinned;
  std::optional<int64_t> muted_until_ms;  // notifications off until then (ms since the epoch); 0 unmutes
  std::optional<bool> archived;
  std::optional<std::string> draft;  // "" clears it
  std::optional<bool> hidden;        // hidden from my list until the conversation's next message
};

// A group's shared settings (owner and admins). Only the fields that are set change.
struct GroupChange {
  std::optional<std::string> name;
  std::optional<std::string> avatar_url;
  std::optional<std::string> description;
  std::optional<std::string> announcement;
  std::optional<JoinPolicy> join_policy;
  std::optional<bool> mute_all;         // only the owner and admins may post
  std::optional<bool> history_visible;  // members added later see the history from seq 1
};

struct PrivacySettings {
  bool receipts_disabled = false;  // others get no delivered/read receipts from me
  PresenceVisibility presence = PresenceVisibility::kContacts;
};

// A friend or a blocked user as the local store keeps them (kept in step by FriendEvents and refreshed from the
// server after every sync), so the app can list them offline.
struct ContactRecord {
  std::string user_id;
  std::string display_name;  // empty until the server's list named them
  std::string remark;        // friends: my private name for them
  int64_t since_ms = 0;      // friends: since when
};

struct ClientCallbacks {
  std::function<void(const StateUpdate&)> on_state;
  // A message stored on this device for the first time (never twice for one (conversation, seq)), other than
  // the ones this client sent (those report through on_send) and older history loaded by load_history().
  std::function<void(const MessageRecord&, MessageOrigin)> on_message;
  std::function<void(const SendUpdate&)> on_send;
  // A conversation's summary changed (new message, read cursor, name, membership).
  std::function<void(const ConversationRecord&)> on_conversation;
  // The read cursor moved on another device of this user.
  std::function<void(const std::string& conversation_id, uint64_t read_seq)> on_read;
  // Catching up after a (re)connect finished: the local store now holds what the server had.
  std::function<void()> on_synced;
  // A stored message changed: edited, revoked, or its reactions changed (the record holds the new state; the
  // full wire message in `json` carries edit_count, revoked, reactions). Runs only for messages stored here.
  std::function<void(const MessageRecord&)> on_message_updated;
  // Receipts, typing, presence, friends, settings, deletions for me, join requests, privacy. The local store
  // is updated before the callback runs (peer cursors and settings on the conversation, deleted messages
  // removed).
  std::function<void(const EventUpdate&)> on_event;
};

// Runs a callback. Must not run it inline when called from a Client method (post it to a queue or thread).
using Executor = std::function<void(std::function<void()>)>;

struct ClientOptions {
  std::string server_url = "ws://127.0.0.1:8080/v1/ws";  // also: "wss://host:port/v1/ws", "host:port"
  std::string tls_ca_file;  // wss://: PEM CA certificates to trust instead of the system's (a private CA)
  std::string database_path;                             // this account's SQLite file; created when missing. Required.
  std::string device_id;           // stable per installation; empty: a random id kept in the database
  std::string platform = "LINUX";  // IOS, ANDROID, WEB, WINDOWS, MACOS, LINUX, BOT
  Executor callback_executor;      // empty: callbacks are posted to the client thread

  std::chrono::milliseconds heartbeat_min{std::chrono::seconds(20)};    // first ping interval after a connect
  std::chrono::milliseconds heartbeat_max{std::chrono::seconds(240)};   // grows up to this while the link holds
  std::chrono::milliseconds request_timeout{std::chrono::seconds(15)};  // no answer: the link is dead
  std::chrono::milliseconds backoff_min{std::chrono::milliseconds(500)};
  std::chrono::milliseconds backoff_max{std::chrono::seconds(60)};
  size_t max_outbox = 10000;  // unsent messages kept at most; send() fails with kErrorOutboxFull beyond
};

template <typename T>
using Done = std::function<void(ClientResult<T>)>;

class Client {
 public:
  // Opens (or creates) the database and starts the client thread. Does not connect: call start().
  // Fails with kErrorStorage when the database cannot be opened, kErrorBadArgument for bad options.
  static ClientResult<std::unique_ptr<Client>> create(ClientOptions options, ClientCallbacks callbacks);

  // Stops: closes the connection, finishes the task in progress, joins the thread. Unsent messages stay in
  // the outbox and go out after the next start(). Callbacks already handed to a custom executor may still run.
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Connects with the saved session, or reports kLoggedOut when there is none.
  void start();

  // Connects, logs in (opening a session for this device) and saves the session in the database; then syncs.
  // Fails with the server's error (UNAUTHENTICATED for a wrong password), or when the database belongs to
  // another user. While the server is unreachable it keeps retrying (on_state reports kOffline).
  void login(std::string user_id, std::string password, Done<SessionSummary> done);
  // The same after creating the account (register_user). CONFLICT when the user id is taken.
  void register_and_login(std::string user_id, std::string password, std::string display_name,
                          Done<SessionSummary> done);
  // Uses a session token issued by the app's backend (admin API) instead of a password.
  void use_token(std::string token, Done<SessionSummary> done);
  // Ends the session on the server (when connected) and forgets it locally. Local data stays.
  void logout(Done<void> done);

  ConnectionState state() const;
  // The user this database belongs to; empty before the first login.
  std::string user_id() const;

  // Reconnects at once if offline (the app saw the network come back, or change); probes a connected link.
  void network_changed();

  // Queues a text message: stored in the outbox (durably, before this returns) with state kSending and sent
  // when connected, in order per conversation, retried with the same client_msg_id until acknowledged.
  // Returns the client_msg_id. `conversation_id` is "d:<a>:<b>" or "g:…"; see direct_conversation_id().
  ClientResult<std::string> send_text(const std::string& conversation_id, const std::string& text);
  // Media (parley/upload.h, src/sdk/client_media.cpp). The session token, for parley::upload_file (empty when
  // logged out); and a message naming an uploaded blob: kind 3 image, 4 audio, 5 video, 6 file (0: from
  // mime_type). It goes to the server at once (kErrorOffline when not connected), not through the outbox;
  // `done` gets the ack as JSON ({"conversation_id", "seq", "server_msg_id", "timestamp_ms"}).
  std::string session_token() const;
  void send_media(std::string conversation_id, int kind, std::string blob_id, const std::string& mime_type,
                  std::string file_name, std::string caption, Done<std::string> done);
  // A short-lived signed download URL (a path on the server, for <img src> or any HTTP client) for a blob or
  // thumbnail ("<id>.t320") this user may read: {"url", "expires_at_ms", "blob": {…}}. NOT_FOUND otherwise.
  void blob_url(std::string blob_id, std::string file_name, Done<std::string> done);
  // Sends a kFailed message again (back to kSending).
  ClientResult<void> resend(const std::string& client_msg_id);
  // Removes an unsent message (kFailed, or kSending not yet handed to the server). Fails with
  // kErrorBadArgument when it is being sent right now or was sent already.
  ClientResult<void> cancel(const std::string& client_msg_id);

  // Local reads.
  ClientResult<std::vector<ConversationRecord>> conversations() const;
  // Up to `limit` messages with seq < before_seq (0: the newest), oldest first; with before_seq 0, unsent
  // messages of the conversation follow at the end.
  ClientResult<std::vector<MessageRecord>> messages(const std::string& conversation_id, uint64_t before_seq,
                                                    uint32_t limit) const;
  // Full-text search (SQLite FTS5 query syntax) over local messages, newest first.
  ClientResult<std::vector<MessageRecord>> search(const std::string& query, uint32_t limit) const;
  // Every unsent message (kSending or kFailed) of every conversation, oldest first (at most `limit`).
  ClientResult<std::vector<MessageRecord>> unsent(uint32_t limit) const;
  // The outbox entry or stored message with this client_msg_id.
  ClientResult<MessageRecord> find_message(const std::string& client_msg_id) const;

  // History when scrolling back: from the local store when it holds the whole page, else from the server
  // (stored, then returned). Oldest first. Offline, returns what the local store has.
  void load_history(std::string conversation_id, uint64_t before_seq, uint32_t limit,
                    Done<std::vector<MessageRecord>> done);

  // Moves the read cursor (locally at once; on the server now or after the next connect).
  ClientResult<void> mark_read(const std::string& conversation_id, uint64_t seq);

  // Groups (need a connection; fail with kErrorOffline otherwise).
  void create_group(std::string name, std::vector<std::string> member_ids, Done<ConversationRecord> done);
  void add_members(std::string conversation_id, std::vector<std::string> user_ids, Done<uint64_t> done);
  void remove_members(std::string conversation_id, std::vector<std::string> user_ids, Done<uint64_t> done);

  // Operations on a sent message (need a connection; fail with kErrorOffline otherwise). On success the target
  // message is updated in the local store and returned in its new state; other devices and members see it
  // through on_message_updated.
  void edit(std::string conversation_id, uint64_t seq, std::string text, Done<MessageRecord> done);
  void revoke(std::string conversation_id, uint64_t seq, Done<MessageRecord> done);
  void react(std::string conversation_id, uint64_t seq, std::string emoji, ReactionChange change,
             Done<MessageRecord> done);
  // Tells the other members this user is (or stopped) typing. Ephemeral; fails with kErrorOffline offline.
  void set_typing(std::string conversation_id, bool typing, Done<void> done);

  // Friends and blocks (need a connection). Results are the server's response in canonical JSON:
  // list_friends {"friends": [{"user": {...}, "remark", "since_ms"}]}, list_friend_requests {"incoming": [...],
  // "outgoing": [...]}, list_blocked {"users": [...]}, send_friend_request {"became_friends": bool}, else {}.
  // Successful calls also update the local friends/blocks cache (friends(), blocked()): list_friends and
  // list_blocked replace it, the others apply their change.
  void send_friend_request(std::string user_id, std::string message, Done<std::string> done);
  void answer_friend_request(std::string user_id, FriendAnswer answer, Done<std::string> done);
  void remove_friend(std::string user_id, Done<std::string> done);
  void block_user(std::string user_id, Done<std::string> done);
  void unblock_user(std::string user_id, Done<std::string> done);
  void list_friends(Done<std::string> done);
  void list_friend_requests(Done<std::string> done);
  void list_blocked(Done<std::string> done);

  // Subscribes this connection to users' presence; the result is {"presences": [...]} (current state), changes
  // arrive through on_event(kPresence) until the connection drops (subscribe again after on_synced).
  void subscribe_presence(std::vector<std::string> user_ids, Done<std::string> done);

  // Full-text search on the server over every message this user can see (also those never loaded here).
  // `conversation_id` may be empty (all). Result: {"hits": [{"message": {...}, "snippet"}], "next_page_token"}.
  void search_server(std::string query, std::string conversation_id, uint32_t limit, Done<std::string> done);

  // --- Conversation settings and deletions for me (need a connection; kErrorOffline otherwise) ---
  // Changes my settings for a conversation; on success the store holds them and on_conversation reports the
  // record, which is also the result. My other devices get on_event(kSettings).
  void update_settings(std::string conversation_id, SettingsChange change, Done<ConversationRecord> done);
  // Deletes messages for me only (all my devices; others keep them): gone from the store, on_conversation.
  void delete_for_me(std::string conversation_id, std::vector<uint64_t> seqs, Done<void> done);
  // Clears the history up to and including up_to_seq (0: everything so far) for me only; the result is the
  // cleared seq. The store drops those messages and on_conversation reports the conversation.
  void clear_for_me(std::string conversation_id, uint64_t up_to_seq, Done<uint64_t> done);
  // Unread totals over my conversations that are not hidden:
  // {"unread", "unread_unmuted", "mentions", "conversations"} (zero counts are left out).
  void unread_total(Done<std::string> done);
  // Who read message `seq` of a group: {"read_count", "unread_count", "readers": [...], "end"}, paged by user id
  // (after_user_id: the last reader received; limit 0: the server's default, 200).
  void read_receipts(std::string conversation_id, uint64_t seq, std::string after_user_id, uint32_t limit,
                     Done<std::string> done);

  // --- Group administration (need a connection). Results are the server's response as JSON; a change is
  // recorded as a SYSTEM message that reaches the store (and on_message of the other members) like any other:
  // {"seq", "group": {...}} for update/role/transfer/dismiss/silence/answer-join. ---
  void update_group(std::string conversation_id, GroupChange change, Done<std::string> done);
  // {"group": {...}, "my_role": "OWNER" | "ADMIN" | "MEMBER" (absent for a non-member)}
  void get_group(std::string conversation_id, Done<std::string> done);
  // Open groups: joins at once ({"joined": true, "seq"}); approval groups: files a request ({}).
  void join_group(std::string conversation_id, std::string message, Done<std::string> done);
  // Leaves a group (remove_members with my own id); the result is the seq of the SYSTEM message.
  void leave_group(std::string conversation_id, Done<uint64_t> done);
  // {"requests": [{"conversation_id", "user_id", "message", "created_at_ms"}]} (owner and admins)
  void list_join_requests(std::string conversation_id, Done<std::string> done);
  void answer_join_request(std::string conversation_id, std::string user_id, JoinAnswer answer,
                           Done<std::string> done);
  void set_member_role(std::string conversation_id, std::vector<std::string> user_ids, MemberRole role,
                       Done<std::string> done);
  void transfer_ownership(std::string conversation_id, std::string user_id, Done<std::string> done);
  void dismiss_group(std::string conversation_id, Done<std::string> done);
  // Members may not post until until_ms (ms since the epoch); 0 lifts it.
  void silence_members(std::string conversation_id, std::vector<std::string> user_ids, int64_t until_ms,
                       Done<std::string> done);
  // One page of active members in user id order: {"members": [{"user_id", "role", "joined_seq",
  // "silenced_until_ms", "display_name"}], "end": true on the last page}. limit 0: the server's default (500).
  void list_members(std::string conversation_id, std::string after_user_id, uint32_t limit, Done<std::string> done);
  // The group directory (open and approval groups whose name contains `query`): {"groups": [{...}]}
  void search_groups(std::string query, uint32_t limit, Done<std::string> done);

  // --- People ---
  // The user directory: users whose id or display name starts with `query`: {"users": [{...}]}.
  void search_users(std::string query, uint32_t limit, Done<std::string> done);
  // Privacy settings: the result is {"privacy": {"receipts_disabled", "presence"}}. set_privacy replaces them.
  void get_privacy(Done<std::string> done);
  void set_privacy(PrivacySettings privacy, Done<std::string> done);
  void cancel_friend_request(std::string user_id, Done<std::string> done);
  // My private name for a friend (at most 64 bytes; "" removes it); also kept in the cache.
  void set_friend_remark(std::string user_id, std::string remark, Done<std::string> done);
  // Who reacted to message `seq` (one emoji, or all when empty), paged: {"reactions": [{"emoji", "user_id",
  // "timestamp_ms"}], "end"}. limit 0: the server's default (200).
  void list_reactions(std::string conversation_id, uint64_t seq, std::string emoji, std::string after_user_id,
                      uint32_t limit, Done<std::string> done);
  // Local reads of the friends/blocks cache (works offline). Ordered by user id.
  ClientResult<std::vector<ContactRecord>> friends() const;
  ClientResult<std::vector<ContactRecord>> blocked() const;

  // "d:<a>:<b>" with a < b (bytewise), the id both users derive for their direct conversation.
  static std::string direct_conversation_id(const std::string& user_a, const std::string& user_b);

 private:
  struct Impl;
  explicit Client(std::unique_ptr<Impl> impl);
  void post_call(v1::ClientFrame frame, Done<std::string> done);
  std::unique_ptr<Impl> impl_;
};

}  // namespace parley
