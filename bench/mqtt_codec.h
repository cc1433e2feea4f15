// MQTT 3.1.1 packets, just what the load generator's client needs: CONNECT, SUBSCRIBE, PUBLISH (QoS 0 and 1),
// PUBACK, PINGREQ, DISCONNECT out; CONNACK, SUBACK, PUBLISH, PUBACK, PINGRESP in. Pure functions, no I/O,
// so the framing is unit-tested on its own and shared by every MQTT client in the tree.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

namespace parley::bench::mqtt {

enum class PacketType : uint8_t {
  kConnect = 1, kConnack = 2, kPublish = 3, kPuback = 4, kSubscribe = 8, kSuback = 9,
  kPingreq = 12, kPingresp = 13, kDisconnect = 14,
};

std::string encode_connect(std::string_view client_id, uint16_t keep_alive_s, std::string_view username = {},
                           std::string_view password = {});
std::string encode_subscribe(uint16_t packet_id, std::string_view topic, uint8_t qos);
// packet_id is ignored (and not written) for QoS 0.
std::string encode_publish(std::string_view topic, std::string_view payload, uint8_t qos, uint16_t packet_id);
std::string encode_puback(uint16_t packet_id);
std::string encode_pingreq();
std::string encode_disconnect();

// One packet cut from the front of a byte stream. Views point into the input.
struct Packet {
  PacketType type{};
  uint8_t flags = 0;          // low nibble of the fixed header
  std::string_view body;      // variable header + payload
  size_t size = 0;            // bytes consumed, fixed header included
};

// A complete packet at the front of `bytes`, nullopt when more bytes are needed, an error for a malformed
// length (more than four length bytes) or a packet over `max_size`.
std::expected<std::optional<Packet>, std::string> next_packet(std::string_view bytes, size_t max_size);

// Fields of an incoming PUBLISH; an error when the body is too short for its topic or packet id.
struct Publish {
  std::string_view topic;
  std::string_view payload;
  uint8_t qos = 0;
  uint16_t packet_id = 0;  // 0 for QoS 0
};
std::expected<Publish, std::string> parse_publish(const Packet& packet);

// The packet id at the start of a PUBACK/SUBACK body; an error when it is missing.
std::expected<uint16_t, std::string> packet_id_of(const Packet& packet);

}  // namespace parley::bench::mqtt
