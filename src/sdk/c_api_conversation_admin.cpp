// The C API of conversation settings, deletions for me, unread totals and group read receipts.
#include "sdk/c_api_support.h"

using namespace parley::capi;

namespace {

// {"pinned": bool, "muted_until_ms": int, "archived": bool, "draft": string, "hidden": bool}
bool parse_settings_change(const std::string& text, parley::SettingsChange& change, std::string& error) {
  auto object = parse_object(text, "the change", error);
  if (!object) return false;
  for (const auto& [key, v] : *object) {
    if ((key == "pinned" || key == "archived" || key == "hidden") && v.is_bool()) {
      (key == "pinned" ? change.pinned : key == "archived" ? change.archived : change.hidden) = v.get_bool();
    } else if (key == "muted_until_ms" && v.is_int64() && v.get_int64() >= 0) {
      change.muted_until_ms = v.get_int64();
    } else if (key == "draft" && v.is_string()) {
      change.draft = std::string(v.get_string().c_str());
    } else {
      error = "bad or unknown setting " + std::string(key);
      return false;
    }
  }
  return true;
}

}  // namespace

extern "C" {

int parley_update_settings(parley_client* c, const char* conversation_id, size_t len, const char* change_json,
                           size_t change_len, parley_done_fn done, void* user_data) {
  PARLEY_REQUIRE_CLIENT(c, nullptr);
  if (!conversation_id || len == 0) return PARLEY_ERR_BAD_ARGUMENT;
  return guard(nullptr, [&]() -> int {
    parley::SettingsChange change;
    std::string error;
    if (!parse_settings_change(view(change_json, change_len), change, error)) return PARLEY_ERR_BAD_ARGUMENT;
    c->client->update_settings(
        view(conversation_id, len), std::move(change),
        adapt<parley::ConversationRecord>(done, user_data, [](const auto& r) { return parley::sdk::to_json(r); }));
    return PARLEY_OK;
  });
}

int parley_delete_for_me(parley_client* c, const char* conversation_id, size_t len, const uint64_t* seqs,
                         size_t seq_count, parley_done_fn done, void* user_data) {
  PARLEY_REQUIRE_CLIENT(c, nullptr);
  if (!conversation_id || len == 0 || !seqs || seq_count == 0 || seq_count > 500) return PARLEY_ERR_BAD_ARGUMENT;
  return guard(nullptr, [&]() -> int {
    c->client->delete_for_me(view(conversation_id, len), std::vector<uint64_t>(seqs, seqs + seq_count),
                             [done, user_data](ClientResult<void> r) {
                               if (!done) return;
                               std::string j = r ? std::string("{}") : error_json(r.error());
                               done(user_data, r ? PARLEY_OK : r.error().code, j.data(), j.size());
                             });
    return PARLEY_OK;
  });
}

int parley_clear_for_me(parley_client* c, const char* conversation_id, size_t len, uint64_t up_to_seq,
                        parley_done_fn done, void* user_data) {
  PARLEY_REQUIRE_CLIENT(c, nullptr);
  if (!conversation_id || len == 0) return PARLEY_ERR_BAD_ARGUMENT;
  return guard(nullptr, [&]() -> int {
    c->client->clear_for_me(view(conversation_id, len), up_to_seq, adapt<uint64_t>(done, user_data, [](uint64_t s) {
                              return "{\"cleared_seq\":" + std::to_string(s) + "}";
                            }));
    return PARLEY_OK;
  });
}

int parley_unread_total(parley_client* c, parley_done_fn done, void* user_data) {
  PARLEY_REQUIRE_CLIENT(c, nullptr);
  return guard(nullptr, [&]() -> int {
    c->client->unread_total(json_done(done, user_data));
    return PARLEY_OK;
  });
}

int parley_read_receipts(parley_client* c, const char* conversation_id, size_t len, uint64_t seq,
                         const char* after_user_id, size_t after_len, uint32_t limit, parley_done_fn done,
                         void* user_data) {
  PARLEY_REQUIRE_CLIENT(c, nullptr);
  if (!conversation_id || len == 0 || seq == 0) return PARLEY_ERR_BAD_ARGUMENT;
  return guard(nullptr, [&]() -> int {
    c->client->read_receipts(view(conversation_id, len), seq, view(after_user_id, after_len), limit,
                             json_done(done, user_data));
    return PARLEY_OK;
  });
}

}  // extern "C"
