// JSON forms of libparley's records (the documents of the C API, also the `parley --json` output). See the
// "C API" section of docs/sdk.md for their fields.
#pragma once

#include <string>
#include <vector>

#include "parley/client.h"

namespace parley {

// `origin` ("live" | "sync") is added when not null.
std::string to_json(const MessageRecord& message, const char* origin = nullptr);
std::string to_json(const ConversationRecord& conversation);
std::string to_json(const SendUpdate& update);
std::string to_json(const StateUpdate& update);
std::string to_json(const SessionSummary& session);
// {"user_id", "display_name", "remark", "since_ms"}
std::string to_json(const ContactRecord& contact);
// {"kind": "receipt" | ..., "conversation_id" (when any), "origin": "live" | "sync", "event": {...}}
std::string to_json(const EventUpdate& event);

template <typename T>
std::string to_json_array(const std::vector<T>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += ",";
    out += to_json(items[i]);
  }
  return out + "]";
}

}  // namespace parley
