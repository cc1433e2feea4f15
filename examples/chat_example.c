/* A small C program on libparley: logs in, sends one message, then prints incoming messages.
 *
 *   chat_example ws://127.0.0.1:8080/v1/ws ./alice.db alice 'alice-pass-1' bob 'Hi Bob!' [seconds]
 *
 * The database keeps the session, so later runs may pass "-" as the password to reuse it. */
#define _POSIX_C_SOURCE 200809L
#include <parley/parley.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct app {
  pthread_mutex_t mutex;
  pthread_cond_t cond;
  int login_done;
  int login_status;
  int sent; /* our message was acknowledged (or refused) by the server */
};

static void on_state(void* user_data, int state, const char* detail, size_t len, int64_t retry_in_ms) {
  (void)user_data;
  (void)retry_in_ms;
  fprintf(stderr, "[%s] %.*s\n", parley_state_name(state), (int)len, detail);
}

static void on_message(void* user_data, const char* json, size_t len) {
  (void)user_data;
  printf("message: %.*s\n", (int)len, json);
  fflush(stdout);
}

static void on_send(void* user_data, const char* json, size_t len) {
  struct app* app = user_data;
  printf("send: %.*s\n", (int)len, json);
  fflush(stdout);
  if (strstr(json, "\"state\":\"sending\"")) return;
  pthread_mutex_lock(&app->mutex);
  app->sent = 1;
  pthread_cond_signal(&app->cond);
  pthread_mutex_unlock(&app->mutex);
}

static void on_login(void* user_data, int status, const char* json, size_t len) {
  struct app* app = user_data;
  fprintf(stderr, "login: %d %.*s\n", status, (int)len, json);
  pthread_mutex_lock(&app->mutex);
  app->login_done = 1;
  app->login_status = status;
  pthread_cond_signal(&app->cond);
  pthread_mutex_unlock(&app->mutex);
}

int main(int argc, char** argv) {
  if (argc < 7) {
    fprintf(stderr, "usage: %s SERVER_URL DATABASE USER PASSWORD|- PEER TEXT [SECONDS]\n", argv[0]);
    return 2;
  }
  const char *url = argv[1], *db = argv[2], *user = argv[3], *password = argv[4], *peer = argv[5], *text = argv[6];
  int seconds = argc > 7 ? atoi(argv[7]) : 30;

  struct app app = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0};
  parley_callbacks callbacks = {0};
  callbacks.user_data = &app;
  callbacks.on_state = on_state;
  callbacks.on_message = on_message;
  callbacks.on_send = on_send;

  char options[4096];
  snprintf(options, sizeof options, "{\"server_url\":\"%s\",\"database_path\":\"%s\"}", url, db);
  parley_client* client = NULL;
  parley_string error = {0};
  int rc = parley_client_create(options, strlen(options), &callbacks, &client, &error);
  if (rc != PARLEY_OK) {
    fprintf(stderr, "cannot create the client: %s\n", error.data ? error.data : "?");
    parley_string_free(&error);
    return 1;
  }

  if (strcmp(password, "-") == 0) {
    parley_client_start(client);
  } else {
    parley_login(client, user, strlen(user), password, strlen(password), on_login, &app);
    pthread_mutex_lock(&app.mutex);
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += 30;
    while (!app.login_done && pthread_cond_timedwait(&app.cond, &app.mutex, &deadline) == 0) {
    }
    int done = app.login_done, status = app.login_status;
    pthread_mutex_unlock(&app.mutex);
    if (!done || status != PARLEY_OK) {
      fprintf(stderr, "login failed\n");
      parley_client_destroy(&client);
      return 1;
    }
  }

  parley_string conversation = {0}, id = {0};
  parley_direct_conversation_id(user, strlen(user), peer, strlen(peer), &conversation);
  rc = parley_send_text(client, conversation.data, conversation.len, text, strlen(text), &id, &error);
  if (rc != PARLEY_OK) {
    fprintf(stderr, "cannot send: %s\n", error.data ? error.data : "?");
  } else {
    fprintf(stderr, "queued %s in %s\n", id.data, conversation.data);
  }
  parley_string_free(&conversation);
  parley_string_free(&id);
  parley_string_free(&error);

  /* Wait (at most 30 s) for the server's answer to our message, then print what arrives for a while;
   * callbacks run on the client's thread. Unsent messages stay in the database for the next run. */
  pthread_mutex_lock(&app.mutex);
  struct timespec ack_deadline;
  clock_gettime(CLOCK_REALTIME, &ack_deadline);
  ack_deadline.tv_sec += 30;
  while (rc == PARLEY_OK && !app.sent && pthread_cond_timedwait(&app.cond, &app.mutex, &ack_deadline) == 0) {
  }
  struct timespec until;
  clock_gettime(CLOCK_REALTIME, &until);
  until.tv_sec += seconds;
  while (pthread_cond_timedwait(&app.cond, &app.mutex, &until) == 0) {
  }
  pthread_mutex_unlock(&app.mutex);
  parley_client_destroy(&client);
  return 0;
}
