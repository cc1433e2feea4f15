// Hostile and broken input gets a defined error (or a defined close), never a crash, and the connection's
// other requests keep working.
#include <thread>

#include "helpers.h"

namespace parley::testing {
namespace {

using protocol::Encoding;

v1::ServerFrame next_response(WsClient& c) {
  auto f = c.next_frame();
  EXPECT_TRUE(f) << "no response";
  return f.value_or(v1::ServerFrame());
}

TEST(BadInput, MalformedFramesGetErrorsAndTheConnectionLivesOn) {
  ServerProcess server;
  auto c = connect_as(server, "alice", "a", Encoding::kJson);

  c->send_raw("{not json", true);
  auto bad_json = next_response(*c);
  EXPECT_ERROR(bad_json, v1::MALFORMED_FRAME);

  c->send_raw(R"({"req_id": "7", "teleport": {"to": "mars"}})", true);
  auto unknown = next_response(*c);
  EXPECT_ERROR(unknown, v1::UNKNOWN_REQUEST);
  EXPECT_EQ(unknown.req_id(), 7u);

  c->send_raw(R"({"req_id": 8, "send_message": {"conversation_id": ["not", "a", "string"]}})", true);
  auto wrong_type = next_response(*c);
  EXPECT_ERROR(wrong_type, v1::MALFORMED_FRAME);
  EXPECT_EQ(wrong_type.req_id(), 8u);

  c->send_raw(std::string("\x0a\xff\xff\xff", 4), false);  // truncated protobuf
  EXPECT_ERROR(next_response(*c), v1::MALFORMED_FRAME);

  v1::ClientFrame f;
  f.set_req_id(9);
  f.mutable_send_message()->set_conversation_id("d:alice:bob");
  f.mutable_send_message()->set_client_msg_id("x");
  f.mutable_send_message()->set_text(std::string("\xc3\x28", 2));  // invalid UTF-8 in a string field
  std::string bytes;
  f.SerializePartialToString(&bytes);
  c->send_raw(bytes, false);
  EXPECT_ERROR(next_response(*c), v1::MALFORMED_FRAME);

  c->send_raw(R"({"req_id": 10})", true);
  EXPECT_ERROR(next_response(*c), v1::UNKNOWN_REQUEST);

  EXPECT_TRUE(c->call(ping_frame()).has_ping());  // still alive, and in the encoding it was last spoken to
  v1::ClientFrame sync;
  sync.mutable_sync();
  EXPECT_TRUE(c->call(sync).has_sync());

  auto metrics = http_request(server.port(), "GET", "/metrics").body;
  EXPECT_NE(metrics.find("parley_errors_total{code=\"MALFORMED_FRAME\"} 4"), std::string::npos) << metrics;
}

TEST(BadInput, InvalidUtf8InATextFrameClosesWith1007) {
  ServerProcess server;
  WsClient c(server.port(), Encoding::kJson);
  c.send_raw(std::string("{\"req_id\":1,\"ping\":{}}\xff", 23), true);
  EXPECT_EQ(c.wait_closed(), 1007);
  WsClient fresh(server.port(), Encoding::kJson);  // the server is fine
  EXPECT_TRUE(fresh.call(ping_frame()).has_ping());
}

TEST(BadInput, OversizedFrameClosesWith1009) {
  ServerProcess server({"--max-frame-bytes", "2048"});
  WsClient c(server.port(), Encoding::kBinary);
  c.send_raw(std::string(4096, 'x'), false);
  EXPECT_EQ(c.wait_closed(), 1009);
}

TEST(BadInput, TooManyRequestsAreRateLimited) {
  ServerProcess server({"--requests-per-second", "5"});
  WsClient c(server.port(), Encoding::kJson);
  for (int i = 0; i < 30; ++i) c.send(ping_frame());
  int ok = 0, limited = 0;
  for (int i = 0; i < 30; ++i) {
    auto f = next_response(c);
    if (f.has_ping()) ++ok;
    if (is_error(f, v1::RATE_LIMITED)) ++limited;
  }
  EXPECT_EQ(ok + limited, 30);
  EXPECT_GE(ok, 5);
  EXPECT_GE(limited, 10);  // leaves room for a slow machine refilling tokens while the 30 frames are read
}

TEST(BadInput, UnauthenticatedConnectionsAreClosedAfterTheAuthTimeout) {
  ServerProcess server({"--auth-timeout-seconds", "1"});
  WsClient idle(server.port(), Encoding::kJson);
  EXPECT_EQ(idle.wait_closed(5s), 4002);
}

TEST(BadInput, SlowConsumerIsDisconnectedAndNothingAckedIsLost) {
  ServerProcess server({"--max-queued-bytes", "65536", "--requests-per-second", "100000",
                        "--max-inflight-requests", "4096", "--user-messages-per-second", "0",
                        "--conversation-messages-per-second", "0"});
  auto alice = connect_as(server, "alice", "a");
  std::string bob_token = admin_user_token(server.port(), "bob", "b");
  auto bob = std::make_unique<WsClient>(server.port(), Encoding::kBinary);
  bob->authenticate(bob_token);
  bob->stop_reading();  // bob's app hangs: the kernel buffers fill, then the server's queue

  const std::string text(15000, 'z');
  constexpr int kMessages = 1500;  // ~22 MB: more than loopback socket buffers hold
  int acked = 0;
  for (int start = 0; start < kMessages; start += 100) {
    std::set<uint64_t> pending;
    for (int i = start; i < start + 100; ++i) {
      v1::ClientFrame f;
      f.mutable_send_message()->set_conversation_id("d:alice:bob");
      f.mutable_send_message()->set_client_msg_id("big" + std::to_string(i));
      f.mutable_send_message()->set_text(text);
      pending.insert(alice->send(f));
    }
    while (!pending.empty()) {
      auto f = alice->next_frame();
      ASSERT_TRUE(f);
      if (f->has_send_message()) ++acked;
      pending.erase(f->req_id());
    }
  }
  EXPECT_EQ(acked, kMessages);

  // The server closed bob rather than buffering for him without bound.
  bool closed = false;
  for (int i = 0; i < 100 && !closed; ++i) {
    closed = http_request(server.port(), "GET", "/metrics").body.find("parley_slow_consumers_closed_total 1") !=
             std::string::npos;
    if (!closed) std::this_thread::sleep_for(100ms);  // polling a metric with a bounded wait
  }
  EXPECT_TRUE(closed);

  // Bob comes back and finds every acked message.
  WsClient again(server.port(), Encoding::kBinary);
  again.authenticate(bob_token);
  v1::ClientFrame sync;
  sync.mutable_sync();
  auto state = again.call(sync);
  ASSERT_EQ(state.sync().conversations_size(), 1);
  EXPECT_EQ(state.sync().conversations(0).max_seq(), static_cast<uint64_t>(kMessages));
}

}  // namespace
}  // namespace parley::testing
