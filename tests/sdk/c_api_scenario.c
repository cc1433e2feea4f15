/* The C API seen from C: this file includes nothing of libparley but parley.h. It is driven by
 * c_api_test.cpp, which starts parleyd and hands over the tokens. */
#define _POSIX_C_SOURCE 200809L
#include <parley/parley.h>

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "c_api_scenario.h"

struct recorder {
  pthread_mutex_t mutex;
  pthread_cond_t cond;
  int state;
  int auth_done;
  int auth_status;
  int sent;
  char last_message[4096];
  char last_updated[4096]; /* on_message_updated */
  int op_done;
  int op_status;
};

static void on_state(void* ud, int state, const char* detail, size_t len, int64_t retry_in_ms) {
  struct recorder* r = ud;
  (void)detail;
  (void)len;
  (void)retry_in_ms;
  pthread_mutex_lock(&r->mutex);
  r->state = state;
  pthread_cond_broadcast(&r->cond);
  pthread_mutex_unlock(&r->mutex);
}

static void on_message(void* ud, const char* json, size_t len) {
  struct recorder* r = ud;
  pthread_mutex_lock(&r->mutex);
  size_t n = len < sizeof r->last_message - 1 ? len : sizeof r->last_message - 1;
  memcpy(r->last_message, json, n);
  r->last_message[n] = '\0';
  pthread_cond_broadcast(&r->cond);
  pthread_mutex_unlock(&r->mutex);
}

static void on_send(void* ud, const char* json, size_t len) {
  struct recorder* r = ud;
  pthread_mutex_lock(&r->mutex);
  if (len > 0 && strstr(json, "\"state\":\"sent\"")) r->sent++;
  pthread_cond_broadcast(&r->cond);
  pthread_mutex_unlock(&r->mutex);
}

static void on_message_updated(void* ud, const char* json, size_t len) {
  struct recorder* r = ud;
  pthread_mutex_lock(&r->mutex);
  size_t n = len < sizeof r->last_updated - 1 ? len : sizeof r->last_updated - 1;
  memcpy(r->last_updated, json, n);
  r->last_updated[n] = '\0';
  pthread_cond_broadcast(&r->cond);
  pthread_mutex_unlock(&r->mutex);
}

static void on_op(void* ud, int status, const char* json, size_t len) {
  struct recorder* r = ud;
  (void)json;
  (void)len;
  pthread_mutex_lock(&r->mutex);
  r->op_done = 1;
  r->op_status = status;
  pthread_cond_broadcast(&r->cond);
  pthread_mutex_unlock(&r->mutex);
}

static void on_auth(void* ud, int status, const char* json, size_t len) {
  struct recorder* r = ud;
  (void)json;
  (void)len;
  pthread_mutex_lock(&r->mutex);
  r->auth_done = 1;
  r->auth_status = status;
  pthread_cond_broadcast(&r->cond);
  pthread_mutex_unlock(&r->mutex);
}

/* Waits (at most 20 s) until check(r) holds. */
static int wait_for(struct recorder* r, int (*check)(struct recorder*)) {
  struct timespec deadline;
  clock_gettime(CLOCK_REALTIME, &deadline);
  deadline.tv_sec += 20;
  pthread_mutex_lock(&r->mutex);
  int ok = check(r);
  while (!ok && pthread_cond_timedwait(&r->cond, &r->mutex, &deadline) == 0) ok = check(r);
  ok = check(r);
  pthread_mutex_unlock(&r->mutex);
  return ok;
}

static int is_connected(struct recorder* r) { return r->state == PARLEY_STATE_CONNECTED; }
static int auth_finished(struct recorder* r) { return r->auth_done; }
static int one_sent(struct recorder* r) { return r->sent >= 1; }
static int got_hello(struct recorder* r) { return strstr(r->last_message, "hello from C") != NULL; }
static int op_finished(struct recorder* r) { return r->op_done; }
static int got_edit(struct recorder* r) { return strstr(r->last_updated, "hello again from C") != NULL; }

static void reset_op(struct recorder* r) {
  pthread_mutex_lock(&r->mutex);
  r->op_done = 0;
  r->op_status = -1;
  pthread_mutex_unlock(&r->mutex);
}

#define CHECK(cond, what)                                             \
  do {                                                                \
    if (!(cond)) {                                                    \
      snprintf(failure, failure_len, "%s (line %d)", what, __LINE__); \
      goto out;                                                       \
    }                                                                 \
  } while (0)

static parley_client* open_client(const char* url, const char* db, struct recorder* r) {
  parley_callbacks cb = {0};
  cb.user_data = r;
  cb.on_state = on_state;
  cb.on_message = on_message;
  cb.on_send = on_send;
  cb.on_message_updated = on_message_updated;
  char options[2048];
  snprintf(options, sizeof options,
           "{\"server_url\":\"%s\",\"database_path\":\"%s\",\"backoff_min_ms\":50,\"backoff_max_ms\":400}", url, db);
  parley_client* c = NULL;
  if (parley_client_create(options, strlen(options), &cb, &c, NULL) != PARLEY_OK) return NULL;
  return c;
}

int parley_c_scenario(const char* url, const char* dir, const char* alice_token, const char* bob_token, char* failure,
                      size_t failure_len) {
  int result = 1;
  struct recorder a = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0, 0, {0}, {0}, 0, 0};
  struct recorder b = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0, 0, {0}, {0}, 0, 0};
  char path_a[1024], path_b[1024];
  snprintf(path_a, sizeof path_a, "%s/c-alice.db", dir);
  snprintf(path_b, sizeof path_b, "%s/c-bob.db", dir);
  parley_client* alice = open_client(url, path_a, &a);
  parley_client* bob = open_client(url, path_b, &b);
  parley_string id = {0}, error = {0}, json = {0}, conversation = {0};
  CHECK(alice && bob, "parley_client_create failed");

  /* Bad input gets a status and a reason, not a crash. */
  parley_client* none = NULL;
  CHECK(parley_client_create("{\"database_path\": 7}", 20, NULL, &none, &error) == PARLEY_ERR_BAD_ARGUMENT,
        "bad options accepted");
  CHECK(error.data && strstr(error.data, "database_path"), "bad options: no reason given");
  parley_string_free(&error);
  CHECK(parley_send_text(NULL, "d:a:b", 5, "x", 1, &id, &error) == PARLEY_ERR_BAD_ARGUMENT, "NULL client accepted");
  parley_string_free(&error);

  CHECK(parley_use_token(alice, alice_token, strlen(alice_token), on_auth, &a) == PARLEY_OK, "use_token");
  CHECK(parley_use_token(bob, bob_token, strlen(bob_token), on_auth, &b) == PARLEY_OK, "use_token");
  CHECK(wait_for(&a, auth_finished) && a.auth_status == PARLEY_OK, "alice did not authenticate");
  CHECK(wait_for(&b, auth_finished) && b.auth_status == PARLEY_OK, "bob did not authenticate");
  CHECK(wait_for(&a, is_connected) && wait_for(&b, is_connected), "not connected");

  CHECK(parley_direct_conversation_id("bob", 3, "alice", 5, &conversation) == PARLEY_OK, "direct id");
  CHECK(conversation.len == 11 && strcmp(conversation.data, "d:alice:bob") == 0, "direct id value");
  CHECK(parley_send_text(alice, conversation.data, conversation.len, "", 0, &id, &error) == PARLEY_ERR_BAD_ARGUMENT,
        "empty text accepted");
  parley_string_free(&error);
  CHECK(parley_send_text(alice, conversation.data, conversation.len, "hello from C", 12, &id, &error) == PARLEY_OK,
        "send failed");
  CHECK(id.len > 0, "no client_msg_id");
  CHECK(wait_for(&a, one_sent), "alice's message was not acked");
  CHECK(wait_for(&b, got_hello), "bob did not get the message");
  CHECK(strstr(b.last_message, "\"origin\":\"live\"") != NULL, "origin missing");

  CHECK(parley_messages(bob, conversation.data, conversation.len, 0, 10, &json, &error) == PARLEY_OK, "messages");
  CHECK(json.data && strstr(json.data, "hello from C") && json.data[0] == '[', "bob's store lacks the message");
  parley_string_free(&json);
  CHECK(parley_conversations(bob, &json, &error) == PARLEY_OK && json.data && strstr(json.data, "\"unread_count\":1"),
        "conversation list");
  parley_string_free(&json);
  CHECK(parley_search(bob, "hello", 5, 10, &json, &error) == PARLEY_OK && json.data && strstr(json.data, "from C"),
        "search");
  parley_string_free(&json);

  /* An edit from C reaches bob's store and his on_message_updated. */
  CHECK(parley_edit(alice, conversation.data, conversation.len, 0, "x", 1, on_op, &a) == PARLEY_ERR_BAD_ARGUMENT,
        "seq 0 accepted");
  CHECK(parley_edit(alice, conversation.data, conversation.len, 1, "hello again from C", 18, on_op, &a) == PARLEY_OK,
        "edit");
  CHECK(wait_for(&a, op_finished) && a.op_status == PARLEY_OK, "the edit failed");
  CHECK(wait_for(&b, got_edit), "bob's on_message_updated did not report the edit");
  CHECK(parley_messages(bob, conversation.data, conversation.len, 0, 10, &json, &error) == PARLEY_OK && json.data &&
            strstr(json.data, "hello again from C"),
        "bob's store lacks the edit");

  /* Settings: a JSON object of the fields to change; the store holds them once done runs. */
  CHECK(parley_update_settings(bob, conversation.data, conversation.len, "{\"pinned\":1}", 12, on_op, &b) ==
            PARLEY_ERR_BAD_ARGUMENT,
        "a mistyped setting was accepted");
  reset_op(&b);
  CHECK(parley_update_settings(bob, conversation.data, conversation.len, "{\"pinned\":true}", 15, on_op, &b) ==
            PARLEY_OK,
        "update_settings");
  CHECK(wait_for(&b, op_finished) && b.op_status == PARLEY_OK, "the settings change failed");
  parley_string_free(&json);
  CHECK(parley_conversations(bob, &json, &error) == PARLEY_OK && json.data && strstr(json.data, "\"pinned\":true"),
        "bob's store lacks the pin");

  /* Blocks: the local cache lists them without asking the server. */
  reset_op(&a);
  CHECK(parley_block_user(alice, "bob", 3, on_op, &a) == PARLEY_OK, "block_user");
  CHECK(wait_for(&a, op_finished) && a.op_status == PARLEY_OK, "the block failed");
  parley_string_free(&json);
  CHECK(parley_blocked(alice, &json, &error) == PARLEY_OK && json.data && strstr(json.data, "\"user_id\":\"bob\""),
        "the blocked cache lacks bob");
  parley_string_free(&json);
  CHECK(parley_friends(alice, &json, &error) == PARLEY_OK && json.data && strcmp(json.data, "[]") == 0,
        "friends should be empty");
  result = 0;

out:
  parley_string_free(&id);
  parley_string_free(&error);
  parley_string_free(&json);
  parley_string_free(&conversation);
  parley_client_destroy(&alice);
  parley_client_destroy(&bob);
  if (alice || bob) {
    snprintf(failure, failure_len, "parley_client_destroy did not clear the handle");
    result = 1;
  }
  return result;
}
