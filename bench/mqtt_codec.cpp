// MQTT 3.1.1 encoding and decoding (OASIS standard, sections 2 and 3).
#include "mqtt_codec.h"

namespace parley::bench::mqtt {
namespace {

void put_u16(std::string& out, uint16_t v) {
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v & 0xff));
}

void put_string(std::string& out, std::string_view s) {
  put_u16(out, static_cast<uint16_t>(s.size()));
  out.append(s);
}

uint16_t get_u16(std::string_view s, size_t at) {
  return static_cast<uint16_t>((static_cast<uint8_t>(s[at]) << 8) | static_cast<uint8_t>(s[at + 1]));
}

// Fixed header (type, flags, remaining length as a varint) followed by the body.
std::string packet(PacketType type, uint8_t flags, std::string_view body) {
  std::string out;
  out.reserve(body.size() + 5);
  out.push_back(static_cast<char>((static_cast<uint8_t>(type) << 4) | (flags & 0x0f)));
  size_t length = body.size();
  do {
    uint8_t byte = length % 128;
    length /= 128;
    if (length > 0) byte |= 0x80;
    out.push_back(static_cast<char>(byte));
  } while (length > 0);
  out.append(body);
  return out;
}

}  // namespace

std::string encode_connect(std::string_view client_id, uint16_t keep_alive_s, std::string_view username,
                           std::string_view password) {
  std::string body;
  put_string(body, "MQTT");
  body.push_back(4);  // protocol level 3.1.1
  uint8_t flags = 0x02;  // clean session
  if (!username.empty()) flags |= 0x80;
  if (!password.empty()) flags |= 0x40;
  body.push_back(static_cast<char>(flags));
  put_u16(body, keep_alive_s);
  put_string(body, client_id);
  if (!username.empty()) put_string(body, username);
  if (!password.empty()) put_string(body, password);
  return packet(PacketType::kConnect, 0, body);
}

std::string encode_subscribe(uint16_t packet_id, std::string_view topic, uint8_t qos) {
  std::string body;
  put_u16(body, packet_id);
  put_string(body, topic);
  body.push_back(static_cast<char>(qos));
  return packet(PacketType::kSubscribe, 0x02, body);  // SUBSCRIBE's reserved flags are 0010
}

std::string encode_publish(std::string_view topic, std::string_view payload, uint8_t qos, uint16_t packet_id) {
  std::string body;
  body.reserve(topic.size() + payload.size() + 4);
  put_string(body, topic);
  if (qos > 0) put_u16(body, packet_id);
  body.append(payload);
  return packet(PacketType::kPublish, static_cast<uint8_t>(qos << 1), body);
}

std::string encode_puback(uint16_t packet_id) {
  std::string body;
  put_u16(body, packet_id);
  return packet(PacketType::kPuback, 0, body);
}

std::string encode_pingreq() { return packet(PacketType::kPingreq, 0, {}); }
std::string encode_disconnect() { return packet(PacketType::kDisconnect, 0, {}); }

std::expected<std::optional<Packet>, std::string> next_packet(std::string_view bytes, size_t max_size) {
  if (bytes.size() < 2) return std::nullopt;
  size_t length = 0, multiplier = 1, at = 1;
  while (true) {
    if (at >= bytes.size()) return std::nullopt;
    if (at > 4) return std::unexpected("malformed remaining length");
    const uint8_t byte = static_cast<uint8_t>(bytes[at++]);
    length += (byte & 0x7f) * multiplier;
    multiplier *= 128;
    if ((byte & 0x80) == 0) break;
  }
  if (at + length > max_size) return std::unexpected("packet of " + std::to_string(at + length) + " bytes");
  if (bytes.size() < at + length) return std::nullopt;
  Packet p;
  p.type = static_cast<PacketType>(static_cast<uint8_t>(bytes[0]) >> 4);
  p.flags = static_cast<uint8_t>(bytes[0]) & 0x0f;
  p.body = bytes.substr(at, length);
  p.size = at + length;
  return p;
}

std::expected<Publish, std::string> parse_publish(const Packet& packet) {
  Publish out;
  out.qos = (packet.flags >> 1) & 0x03;
  if (out.qos > 2) return std::unexpected("PUBLISH with QoS 3");
  const auto& b = packet.body;
  if (b.size() < 2) return std::unexpected("PUBLISH without a topic");
  const size_t topic_len = get_u16(b, 0);
  size_t at = 2 + topic_len;
  if (b.size() < at) return std::unexpected("PUBLISH topic runs past the packet");
  out.topic = b.substr(2, topic_len);
  if (out.qos > 0) {
    if (b.size() < at + 2) return std::unexpected("PUBLISH without a packet id");
    out.packet_id = get_u16(b, at);
    at += 2;
  }
  out.payload = b.substr(at);
  return out;
}

std::expected<uint16_t, std::string> packet_id_of(const Packet& packet) {
  if (packet.body.size() < 2) return std::unexpected("packet without a packet id");
  return get_u16(packet.body, 0);
}

}  // namespace parley::bench::mqtt
