// The C API (include/parley/parley.h) over parley::Client. Nothing may throw across it: every entry point
// catches, and bad arguments get PARLEY_ERR_BAD_ARGUMENT with a message.
#include "parley/parley.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <cstdlib>
#include <cstring>

#include "parley/client.h"
#include "sdk/c_api_support.h"

using namespace parley::capi;

namespace {

namespace json = boost::json;
using parley::ClientResult;

bool parse_options(const std::string& text, parley::ClientOptions& o, std::string& error) {
  auto object = parse_object(text, "options", error);
  if (!object) return false;
  for (const auto& entry : *object) {
    // Named, not a structured binding: the static analyzer loses a binding captured by a lambda.
    const std::string_view key = entry.key();
    const json::value& v = entry.value();
    auto as_ms = [&](std::chrono::milliseconds& field) {
      if (!v.is_int64() || v.get_int64() <= 0) {
        error = std::string("option ") + std::string(key) + " must be a positive integer (milliseconds)";
        return false;
      }
      field = std::chrono::milliseconds(v.get_int64());
      return true;
    };
    auto as_text = [&](std::string& field) {
      if (!v.is_string()) {
        error = std::string("option ") + std::string(key) + " must be a string";
        return false;
      }
      field = v.get_string().c_str();
      return true;
    };
    bool ok;
    if (key == "server_url")
      ok = as_text(o.server_url);
    else if (key == "database_path")
      ok = as_text(o.database_path);
    else if (key == "tls_ca_file")
      ok = as_text(o.tls_ca_file);
    else if (key == "device_id")
      ok = as_text(o.device_id);
    else if (key == "platform")
      ok = as_text(o.platform);
    else if (key == "heartbeat_min_ms")
      ok = as_ms(o.heartbeat_min);
    else if (key == "heartbeat_max_ms")
      ok = as_ms(o.heartbeat_max);
    else if (key == "request_timeout_ms")
      ok = as_ms(o.request_timeout);
    else if (key == "backoff_min_ms")
      ok = as_ms(o.backoff_min);
    else if (key == "backoff_max_ms")
      ok = as_ms(o.backoff_max);
    else if (key == "max_outbox") {
      ok = v.is_int64() && v.get_int64() > 0;
      if (ok)
        o.max_outbox = static_cast<size_t>(v.get_int64());
      else
        error = "option max_outbox must be a positive integer";
    } else {
      error = "unknown option " + std::string(key);
      ok = false;
    }
    if (!ok) return false;
  }
  return true;
}

parley::ClientCallbacks bridge(const parley_callbacks* c) {
  parley::ClientCallbacks cb;
  if (!c) return cb;
  parley_callbacks copy = *c;
  if (copy.on_state) {
    cb.on_state = [copy](const parley::StateUpdate& u) {
      copy.on_state(copy.user_data, static_cast<int>(u.state), u.detail.data(), u.detail.size(), u.retry_in.count());
    };
  }
  if (copy.on_message) {
    cb.on_message = [copy](const parley::MessageRecord& m, parley::MessageOrigin origin) {
      std::string j = parley::sdk::to_json(m, origin == parley::MessageOrigin::kLive ? "live" : "sync");
      copy.on_message(copy.user_data, j.data(), j.size());
    };
  }
  if (copy.on_send) {
    cb.on_send = [copy](const parley::SendUpdate& u) {
      std::string j = parley::sdk::to_json(u);
      copy.on_send(copy.user_data, j.data(), j.size());
    };
  }
  if (copy.on_conversation) {
    cb.on_conversation = [copy](const parley::ConversationRecord& r) {
      std::string j = parley::sdk::to_json(r);
      copy.on_conversation(copy.user_data, j.data(), j.size());
    };
  }
  if (copy.on_read) {
    cb.on_read = [copy](const std::string& conversation, uint64_t seq) {
      copy.on_read(copy.user_data, conversation.data(), conversation.size(), seq);
    };
  }
  if (copy.on_synced) cb.on_synced = [copy] { copy.on_synced(copy.user_data); };
  if (copy.on_message_updated) {
    cb.on_message_updated = [copy](const parley::MessageRecord& m) {
      std::string j = parley::sdk::to_json(m);
      copy.on_message_updated(copy.user_data, j.data(), j.size());
    };
  }
  if (copy.on_event) {
    cb.on_event = [copy](const parley::EventUpdate& e) {
      std::string j = parley::sdk::to_json(e);
      copy.on_event(copy.user_data, j.data(), j.size());
    };
  }
  return cb;
}


}  // namespace

extern "C" {

void parley_string_free(parley_string* s) {
  if (!s) return;
  std::free(s->data);
  s->data = nullptr;
  s->len = 0;
}

const char* parley_state_name(int state) {
  if (state < 0 || state > PARLEY_STATE_AUTH_FAILED) return "unknown";
  return parley::to_string(static_cast<parley::ConnectionState>(state));
}

int parley_client_create(const char* options_json, size_t options_len, const parley_callbacks* callbacks,
                         parley_client** out, parley_string* error) {
  return guard(error, [&]() -> int {
    if (!out) return fail(error, PARLEY_ERR_BAD_ARGUMENT, "out is NULL");
    *out = nullptr;
    parley::ClientOptions options;
    std::string problem;
    if (!parse_options(view(options_json, options_len), options, problem)) {
      return fail(error, PARLEY_ERR_BAD_ARGUMENT, problem);
    }
    auto client = parley::Client::create(std::move(options), bridge(callbacks));
    if (!client) return fail(error, client.error().code, client.error().message);
    *out = new parley_client{std::move(*client)};
    return PARLEY_OK;
  });
}

void parley_client_destroy(parley_client** client) {
  if (!client || !*client) return;
  delete *client;
  *client = nullptr;
}

int parley_client_start(parley_client* c) {
  PARLEY_REQUIRE_CLIENT(c, nullptr);
  c->client->start();
  return PARLEY_OK;
}

int parley_client_state(const parley_client* c) {
  if (!c || !c->client) return PARLEY_STATE_LOGGED_OUT;
  return static_cast<int>(c->client->state());
}

int parley_client_user_id(const parley_client* c, parley_string* out) {
  if (!c || !c->client) return PARLEY_ERR_BAD_ARGUMENT;
  fill(out, c->client->user_id());
  return PARLEY_OK;
}

int parley_network_changed(parley_client* c) {
  PARLEY_REQUIRE_CLIENT(c, nullptr);
  c->client->network_changed();
  return PARLEY_OK;
}

static std::string session_json(const parley::SessionSummary& s) { return parley::sdk::to_json(s); }

int parley_login(parley_client* c, const char* user_id, size_t user_id_len, const char* password, size_t password_len,
                 parley_done_fn done, void* user_data) {
  PARLEY_REQUIRE_CLIENT(c, nullptr);
  return guard(nullptr, [&]() -> int {
    c->client->login(view(user_id, user_id_len), view(password, password_len),
                     adapt<parley::SessionSummary>(done, user_data, session_json));
    return PARLEY_OK;
  });
}

int parley_register_and_login(parley_client* c, const char* user_id, size_t user_id_len, const char* password,
                              size_t password_len, const char* display_name, size_t display_name_len,
                              parley_done_fn done, void* user_data) {
  PARLEY_REQUIRE_CLIENT(c, nullptr);
  return guard(nullptr, [&]() -> int {
    c->client->register_and_login(view(user_id, user_id_len), view(password, password_len),
                                  view(display_name, display_name_len),
                                  adapt<parley::SessionSummary>(done, user_data, session_json));
    return PARLEY_OK;
  });
}

int parley_use_token(parley_client* c, const char* token, size_t token_len, parley_done_fn done, void* user_data) {
  PARLEY_REQUIRE_CLIENT(c, nullptr);
  return guard(nullptr, [&]() -> int {
    c->client->use_token(view(token, token_len), adapt<parley::SessionSummary>(done, user_data, session_json));
    return PARLEY_OK;
  });
}

int parley_logout(parley_client* c, parley_done_fn done, void* user_data) {
  PARLEY_REQUIRE_CLIENT(c, nullptr);
  return guard(nullptr, [&]() -> int {
    c->client->logout([done, user_data](ClientResult<void> r) {
      if (!done) return;
      std::string j = r ? "{}" : error_json(r.error());
      done(user_data, r ? PARLEY_OK : r.error().code, j.data(), j.size());
    });
    return PARLEY_OK;
  });
}

int parley_send_text(parley_client* c, const char* conversation_id, size_t conversation_id_len, const char* text,
                     size_t text_len, parley_string* client_msg_id, parley_string* error) {
  PARLEY_REQUIRE_CLIENT(c, error);
  return guard(error, [&]() -> int {
    auto r = c->client->send_text(view(conversation_id, conversation_id_len), view(text, text_len));
    if (r) fill(client_msg_id, *r);
    return result_status(r, error);
  });
}

int parley_resend(parley_client* c, const char* id, size_t len, parley_string* error) {
  PARLEY_REQUIRE_CLIENT(c, error);
  return guard(error, [&]() -> int { return result_status(c->client->resend(view(id, len)), error); });
}

int parley_cancel(parley_client* c, const char* id, size_t len, parley_string* error) {
  PARLEY_REQUIRE_CLIENT(c, error);
  return guard(error, [&]() -> int { return result_status(c->client->cancel(view(id, len)), error); });
}

int parley_mark_read(parley_client* c, const char* conversation_id, size_t len, uint64_t seq, parley_string* error) {
  PARLEY_REQUIRE_CLIENT(c, error);
  return guard(error,
               [&]() -> int { return result_status(c->client->mark_read(view(conversation_id, len), seq), error); });
}

int parley_conversations(parley_client* c, parley_string* json_out, parley_string* error) {
  PARLEY_REQUIRE_CLIENT(c, error);
  return guard(error, [&]() -> int {
    auto r = c->client->conversations();
    if (r) fill(json_out, parley::sdk::to_json_array(*r));
    return result_status(r, error);
  });
}

int parley_messages(parley_client* c, const char* conversation_id, size_t len, uint64_t before_seq, uint32_t limit,
                    parley_string* json_out, parley_string* error) {
  PARLEY_REQUIRE_CLIENT(c, error);
  return guard(error, [&]() -> int {
    auto r = c->client->messages(view(conversation_id, len), before_seq, limit);
    if (r) fill(json_out, parley::sdk::to_json_array(*r));
    return result_status(r, error);
  });
}

int parley_unsent(parley_client* c, uint32_t limit, parley_string* json_out, parley_string* error) {
  PARLEY_REQUIRE_CLIENT(c, error);
  return guard(error, [&]() -> int {
    auto r = c->client->unsent(limit);
    if (r) fill(json_out, parley::to_json_array(*r));
    return result_status(r, error);
  });
}

int parley_search(parley_client* c, const char* query, size_t len, uint32_t limit, parley_string* json_out,
                  parley_string* error) {
  PARLEY_REQUIRE_CLIENT(c, error);
  return guard(error, [&]() -> int {
    auto r = c->client->search(view(query, len), limit);
    if (r) fill(json_out, parley::sdk::to_json_array(*r));
    return result_status(r, error);
  });
}

int parley_load_history(parley_client* c, const char* conversation_id, size_t len, uint64_t before_seq, uint32_t limit,
                        parley_done_fn done, void* user_data) {
  PARLEY_REQUIRE_CLIENT(c, nullptr);
  return guard(nullptr, [&]() -> int {
    c->client->load_history(view(conversation_id, len), before_seq, limit,
                            adapt<std::vector<parley::MessageRecord>>(
                                done, user_data, [](const auto& v) { return parley::sdk::to_json_array(v); }));
    return PARLEY_OK;
  });
}

int parley_create_group(parley_client* c, const char* name, size_t name_len, const char* member_ids_json,
                        size_t member_ids_len, parley_done_fn done, void* user_data) {
  PARLEY_REQUIRE_CLIENT(c, nullptr);
  return guard(nullptr, [&]() -> int {
    std::vector<std::string> members;
    std::string problem;
    if (member_ids_json && !parse_id_list(member_ids_json, member_ids_len, members, problem)) {
      return PARLEY_ERR_BAD_ARGUMENT;
    }
    c->client->create_group(
        view(name, name_len), std::move(members),
        adapt<parley::ConversationRecord>(done, user_data, [](const auto& r) { return parley::sdk::to_json(r); }));
    return PARLEY_OK;
  });
}

static int change_members(bool add, parley_client* c, const char* conversation_id, size_t len,
                          const char* user_ids_json, size_t user_ids_len, parley_done_fn done, void* user_data) {
  PARLEY_REQUIRE_CLIENT(c, nullptr);
  return guard(nullptr, [&]() -> int {
    std::vector<std::string> users;
    std::string problem;
    if (!parse_id_list(user_ids_json, user_ids_len, users, problem)) return PARLEY_ERR_BAD_ARGUMENT;
    auto cb = adapt<uint64_t>(done, user_data, [](uint64_t seq) { return "{\"seq\":" + std::to_string(seq) + "}"; });
    if (add)
      c->client->add_members(view(conversation_id, len), std::move(users), std::move(cb));
    else
      c->client->remove_members(view(conversation_id, len), std::move(users), std::move(cb));
    return PARLEY_OK;
  });
}

int parley_add_members(parley_client* c, const char* conversation_id, size_t len, const char* user_ids_json,
                       size_t user_ids_len, parley_done_fn done, void* user_data) {
  return change_members(true, c, conversation_id, len, user_ids_json, user_ids_len, done, user_data);
}

int parley_remove_members(parley_client* c, const char* conversation_id, size_t len, const char* user_ids_json,
                          size_t user_ids_len, parley_done_fn done, void* user_data) {
  return change_members(false, c, conversation_id, len, user_ids_json, user_ids_len, done, user_data);
}


int parley_edit(parley_client* c, const char* conversation_id, size_t len, uint64_t seq, const char* text,
                size_t text_len, parley_done_fn done, void* user_data) {
  PARLEY_REQUIRE_CLIENT(c, nullptr);
  if (seq == 0 || !text || text_len == 0) return PARLEY_ERR_BAD_ARGUMENT;
  return guard(nullptr, [&]() -> int {
    c->client->edit(view(conversation_id, len), seq, view(text, text_len), message_done(done, user_data));
    return PARLEY_OK;
  });
}

int parley_revoke(parley_client* c, const char* conversation_id, size_t len, uint64_t seq, parley_done_fn done,
                  void* user_data) {
  PARLEY_REQUIRE_CLIENT(c, nullptr);
  if (seq == 0) return PARLEY_ERR_BAD_ARGUMENT;
  return guard(nullptr, [&]() -> int {
    c->client->revoke(view(conversation_id, len), seq, message_done(done, user_data));
    return PARLEY_OK;
  });
}

int parley_react(parley_client* c, const char* conversation_id, size_t len, uint64_t seq, const char* emoji,
                 size_t emoji_len, int remove, parley_done_fn done, void* user_data) {
  PARLEY_REQUIRE_CLIENT(c, nullptr);
  if (seq == 0 || !emoji || emoji_len == 0) return PARLEY_ERR_BAD_ARGUMENT;
  return guard(nullptr, [&]() -> int {
    c->client->react(view(conversation_id, len), seq, view(emoji, emoji_len),
                     remove ? parley::ReactionChange::kRemove : parley::ReactionChange::kAdd,
                     message_done(done, user_data));
    return PARLEY_OK;
  });
}

int parley_set_typing(parley_client* c, const char* conversation_id, size_t len, int typing, parley_done_fn done,
                      void* user_data) {
  PARLEY_REQUIRE_CLIENT(c, nullptr);
  return guard(nullptr, [&]() -> int {
    c->client->set_typing(view(conversation_id, len), typing != 0,
                          [done, user_data](ClientResult<void> r) {
                            if (!done) return;
                            std::string j = r ? std::string("{}") : error_json(r.error());
                            done(user_data, r ? PARLEY_OK : r.error().code, j.data(), j.size());
                          });
    return PARLEY_OK;
  });
}

int parley_friend_request(parley_client* c, const char* user_id, size_t len, const char* message, size_t message_len,
                          parley_done_fn done, void* user_data) {
  PARLEY_REQUIRE_CLIENT(c, nullptr);
  if (!user_id || len == 0) return PARLEY_ERR_BAD_ARGUMENT;
  return guard(nullptr, [&]() -> int {
    c->client->send_friend_request(view(user_id, len), view(message, message_len), json_done(done, user_data));
    return PARLEY_OK;
  });
}

int parley_friend_answer(parley_client* c, const char* user_id, size_t len, int accept, parley_done_fn done,
                         void* user_data) {
  PARLEY_REQUIRE_CLIENT(c, nullptr);
  if (!user_id || len == 0) return PARLEY_ERR_BAD_ARGUMENT;
  return guard(nullptr, [&]() -> int {
    c->client->answer_friend_request(view(user_id, len),
                                     accept ? parley::FriendAnswer::kAccept : parley::FriendAnswer::kDecline,
                                     json_done(done, user_data));
    return PARLEY_OK;
  });
}

static int user_call(parley_client* c, const char* user_id, size_t len, parley_done_fn done, void* user_data,
                     void (parley::Client::*method)(std::string, parley::Done<std::string>)) {
  PARLEY_REQUIRE_CLIENT(c, nullptr);
  if (!user_id || len == 0) return PARLEY_ERR_BAD_ARGUMENT;
  return guard(nullptr, [&]() -> int {
    ((*c->client).*method)(view(user_id, len), json_done(done, user_data));
    return PARLEY_OK;
  });
}

int parley_friend_remove(parley_client* c, const char* user_id, size_t len, parley_done_fn done, void* user_data) {
  return user_call(c, user_id, len, done, user_data, &parley::Client::remove_friend);
}

int parley_block_user(parley_client* c, const char* user_id, size_t len, parley_done_fn done, void* user_data) {
  return user_call(c, user_id, len, done, user_data, &parley::Client::block_user);
}

int parley_unblock_user(parley_client* c, const char* user_id, size_t len, parley_done_fn done, void* user_data) {
  return user_call(c, user_id, len, done, user_data, &parley::Client::unblock_user);
}

static int list_call(parley_client* c, parley_done_fn done, void* user_data,
                     void (parley::Client::*method)(parley::Done<std::string>)) {
  PARLEY_REQUIRE_CLIENT(c, nullptr);
  return guard(nullptr, [&]() -> int {
    ((*c->client).*method)(json_done(done, user_data));
    return PARLEY_OK;
  });
}

int parley_list_friends(parley_client* c, parley_done_fn done, void* user_data) {
  return list_call(c, done, user_data, &parley::Client::list_friends);
}

int parley_list_friend_requests(parley_client* c, parley_done_fn done, void* user_data) {
  return list_call(c, done, user_data, &parley::Client::list_friend_requests);
}

int parley_list_blocked(parley_client* c, parley_done_fn done, void* user_data) {
  return list_call(c, done, user_data, &parley::Client::list_blocked);
}

int parley_subscribe_presence(parley_client* c, const char* user_ids_json, size_t user_ids_len, parley_done_fn done,
                              void* user_data) {
  PARLEY_REQUIRE_CLIENT(c, nullptr);
  return guard(nullptr, [&]() -> int {
    std::vector<std::string> users;
    std::string problem;
    if (!parse_id_list(user_ids_json, user_ids_len, users, problem)) return PARLEY_ERR_BAD_ARGUMENT;
    c->client->subscribe_presence(std::move(users), json_done(done, user_data));
    return PARLEY_OK;
  });
}

int parley_search_server(parley_client* c, const char* query, size_t query_len, const char* conversation_id,
                         size_t conversation_id_len, uint32_t limit, parley_done_fn done, void* user_data) {
  PARLEY_REQUIRE_CLIENT(c, nullptr);
  if (!query || query_len == 0) return PARLEY_ERR_BAD_ARGUMENT;
  return guard(nullptr, [&]() -> int {
    c->client->search_server(view(query, query_len), view(conversation_id, conversation_id_len), limit,
                             json_done(done, user_data));
    return PARLEY_OK;
  });
}

int parley_direct_conversation_id(const char* user_a, size_t a_len, const char* user_b, size_t b_len,
                                  parley_string* out) {
  if (!user_a || !user_b || a_len == 0 || b_len == 0) return PARLEY_ERR_BAD_ARGUMENT;
  fill(out, parley::Client::direct_conversation_id(view(user_a, a_len), view(user_b, b_len)));
  return PARLEY_OK;
}

}  // extern "C"
