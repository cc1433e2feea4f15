#include "protocol/codec.h"

#include <gtest/gtest.h>

namespace parley::protocol {
namespace {

v1::ClientFrame sample() {
  v1::ClientFrame f;
  f.set_req_id(42);
  auto* s = f.mutable_send_message();
  s->set_conversation_id("d:alice:bob");
  s->set_client_msg_id("m1");
  s->set_text("héllo");
  return f;
}

TEST(Codec, RoundTripsBinaryAndJson) {
  for (auto enc : {Encoding::kBinary, Encoding::kJson}) {
    auto decoded = decode_client_frame(encode(sample(), enc), enc);
    ASSERT_TRUE(decoded) << decoded.error().error.message;
    EXPECT_EQ(decoded->req_id(), 42u);
    EXPECT_EQ(decoded->send_message().text(), "héllo");
  }
}

TEST(Codec, JsonUsesProtoFieldNamesAndAcceptsCamelCase) {
  std::string json = encode(sample(), Encoding::kJson);
  EXPECT_NE(json.find("\"req_id\""), std::string::npos) << json;
  auto decoded = decode_client_frame(R"({"reqId": "7", "ping": {}})", Encoding::kJson);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->req_id(), 7u);
  EXPECT_TRUE(decoded->has_ping());
}

TEST(Codec, MalformedJsonIsMalformedFrameWithReqIdSalvaged) {
  auto bad_type = decode_client_frame(R"({"req_id": 9, "send_message": {"conversation_id": {"x": 1}}})",
                                      Encoding::kJson);
  ASSERT_FALSE(bad_type);
  EXPECT_EQ(bad_type.error().error.code, v1::MALFORMED_FRAME);
  EXPECT_EQ(bad_type.error().req_id, 9u);

  auto not_json = decode_client_frame("{not json", Encoding::kJson);
  ASSERT_FALSE(not_json);
  EXPECT_EQ(not_json.error().error.code, v1::MALFORMED_FRAME);
  EXPECT_EQ(not_json.error().req_id, 0u);
}

TEST(Codec, UnknownRequestTypeIsReported) {
  auto json = decode_client_frame(R"({"req_id": 3, "teleport": {"to": "mars"}})", Encoding::kJson);
  ASSERT_FALSE(json);
  EXPECT_EQ(json.error().error.code, v1::UNKNOWN_REQUEST);
  EXPECT_EQ(json.error().req_id, 3u);

  // Field 999 (length-delimited, empty) is not a request this version knows.
  std::string binary = encode(v1::ClientFrame(), Encoding::kBinary);
  binary += std::string("\x08\x05", 2);        // req_id = 5
  binary += std::string("\xba\x3e\x00", 3);    // field 999, wire type 2, length 0
  auto bin = decode_client_frame(binary, Encoding::kBinary);
  ASSERT_FALSE(bin);
  EXPECT_EQ(bin.error().error.code, v1::UNKNOWN_REQUEST);
  EXPECT_EQ(bin.error().req_id, 5u);
}

TEST(Codec, TruncatedOrInvalidUtf8ProtobufIsMalformed) {
  std::string good = encode(sample(), Encoding::kBinary);
  auto truncated = decode_client_frame(std::string_view(good).substr(0, good.size() - 3), Encoding::kBinary);
  ASSERT_FALSE(truncated);
  EXPECT_EQ(truncated.error().error.code, v1::MALFORMED_FRAME);

  v1::ClientFrame f = sample();
  f.mutable_send_message()->set_text(std::string("\xff\xfe bad", 6));
  std::string bytes;
  f.SerializePartialToString(&bytes);  // serializing does not validate UTF-8 in release builds
  auto bad_utf8 = decode_client_frame(bytes, Encoding::kBinary);
  ASSERT_FALSE(bad_utf8);
  EXPECT_EQ(bad_utf8.error().error.code, v1::MALFORMED_FRAME);
}

TEST(Codec, SharedFrameEncodesOncePerEncoding) {
  v1::ServerFrame f;
  f.mutable_event()->mutable_message()->set_text("hi");
  auto shared = make_shared_frame(f);
  const std::string& a = shared->bytes(Encoding::kBinary);
  const std::string& b = shared->bytes(Encoding::kBinary);
  EXPECT_EQ(&a, &b);
  EXPECT_NE(shared->bytes(Encoding::kJson).find("\"text\":\"hi\""), std::string::npos);
}

TEST(Codec, ServerFrameDecodesInBothEncodings) {
  v1::ServerFrame f;
  f.set_req_id(11);
  f.mutable_error()->set_code(v1::NOT_FOUND);
  for (auto enc : {Encoding::kBinary, Encoding::kJson}) {
    auto decoded = decode_server_frame(encode(f, enc), enc);
    ASSERT_TRUE(decoded);
    EXPECT_EQ(decoded->error().code(), v1::NOT_FOUND);
  }
}

}  // namespace
}  // namespace parley::protocol
