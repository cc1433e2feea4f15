// Conversions between the wire types (parley.v1) and the public records of parley/client.h, and the JSON
// form of the records (used by the C API and the CLI's --json output).
#pragma once

#include <string>
#include <vector>

#include "parley/client.h"
#include "parley/json.h"
#include "parley/v1/common.pb.h"
#include "parley/v1/envelope.pb.h"
#include "sdk/local_store.h"

namespace parley::sdk {

MessageRecord to_record(const v1::Message& message);
MessageRecord to_record(const OutboxRow& row, const std::string& sender_id);
ConversationRecord to_record(const v1::ConversationSummary& summary);

// Canonical protobuf JSON (proto field names) of any wire message.
std::string proto_json(const google::protobuf::Message& message);
// The JSON of whichever response a ServerFrame carries ("{}" for none).
std::string response_json(const v1::ServerFrame& frame);

// The JSON forms live in the public header parley/json.h (namespace parley).
using parley::to_json;
using parley::to_json_array;

// True when `text` is valid UTF-8 (protobuf strings must be).
bool is_valid_utf8(const std::string& text);

}  // namespace parley::sdk
