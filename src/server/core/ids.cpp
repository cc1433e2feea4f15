#include "server/core/ids.h"

#include "common/random.h"

namespace parley::core {

bool is_valid_name(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
              c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string direct_conversation_id(std::string_view user_a, std::string_view user_b) {
  if (user_b < user_a) std::swap(user_a, user_b);
  std::string id = "d:";
  id.append(user_a).append(":").append(user_b);
  return id;
}

std::optional<std::pair<std::string, std::string>> parse_direct_conversation_id(std::string_view id) {
  if (!id.starts_with("d:")) return std::nullopt;
  id.remove_prefix(2);
  auto colon = id.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  auto a = id.substr(0, colon), b = id.substr(colon + 1);
  // Canonical form only: valid names, strictly ordered (no conversation with yourself).
  if (!is_valid_name(a) || !is_valid_name(b) || !(a < b)) return std::nullopt;
  return std::pair{std::string(a), std::string(b)};
}

std::string new_group_id() { return "g:" + random_token(10); }

v1::ConversationKind conversation_kind(std::string_view conversation_id) {
  if (parse_direct_conversation_id(conversation_id)) return v1::DIRECT;
  if (conversation_id.starts_with("g:") && conversation_id.size() > 2 && conversation_id.size() <= 66) {
    return v1::GROUP;
  }
  return v1::CONVERSATION_KIND_UNSPECIFIED;
}

}  // namespace parley::core
