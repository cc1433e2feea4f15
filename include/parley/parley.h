/* libparley C API: the Parley client SDK for any language with a C FFI.
 *
 * Conventions
 * - Opaque handles: parley_client. parley_client_destroy(&c) stops it and sets c to NULL.
 * - Every function returns an int status: PARLEY_OK (0), one of the protocol's error codes (1-12, as in
 *   parley.v1.ErrorCode: 1 UNAUTHENTICATED, 3 PERMISSION_DENIED, 4 NOT_FOUND, 5 INVALID_ARGUMENT, 9 TOO_LARGE,
 *   10 CONFLICT, 11 UNAVAILABLE, ...) or an SDK code (PARLEY_ERR_*). Results come back through out-parameters.
 * - Strings in are pointer + length (need not be NUL-terminated, must be UTF-8). Strings out are parley_string
 *   values owned by the caller, released with parley_string_free(); their data is also NUL-terminated.
 * - Rich objects (messages, conversations, send updates, results) are JSON documents; docs/sdk.md lists them.
 * - Where an `error` out-parameter is given (it may be NULL), a failure fills it with a message for people.
 * - No exception or abort crosses this boundary for bad input: it gets a status.
 *
 * Threading
 * - Each client runs its own thread. Functions may be called from any thread.
 * - Callbacks (parley_callbacks and parley_done_fn) run on the client's thread, one at a time, never inside a
 *   call into the API. They may call any function except parley_client_destroy on their own client. Views
 *   passed to callbacks are valid only during the call.
 * - Functions taking a parley_done_fn return at once. When they return PARLEY_OK, `done` (if not NULL) runs
 *   exactly once later (also when the client is destroyed first: then with PARLEY_ERR_STOPPED); when they
 *   return an error, it never runs.
 */
#ifndef PARLEY_PARLEY_H
#define PARLEY_PARLEY_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct parley_client parley_client;

enum {
  PARLEY_OK = 0,
  PARLEY_ERR_OFFLINE = 100,      /* needs the server and the client is not connected */
  PARLEY_ERR_STORAGE = 101,      /* the local database failed */
  PARLEY_ERR_STOPPED = 102,      /* the client is shutting down */
  PARLEY_ERR_TIMEOUT = 103,      /* the server did not answer in time */
  PARLEY_ERR_BAD_ARGUMENT = 104, /* refused locally: NULL handle, bad JSON, empty text, ... */
  PARLEY_ERR_OUTBOX_FULL = 105   /* too many unsent messages */
};

/* Connection states reported to on_state (see docs/sdk.md). */
enum {
  PARLEY_STATE_LOGGED_OUT = 0,
  PARLEY_STATE_OFFLINE = 1,
  PARLEY_STATE_CONNECTING = 2,
  PARLEY_STATE_SYNCING = 3,
  PARLEY_STATE_CONNECTED = 4,
  PARLEY_STATE_KICKED = 5,
  PARLEY_STATE_TOKEN_EXPIRED = 6,
  PARLEY_STATE_AUTH_FAILED = 7
};

typedef struct parley_string {
  char* data; /* NUL-terminated; NULL when empty */
  size_t len;
} parley_string;

void parley_string_free(parley_string* s);

/* The name of a state ("connected"), static storage. */
const char* parley_state_name(int state);

typedef struct parley_callbacks {
  void* user_data;
  /* state: PARLEY_STATE_*; detail: for people ("cannot reach server at ..., retrying in 4.0 s"). */
  void (*on_state)(void* user_data, int state, const char* detail, size_t detail_len, int64_t retry_in_ms);
  /* A message stored on this device for the first time (JSON message object; "origin": "live" | "sync"). */
  void (*on_message)(void* user_data, const char* message_json, size_t len);
  /* An outgoing message changed state (JSON: client_msg_id, conversation_id, state, seq | error). */
  void (*on_send)(void* user_data, const char* update_json, size_t len);
  /* A conversation's summary changed (JSON conversation object). */
  void (*on_conversation)(void* user_data, const char* conversation_json, size_t len);
  /* Another device of this user moved the read cursor. */
  void (*on_read)(void* user_data, const char* conversation_id, size_t len, uint64_t read_seq);
  /* Catching up after a (re)connect finished. */
  void (*on_synced)(void* user_data);
  /* A stored message was edited, revoked or reacted to (JSON message object in its new state). */
  void (*on_message_updated)(void* user_data, const char* message_json, size_t len);
  /* Receipts, typing, presence, friends, settings, deletions for me, join requests, privacy:
   * {"kind": "receipt" | "typing" | "presence" | "friend" | "settings" | "messages_deleted" | "join_request" |
   *  "privacy", "conversation_id" (when any), "origin": "live" | "sync", "event": {...}} (see docs/sdk.md). */
  void (*on_event)(void* user_data, const char* event_json, size_t len);
} parley_callbacks;

/* Completion of an asynchronous call: status PARLEY_OK with the result as JSON (may be empty), or a failure
 * with {"code": int, "message": string}. */
typedef void (*parley_done_fn)(void* user_data, int status, const char* json, size_t len);

/* Opens the account database and starts the client thread (without connecting). options_json:
 *   {"server_url": "ws://127.0.0.1:8080/v1/ws", "database_path": "/path/alice.db",   (required)
 *    "tls_ca_file": "/path/ca.pem" (wss:// with a private CA; default: the system's CA certificates),
 *    "device_id": "...", "platform": "LINUX", "heartbeat_min_ms": 20000, "heartbeat_max_ms": 240000,
 *    "request_timeout_ms": 15000, "backoff_min_ms": 500, "backoff_max_ms": 60000, "max_outbox": 10000}
 * `callbacks` is copied; it may be NULL (no callbacks). */
int parley_client_create(const char* options_json, size_t options_len, const parley_callbacks* callbacks,
                         parley_client** out, parley_string* error);
/* Stops the client (unsent messages stay in the outbox) and sets *client to NULL. NULL-safe. */
void parley_client_destroy(parley_client** client);

/* Connects with the saved session (or reports PARLEY_STATE_LOGGED_OUT). */
int parley_client_start(parley_client* client);
int parley_client_state(const parley_client* client);
/* The user this database belongs to (empty before the first login). */
int parley_client_user_id(const parley_client* client, parley_string* out);
/* The network came back or changed: reconnect now (or probe the link). */
int parley_network_changed(parley_client* client);

/* Session. done's JSON: {"user_id", "display_name", "device_id", "expires_at_ms"}. */
int parley_login(parley_client* client, const char* user_id, size_t user_id_len, const char* password,
                 size_t password_len, parley_done_fn done, void* user_data);
int parley_register_and_login(parley_client* client, const char* user_id, size_t user_id_len, const char* password,
                              size_t password_len, const char* display_name, size_t display_name_len,
                              parley_done_fn done, void* user_data);
int parley_use_token(parley_client* client, const char* token, size_t token_len, parley_done_fn done, void* user_data);
int parley_logout(parley_client* client, parley_done_fn done, void* user_data);

/* Messages. send stores the message in the outbox (durably) and returns its client_msg_id at once. */
int parley_send_text(parley_client* client, const char* conversation_id, size_t conversation_id_len, const char* text,
                     size_t text_len, parley_string* client_msg_id, parley_string* error);
int parley_resend(parley_client* client, const char* client_msg_id, size_t len, parley_string* error);
int parley_cancel(parley_client* client, const char* client_msg_id, size_t len, parley_string* error);
int parley_mark_read(parley_client* client, const char* conversation_id, size_t len, uint64_t seq,
                     parley_string* error);

/* Local reads: JSON arrays. messages: oldest first, seq < before_seq (0: newest, unsent ones at the end). */
int parley_conversations(parley_client* client, parley_string* json_out, parley_string* error);
int parley_messages(parley_client* client, const char* conversation_id, size_t len, uint64_t before_seq, uint32_t limit,
                    parley_string* json_out, parley_string* error);
/* Every unsent message (state "sending" or "failed"), oldest first. */
int parley_unsent(parley_client* client, uint32_t limit, parley_string* json_out, parley_string* error);
int parley_search(parley_client* client, const char* query, size_t len, uint32_t limit, parley_string* json_out,
                  parley_string* error);
/* Older history: local when complete, else from the server. done's JSON: an array of messages. */
int parley_load_history(parley_client* client, const char* conversation_id, size_t len, uint64_t before_seq,
                        uint32_t limit, parley_done_fn done, void* user_data);

/* Groups. member_ids_json: a JSON array of user ids. create's done JSON: the conversation; add/remove: {"seq"}. */
int parley_create_group(parley_client* client, const char* name, size_t name_len, const char* member_ids_json,
                        size_t member_ids_len, parley_done_fn done, void* user_data);
int parley_add_members(parley_client* client, const char* conversation_id, size_t len, const char* user_ids_json,
                       size_t user_ids_len, parley_done_fn done, void* user_data);
int parley_remove_members(parley_client* client, const char* conversation_id, size_t len, const char* user_ids_json,
                          size_t user_ids_len, parley_done_fn done, void* user_data);

/* Operations on a sent message (need a connection). done's JSON: the target message in its new state. */
int parley_edit(parley_client* client, const char* conversation_id, size_t len, uint64_t seq, const char* text,
                size_t text_len, parley_done_fn done, void* user_data);
int parley_revoke(parley_client* client, const char* conversation_id, size_t len, uint64_t seq, parley_done_fn done,
                  void* user_data);
/* remove: 0 adds the reaction, 1 takes it off. */
int parley_react(parley_client* client, const char* conversation_id, size_t len, uint64_t seq, const char* emoji,
                 size_t emoji_len, int remove, parley_done_fn done, void* user_data);
/* typing: 1 started, 0 stopped. done's JSON: {}. */
int parley_set_typing(parley_client* client, const char* conversation_id, size_t len, int typing, parley_done_fn done,
                      void* user_data);

/* Friends and blocks (need a connection). done's JSON is the server's response (docs/sdk.md). */
int parley_friend_request(parley_client* client, const char* user_id, size_t len, const char* message,
                          size_t message_len, parley_done_fn done, void* user_data);
/* accept: 1 accepts, 0 declines. */
int parley_friend_answer(parley_client* client, const char* user_id, size_t len, int accept, parley_done_fn done,
                         void* user_data);
int parley_friend_remove(parley_client* client, const char* user_id, size_t len, parley_done_fn done, void* user_data);
int parley_block_user(parley_client* client, const char* user_id, size_t len, parley_done_fn done, void* user_data);
int parley_unblock_user(parley_client* client, const char* user_id, size_t len, parley_done_fn done, void* user_data);
int parley_list_friends(parley_client* client, parley_done_fn done, void* user_data);
int parley_list_friend_requests(parley_client* client, parley_done_fn done, void* user_data);
int parley_list_blocked(parley_client* client, parley_done_fn done, void* user_data);

/* Presence: user_ids_json is a JSON array; done's JSON {"presences": [...]}; changes arrive through on_event. */
int parley_subscribe_presence(parley_client* client, const char* user_ids_json, size_t user_ids_len,
                              parley_done_fn done, void* user_data);
/* Server-side full-text search; conversation_id may be empty (all). done's JSON {"hits": [...], ...}. */
int parley_search_server(parley_client* client, const char* query, size_t query_len, const char* conversation_id,
                         size_t conversation_id_len, uint32_t limit, parley_done_fn done, void* user_data);

/* My settings for a conversation, deletions for me (need a connection). change_json holds only the fields to
 * change: {"pinned": bool, "muted_until_ms": int, "archived": bool, "draft": string, "hidden": bool}. done's
 * JSON: the conversation after the change. delete_for_me: done's JSON {}; clear_for_me (up_to_seq 0: all so far):
 * {"cleared_seq": N}. The local store follows before done runs. */
int parley_update_settings(parley_client* client, const char* conversation_id, size_t len, const char* change_json,
                           size_t change_len, parley_done_fn done, void* user_data);
int parley_delete_for_me(parley_client* client, const char* conversation_id, size_t len, const uint64_t* seqs,
                         size_t seq_count, parley_done_fn done, void* user_data);
int parley_clear_for_me(parley_client* client, const char* conversation_id, size_t len, uint64_t up_to_seq,
                        parley_done_fn done, void* user_data);
/* done's JSON {"unread", "unread_unmuted", "mentions", "conversations"} (zero counts left out). */
int parley_unread_total(parley_client* client, parley_done_fn done, void* user_data);
/* Who read message seq of a group: {"read_count", "unread_count", "readers": [...], "end"}; limit 0: default. */
int parley_read_receipts(parley_client* client, const char* conversation_id, size_t len, uint64_t seq,
                         const char* after_user_id, size_t after_len, uint32_t limit, parley_done_fn done,
                         void* user_data);

/* Group administration (need a connection). done's JSON is the server's response (docs/sdk.md), e.g.
 * {"seq", "group"} for a change. change_json: {"name", "avatar_url", "description", "announcement": string,
 * "join_policy": "OPEN" | "APPROVAL" | "INVITE_ONLY", "mute_all", "history_visible": bool}, only fields to change. */
int parley_update_group(parley_client* client, const char* conversation_id, size_t len, const char* change_json,
                        size_t change_len, parley_done_fn done, void* user_data);
int parley_get_group(parley_client* client, const char* conversation_id, size_t len, parley_done_fn done,
                     void* user_data);
int parley_join_group(parley_client* client, const char* conversation_id, size_t len, const char* message,
                      size_t message_len, parley_done_fn done, void* user_data);
/* done's JSON {"seq"}. */
int parley_leave_group(parley_client* client, const char* conversation_id, size_t len, parley_done_fn done,
                       void* user_data);
int parley_list_join_requests(parley_client* client, const char* conversation_id, size_t len, parley_done_fn done,
                              void* user_data);
/* accept: 1 accepts, 0 declines. */
int parley_answer_join_request(parley_client* client, const char* conversation_id, size_t len, const char* user_id,
                               size_t user_id_len, int accept, parley_done_fn done, void* user_data);
/* admin: 1 makes them admins, 0 plain members. user_ids_json: a JSON array. */
int parley_set_member_role(parley_client* client, const char* conversation_id, size_t len, const char* user_ids_json,
                           size_t user_ids_len, int admin, parley_done_fn done, void* user_data);
int parley_transfer_ownership(parley_client* client, const char* conversation_id, size_t len, const char* user_id,
                              size_t user_id_len, parley_done_fn done, void* user_data);
int parley_dismiss_group(parley_client* client, const char* conversation_id, size_t len, parley_done_fn done,
                         void* user_data);
/* until_ms: ms since the epoch; 0 lifts the silence. */
int parley_silence_members(parley_client* client, const char* conversation_id, size_t len, const char* user_ids_json,
                           size_t user_ids_len, int64_t until_ms, parley_done_fn done, void* user_data);
/* One page of members after after_user_id (may be empty); limit 0: the server's default. */
int parley_list_members(parley_client* client, const char* conversation_id, size_t len, const char* after_user_id,
                        size_t after_len, uint32_t limit, parley_done_fn done, void* user_data);
int parley_search_groups(parley_client* client, const char* query, size_t query_len, uint32_t limit,
                         parley_done_fn done, void* user_data);

/* People (need a connection): the user directory, privacy, withdrawing a friend request. */
int parley_search_users(parley_client* client, const char* query, size_t query_len, uint32_t limit,
                        parley_done_fn done, void* user_data);
enum { PARLEY_PRESENCE_CONTACTS = 0, PARLEY_PRESENCE_FRIENDS = 1, PARLEY_PRESENCE_NOBODY = 2 };
int parley_get_privacy(parley_client* client, parley_done_fn done, void* user_data);
/* presence: PARLEY_PRESENCE_*. done's JSON {"privacy": {...}}. */
int parley_set_privacy(parley_client* client, int receipts_disabled, int presence, parley_done_fn done,
                       void* user_data);
int parley_cancel_friend_request(parley_client* client, const char* user_id, size_t len, parley_done_fn done,
                                 void* user_data);
/* My private name for a friend ("" removes it). */
int parley_set_friend_remark(parley_client* client, const char* user_id, size_t len, const char* remark,
                             size_t remark_len, parley_done_fn done, void* user_data);
/* Who reacted to message seq (emoji may be empty: all), paged. done's JSON {"reactions": [...], "end"}. */
int parley_list_reactions(parley_client* client, const char* conversation_id, size_t len, uint64_t seq,
                          const char* emoji, size_t emoji_len, const char* after_user_id, size_t after_len,
                          uint32_t limit, parley_done_fn done, void* user_data);
/* Local reads of the friends / blocked cache (offline too): JSON arrays of
 * {"user_id", "display_name", "remark", "since_ms"}. */
int parley_friends(parley_client* client, parley_string* json_out, parley_string* error);
int parley_blocked(parley_client* client, parley_string* json_out, parley_string* error);

/* "d:<a>:<b>" with a < b: the id of the direct conversation of two users. */
int parley_direct_conversation_id(const char* user_a, size_t a_len, const char* user_b, size_t b_len,
                                  parley_string* out);

#ifdef __cplusplus
}
#endif

#endif /* PARLEY_PARLEY_H */
