// What a well-formed message is: the checks on a client's message content before it reaches the store.
// Pure functions, no I/O (fuzzed through the request validation target).
#pragma once

#include <cstdint>
#include <string_view>

#include "common/result.h"
#include "parley/v1/common.pb.h"

namespace parley::core {

struct MessageLimits {
  uint32_t max_text_bytes = 16 * 1024;
  uint32_t max_mentions = 100;
  uint32_t max_merged = 100;
};

// Content of a new message (send_message). Kinds this server does not know pass if their common fields
// are within limits; operations and SYSTEM are refused (they have their own requests, or are server-made).
Status validate_message(const v1::Message& m, const MessageLimits& limits);

// The fields of an edit: text (and mentions, custom_data) as for a new message of `kind`.
Status validate_edit(std::string_view text, std::string_view custom_data, int mentions, const MessageLimits& limits);

// 1-32 bytes of valid UTF-8 without control characters.
Status validate_emoji(std::string_view emoji);

bool is_valid_utf8(std::string_view s);
// A JSON document (any value).
bool is_valid_json(std::string_view s);

}  // namespace parley::core
