#include "sdk/records.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <google/protobuf/util/json_util.h>

namespace parley::sdk {
namespace json = boost::json;

MessageRecord to_record(const v1::Message& m) {
  MessageRecord r;
  r.conversation_id = m.conversation_id();
  r.seq = m.seq();
  r.server_msg_id = m.server_msg_id();
  r.client_msg_id = m.client_msg_id();
  r.sender_id = m.sender_id();
  r.timestamp_ms = m.timestamp_ms();
  const auto& kind = v1::MessageKind_Name(m.kind());
  r.kind = kind.empty() ? std::to_string(static_cast<int>(m.kind())) : kind;
  r.text = m.text();
  r.state = SendState::kSent;
  r.proto = m.SerializeAsString();
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(m, &r.json, options);
  return r;
}

MessageRecord to_record(const OutboxRow& row, const std::string& sender_id) {
  MessageRecord r;
  r.conversation_id = row.conversation_id;
  r.client_msg_id = row.client_msg_id;
  r.sender_id = sender_id;
  r.timestamp_ms = row.created_ms;
  r.kind = "TEXT";
  r.text = row.text;
  r.state = row.state;
  r.error = row.error;
  return r;
}

ConversationRecord to_record(const v1::ConversationSummary& c) {
  ConversationRecord r;
  r.conversation_id = c.conversation_id();
  r.kind = v1::ConversationKind_Name(c.kind());
  r.name = c.name();
  r.max_seq = c.max_seq();
  r.min_seq = c.min_seq();
  r.read_seq = c.read_seq();
  r.unread_count = c.unread_count();
  r.active = c.active();
  r.last_text = c.last_message().text();
  r.last_sender_id = c.last_message().sender_id();
  r.last_timestamp_ms = c.last_message().timestamp_ms();
  return r;
}

std::string proto_json(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  std::string out;
  if (!google::protobuf::util::MessageToJsonString(message, &out, options).ok()) return "{}";
  return out;
}

std::string response_json(const v1::ServerFrame& frame) {
  const auto* oneof = frame.GetDescriptor()->FindOneofByName("body");
  const auto* reflection = frame.GetReflection();
  const auto* field = oneof ? reflection->GetOneofFieldDescriptor(frame, oneof) : nullptr;
  if (!field || field->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) return "{}";
  return proto_json(reflection->GetMessage(frame, field));
}

bool is_valid_utf8(const std::string& text) {
  size_t i = 0, n = text.size();
  while (i < n) {
    auto c = static_cast<unsigned char>(text[i]);
    size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (len == 0 || i + len > n) return false;
    uint32_t cp = len == 1 ? c : c & (0x7F >> len);
    for (size_t k = 1; k < len; ++k) {
      auto cc = static_cast<unsigned char>(text[i + k]);
      if ((cc >> 6) != 0x2) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += len;
  }
  return true;
}

}  // namespace parley::sdk

namespace parley {
namespace json = boost::json;

std::string to_json(const MessageRecord& m, const char* origin) {
  json::object o;
  if (origin) o["origin"] = origin;
  o["conversation_id"] = m.conversation_id;
  o["seq"] = m.seq;
  o["server_msg_id"] = m.server_msg_id;
  o["client_msg_id"] = m.client_msg_id;
  o["sender_id"] = m.sender_id;
  o["timestamp_ms"] = m.timestamp_ms;
  o["kind"] = m.kind;
  o["text"] = m.text;
  o["state"] = to_string(m.state);
  if (!m.error.empty()) o["error"] = m.error;
  if (!m.json.empty()) {
    boost::system::error_code ec;
    auto parsed = json::parse(m.json, ec);
    if (!ec) o["message"] = std::move(parsed);  // the full wire message, fields newer than the SDK included
  }
  return json::serialize(o);
}

const char* to_string(EventKind kind) {
  switch (kind) {
    case EventKind::kReceipt: return "receipt";
    case EventKind::kTyping: return "typing";
    case EventKind::kPresence: return "presence";
    case EventKind::kFriend: return "friend";
    case EventKind::kSettings: return "settings";
    case EventKind::kMessagesDeleted: return "messages_deleted";
    case EventKind::kJoinRequest: return "join_request";
    case EventKind::kPrivacy: return "privacy";
  }
  return "unknown";
}

std::string to_json(const EventUpdate& e) {
  json::object o;
  o["kind"] = to_string(e.kind);
  if (!e.conversation_id.empty()) o["conversation_id"] = e.conversation_id;
  o["origin"] = e.origin == MessageOrigin::kSync ? "sync" : "live";
  boost::system::error_code ec;
  auto parsed = json::parse(e.json, ec);
  o["event"] = ec ? json::value(json::object()) : std::move(parsed);
  return json::serialize(o);
}

std::string to_json(const ConversationRecord& c) {
  json::object o;
  o["conversation_id"] = c.conversation_id;
  o["kind"] = c.kind;
  o["name"] = c.name;
  o["max_seq"] = c.max_seq;
  o["min_seq"] = c.min_seq;
  o["read_seq"] = c.read_seq;
  o["unread_count"] = c.unread_count;
  o["active"] = c.active;
  o["last_text"] = c.last_text;
  o["last_sender_id"] = c.last_sender_id;
  o["last_timestamp_ms"] = c.last_timestamp_ms;
  o["peer_delivered_seq"] = c.peer_delivered_seq;
  o["peer_read_seq"] = c.peer_read_seq;
  o["pinned"] = c.pinned;
  o["muted_until_ms"] = c.muted_until_ms;
  o["archived"] = c.archived;
  o["hidden"] = c.hidden;
  o["draft"] = c.draft;
  return json::serialize(o);
}

std::string to_json(const SendUpdate& u) {
  json::object o;
  o["conversation_id"] = u.conversation_id;
  o["client_msg_id"] = u.client_msg_id;
  o["state"] = to_string(u.state);
  if (u.seq) o["seq"] = u.seq;
  if (!u.error.empty()) o["error"] = u.error;
  return json::serialize(o);
}

std::string to_json(const StateUpdate& u) {
  json::object o;
  o["state"] = to_string(u.state);
  o["detail"] = u.detail;
  if (u.retry_in.count() > 0) o["retry_in_ms"] = u.retry_in.count();
  return json::serialize(o);
}

std::string to_json(const SessionSummary& s) {
  json::object o;
  o["user_id"] = s.user_id;
  o["display_name"] = s.display_name;
  o["device_id"] = s.device_id;
  o["expires_at_ms"] = s.expires_at_ms;
  return json::serialize(o);
}

std::string to_json(const ContactRecord& c) {
  json::object o;
  o["user_id"] = c.user_id;
  o["display_name"] = c.display_name;
  o["remark"] = c.remark;
  o["since_ms"] = c.since_ms;
  return json::serialize(o);
}

}  // namespace parley
