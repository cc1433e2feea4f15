// MQTT 3.1.1 framing: byte-exact encodings from the standard's examples, and the decoder's limits.
#include "mqtt_codec.h"

#include <gtest/gtest.h>

namespace parley::bench::mqtt {
namespace {

std::string bytes(std::initializer_list<int> list) {
  std::string out;
  for (int b : list) out.push_back(static_cast<char>(b));
  return out;
}

TEST(MqttCodec, ConnectIsByteExact) {
  // Fixed header 0x10, remaining 14: "MQTT", level 4, clean session, keep-alive 0, client id "ab".
  EXPECT_EQ(encode_connect("ab", 0),
            bytes({0x10, 14, 0, 4, 'M', 'Q', 'T', 'T', 4, 0x02, 0, 0, 0, 2, 'a', 'b'}));
}

TEST(MqttCodec, SubscribeHasReservedFlagsAndQos) {
  EXPECT_EQ(encode_subscribe(7, "t/1", 1), bytes({0x82, 8, 0, 7, 0, 3, 't', '/', '1', 1}));
}

TEST(MqttCodec, PublishQos1CarriesPacketIdQos0DoesNot) {
  EXPECT_EQ(encode_publish("t", "hi", 1, 0x0102), bytes({0x32, 7, 0, 1, 't', 1, 2, 'h', 'i'}));
  EXPECT_EQ(encode_publish("t", "hi", 0, 99), bytes({0x30, 5, 0, 1, 't', 'h', 'i'}));
}

TEST(MqttCodec, RoundTripsALargePublishWithAMultiByteLength) {
  const std::string payload(20000, 'x');
  const std::string wire = encode_publish("topic/a", payload, 1, 513);
  auto packet = next_packet(wire, 1 << 20);
  ASSERT_TRUE(packet.has_value());
  ASSERT_TRUE(packet->has_value());
  EXPECT_EQ((*packet)->size, wire.size());
  auto publish = parse_publish(**packet);
  ASSERT_TRUE(publish.has_value());
  EXPECT_EQ(publish->topic, "topic/a");
  EXPECT_EQ(publish->qos, 1);
  EXPECT_EQ(publish->packet_id, 513);
  EXPECT_EQ(publish->payload, payload);
}

TEST(MqttCodec, WaitsForMoreBytesOnAPartialPacket) {
  const std::string wire = encode_publish("t", "hello", 0, 0);
  for (size_t cut = 0; cut < wire.size(); ++cut) {
    auto packet = next_packet(std::string_view(wire).substr(0, cut), 1 << 20);
    ASSERT_TRUE(packet.has_value()) << cut;
    EXPECT_FALSE(packet->has_value()) << cut;
  }
}

TEST(MqttCodec, RefusesOversizedAndMalformedLengths) {
  EXPECT_FALSE(next_packet(encode_publish("t", std::string(100, 'x'), 0, 0), 50).has_value());
  EXPECT_FALSE(next_packet(bytes({0x30, 0xff, 0xff, 0xff, 0xff, 0x01}), 1 << 30).has_value());
}

TEST(MqttCodec, RejectsAPublishWhoseTopicRunsPastTheBody) {
  const std::string wire = bytes({0x30, 3, 0, 9, 't'});
  auto packet = next_packet(wire, 1 << 20);
  ASSERT_TRUE(packet.has_value() && packet->has_value());
  EXPECT_FALSE(parse_publish(**packet).has_value());
}

}  // namespace
}  // namespace parley::bench::mqtt
