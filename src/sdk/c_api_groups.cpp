// The C API of group administration and the people calls (user directory, privacy, friends/blocks cache).
#include "sdk/c_api_support.h"

using namespace parley::capi;

namespace {

bool parse_group_change(const std::string& text, parley::GroupChange& change, std::string& error) {
  auto object = parse_object(text, "the change", error);
  if (!object) return false;
  for (const auto& [key, v] : *object) {
    std::optional<std::string>* text_field = key == "name"           ? &change.name
                                             : key == "avatar_url"   ? &change.avatar_url
                                             : key == "description"  ? &change.description
                                             : key == "announcement" ? &change.announcement
                                                                     : nullptr;
    if (text_field && v.is_string()) {
      *text_field = std::string(v.get_string().c_str());
    } else if ((key == "mute_all" || key == "history_visible") && v.is_bool()) {
      (key == "mute_all" ? change.mute_all : change.history_visible) = v.get_bool();
    } else if (key == "join_policy" && v.is_string() &&
               (v.get_string() == "OPEN" || v.get_string() == "APPROVAL" || v.get_string() == "INVITE_ONLY")) {
      change.join_policy = v.get_string() == "OPEN"       ? parley::JoinPolicy::kOpen
                           : v.get_string() == "APPROVAL" ? parley::JoinPolicy::kApproval
                                                          : parley::JoinPolicy::kInviteOnly;
    } else {
      error = "bad or unknown group field " + std::string(key);
      return false;
    }
  }
  return true;
}

using ConversationCall = void (parley::Client::*)(std::string, parley::Done<std::string>);

int conversation_call(parley_client* c, const char* conversation_id, size_t len, parley_done_fn done, void* user_data,
                      ConversationCall method) {
  PARLEY_REQUIRE_CLIENT(c, nullptr);
  if (!conversation_id || len == 0) return PARLEY_ERR_BAD_ARGUMENT;
  return guard(nullptr, [&]() -> int {
    ((*c->client).*method)(view(conversation_id, len), json_done(done, user_data));
    return PARLEY_OK;
  });
}

int contacts_read(parley_client* c, parley_string* json_out, parley_string* error, bool friends) {
  PARLEY_REQUIRE_CLIENT(c, error);
  return guard(error, [&]() -> int {
    auto r = friends ? c->client->friends() : c->client->blocked();
    if (r) fill(json_out, parley::sdk::to_json_array(*r));
    return result_status(r, error);
  });
}

}  // namespace

extern "C" {

int parley_update_group(parley_client* c, const char* conversation_id, size_t len, const char* change_json,
                        size_t change_len, parley_done_fn done, void* user_data) {
  PARLEY_REQUIRE_CLIENT(c, nullptr);
  if (!conversation_id || len == 0) return PARLEY_ERR_BAD_ARGUMENT;
  return guard(nullptr, [&]() -> int {
    parley::GroupChange change;
    std::string error;
    if (!parse_group_change(view(change_json, change_len), change, error)) return PARLEY_ERR_BAD_ARGUMENT;
    c->client->update_group(view(conversation_id, len), std::move(change), json_done(done, user_data));
    return PARLEY_OK;
  });
}

int parley_get_group(parley_client* c, const char* conversation_id, size_t len, parley_done_fn done, void* user_data) {
  return conversation_call(c, conversation_id, len, done, user_data, &parley::Client::get_group);
}

int parley_join_group(parley_client* c, const char* conversation_id, size_t len, const char* message,
                      size_t message_len, parley_done_fn done, void* user_data) {
  PARLEY_REQUIRE_CLIENT(c, nullptr);
  if (!conversation_id || len == 0) return PARLEY_ERR_BAD_ARGUMENT;
  return guard(nullptr, [&]() -> int {
    c->client->join_group(view(conversation_id, len), view(message, message_len), json_done(done, user_data));
    return PARLEY_OK;
  });
}

int parley_leave_group(parley_client* c, const char* conversation_id, size_t len, parley_done_fn done,
                       void* user_data) {
  PARLEY_REQUIRE_CLIENT(c, nullptr);
  if (!conversation_id || len == 0) return PARLEY_ERR_BAD_ARGUMENT;
  return guard(nullptr, [&]() -> int {
    c->client->leave_group(view(conversation_id, len), adapt<uint64_t>(done, user_data, [](uint64_t seq) {
                             return "{\"seq\":" + std::to_string(seq) + "}";
                           }));
    return PARLEY_OK;
  });
}

int parley_list_join_requests(parley_client* c, const char* conversation_id, size_t len, parley_done_fn done,
                              void* user_data) {
  return conversation_call(c, conversation_id, len, done, user_data, &parley::Client::list_join_requests);
}

int parley_answer_join_request(parley_client* c, const char* conversation_id, size_t len, const char* user_id,
                               size_t user_id_len, int accept, parley_done_fn done, void* user_data) {
  PARLEY_REQUIRE_CLIENT(c, nullptr);
  if (!conversation_id || len == 0 || !user_id || user_id_len == 0) return PARLEY_ERR_BAD_ARGUMENT;
  return guard(nullptr, [&]() -> int {
    c->client->answer_join_request(view(conversation_id, len), view(user_id, user_id_len),
                                   accept ? parley::JoinAnswer::kAccept : parley::JoinAnswer::kDecline,
                                   json_done(done, user_data));
    return PARLEY_OK;
  });
}

int parley_set_member_role(parley_client* c, const char* conversation_id, size_t len, const char* user_ids_json,
                           size_t user_ids_len, int admin, parley_done_fn done, void* user_data) {
  PARLEY_REQUIRE_CLIENT(c, nullptr);
  if (!conversation_id || len == 0) return PARLEY_ERR_BAD_ARGUMENT;
  return guard(nullptr, [&]() -> int {
    std::vector<std::string> users;
    std::string error;
    if (!parse_id_list(user_ids_json, user_ids_len, users, error)) return PARLEY_ERR_BAD_ARGUMENT;
    c->client->set_member_role(view(conversation_id, len), std::move(users),
                               admin ? parley::MemberRole::kAdmin : parley::MemberRole::kMember,
                               json_done(done, user_data));
    return PARLEY_OK;
  });
}

int parley_transfer_ownership(parley_client* c, const char* conversation_id, size_t len, const char* user_id,
                              size_t user_id_len, parley_done_fn done, void* user_data) {
  PARLEY_REQUIRE_CLIENT(c, nullptr);
  if (!conversation_id || len == 0 || !user_id || user_id_len == 0) return PARLEY_ERR_BAD_ARGUMENT;
  return guard(nullptr, [&]() -> int {
    c->client->transfer_ownership(view(conversation_id, len), view(user_id, user_id_len), json_done(done, user_data));
    return PARLEY_OK;
  });
}

int parley_dismiss_group(parley_client* c, const char* conversation_id, size_t len, parley_done_fn done,
                         void* user_data) {
  return conversation_call(c, conversation_id, len, done, user_data, &parley::Client::dismiss_group);
}

int parley_silence_members(parley_client* c, const char* conversation_id, size_t len, const char* user_ids_json,
                           size_t user_ids_len, int64_t until_ms, parley_done_fn done, void* user_data) {
  PARLEY_REQUIRE_CLIENT(c, nullptr);
  if (!conversation_id || len == 0 || until_ms < 0) return PARLEY_ERR_BAD_ARGUMENT;
  return guard(nullptr, [&]() -> int {
    std::vector<std::string> users;
    std::string error;
    if (!parse_id_list(user_ids_json, user_ids_len, users, error)) return PARLEY_ERR_BAD_ARGUMENT;
    c->client->silence_members(view(conversation_id, len), std::move(users), until_ms, json_done(done, user_data));
    return PARLEY_OK;
  });
}

int parley_list_members(parley_client* c, const char* conversation_id, size_t len, const char* after_user_id,
                        size_t after_len, uint32_t limit, parley_done_fn done, void* user_data) {
  PARLEY_REQUIRE_CLIENT(c, nullptr);
  if (!conversation_id || len == 0) return PARLEY_ERR_BAD_ARGUMENT;
  return guard(nullptr, [&]() -> int {
    c->client->list_members(view(conversation_id, len), view(after_user_id, after_len), limit,
                            json_done(done, user_data));
    return PARLEY_OK;
  });
}

int parley_search_groups(parley_client* c, const char* query, size_t query_len, uint32_t limit, parley_done_fn done,
                         void* user_data) {
  PARLEY_REQUIRE_CLIENT(c, nullptr);
  if (!query || query_len == 0) return PARLEY_ERR_BAD_ARGUMENT;
  return guard(nullptr, [&]() -> int {
    c->client->search_groups(view(query, query_len), limit, json_done(done, user_data));
    return PARLEY_OK;
  });
}

int parley_search_users(parley_client* c, const char* query, size_t query_len, uint32_t limit, parley_done_fn done,
                        void* user_data) {
  PARLEY_REQUIRE_CLIENT(c, nullptr);
  if (!query || query_len == 0) return PARLEY_ERR_BAD_ARGUMENT;
  return guard(nullptr, [&]() -> int {
    c->client->search_users(view(query, query_len), limit, json_done(done, user_data));
    return PARLEY_OK;
  });
}

int parley_get_privacy(parley_client* c, parley_done_fn done, void* user_data) {
  PARLEY_REQUIRE_CLIENT(c, nullptr);
  return guard(nullptr, [&]() -> int {
    c->client->get_privacy(json_done(done, user_data));
    return PARLEY_OK;
  });
}

int parley_set_privacy(parley_client* c, int receipts_disabled, int presence, parley_done_fn done, void* user_data) {
  PARLEY_REQUIRE_CLIENT(c, nullptr);
  if (presence < PARLEY_PRESENCE_CONTACTS || presence > PARLEY_PRESENCE_NOBODY) return PARLEY_ERR_BAD_ARGUMENT;
  return guard(nullptr, [&]() -> int {
    parley::PrivacySettings p;
    p.receipts_disabled = receipts_disabled != 0;
    p.presence = static_cast<parley::PresenceVisibility>(presence);
    c->client->set_privacy(p, json_done(done, user_data));
    return PARLEY_OK;
  });
}

int parley_cancel_friend_request(parley_client* c, const char* user_id, size_t len, parley_done_fn done,
                                 void* user_data) {
  PARLEY_REQUIRE_CLIENT(c, nullptr);
  if (!user_id || len == 0) return PARLEY_ERR_BAD_ARGUMENT;
  return guard(nullptr, [&]() -> int {
    c->client->cancel_friend_request(view(user_id, len), json_done(done, user_data));
    return PARLEY_OK;
  });
}

int parley_set_friend_remark(parley_client* c, const char* user_id, size_t len, const char* remark, size_t remark_len,
                             parley_done_fn done, void* user_data) {
  PARLEY_REQUIRE_CLIENT(c, nullptr);
  if (!user_id || len == 0) return PARLEY_ERR_BAD_ARGUMENT;
  return guard(nullptr, [&]() -> int {
    c->client->set_friend_remark(view(user_id, len), view(remark, remark_len), json_done(done, user_data));
    return PARLEY_OK;
  });
}

int parley_list_reactions(parley_client* c, const char* conversation_id, size_t len, uint64_t seq, const char* emoji,
                          size_t emoji_len, const char* after_user_id, size_t after_len, uint32_t limit,
                          parley_done_fn done, void* user_data) {
  PARLEY_REQUIRE_CLIENT(c, nullptr);
  if (!conversation_id || len == 0 || seq == 0) return PARLEY_ERR_BAD_ARGUMENT;
  return guard(nullptr, [&]() -> int {
    c->client->list_reactions(view(conversation_id, len), seq, view(emoji, emoji_len), view(after_user_id, after_len),
                              limit, json_done(done, user_data));
    return PARLEY_OK;
  });
}

int parley_friends(parley_client* c, parley_string* json_out, parley_string* error) {
  return contacts_read(c, json_out, error, true);
}

int parley_blocked(parley_client* c, parley_string* json_out, parley_string* error) {
  return contacts_read(c, json_out, error, false);
}

}  // extern "C"
