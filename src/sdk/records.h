// Conversions between the wire types (parley.v1) and the public records of parley/client.h, and the JSON
// form of the records (used by the C API and the CLI's --json output).
#pragma once

#include <string>
#include <vector>

#include "parley/client.h"
#include "parley/v1/common.pb.h"
#include "sdk/local_store.h"

namespace parley::sdk {

MessageRecord to_record(const v1::Message& message);
MessageRecord to_record(const OutboxRow& row, const std::string& sender_id);
ConversationRecord to_record(const v1::ConversationSummary& summary);

std::string to_json(const MessageRecord& message, const char* origin = nullptr);  // origin: "live" | "sync"
std::string to_json(const ConversationRecord& conversation);
std::string to_json(const SendUpdate& update);
std::string to_json(const StateUpdate& update);
std::string to_json(const SessionSummary& session);

template <typename T>
std::string to_json_array(const std::vector<T>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += ",";
    out += to_json(items[i]);
  }
  return out + "]";
}

// True when `text` is valid UTF-8 (protobuf strings must be).
bool is_valid_utf8(const std::string& text);

}  // namespace parley::sdk
