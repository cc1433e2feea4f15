// Identifier rules: user ids, device ids, and conversation ids derived from them. Pure functions, no I/O.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "parley/v1/common.pb.h"

namespace parley::core {

// 1-64 characters of [A-Za-z0-9_.-]. Used for user ids and device ids.
bool is_valid_name(std::string_view id);

// "d:<a>:<b>" with a < b bytewise, so both users derive the same id without a lookup.
std::string direct_conversation_id(std::string_view user_a, std::string_view user_b);

// The two users of a direct conversation id, or nullopt when `id` is not a well-formed direct id.
std::optional<std::pair<std::string, std::string>> parse_direct_conversation_id(std::string_view id);

// "g:<random>".
std::string new_group_id();

v1::ConversationKind conversation_kind(std::string_view conversation_id);

}  // namespace parley::core
