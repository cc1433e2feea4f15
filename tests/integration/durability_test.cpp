// Acked means durable: a crash (kill -9) right after the acks, or a clean restart, loses nothing.
#include <set>

#include "helpers.h"

namespace parley::testing {
namespace {

using protocol::Encoding;

// Sends `count` messages pipelined and returns once every one is acked.
void send_acked(WsClient& c, const std::string& conv, int count, const std::string& prefix) {
  std::set<uint64_t> pending;
  for (int i = 1; i <= count; ++i) {
    v1::ClientFrame f;
    f.mutable_send_message()->set_conversation_id(conv);
    f.mutable_send_message()->set_client_msg_id(prefix + std::to_string(i));
    f.mutable_send_message()->set_text(prefix + std::to_string(i));
    pending.insert(c.send(f));
  }
  while (!pending.empty()) {
    auto f = c.next_frame();
    ASSERT_TRUE(f) << pending.size() << " acks missing";
    if (f->has_event()) continue;
    ASSERT_TRUE(f->has_send_message()) << f->ShortDebugString();
    pending.erase(f->req_id());
  }
}

std::vector<v1::Message> pull_all(WsClient& c, const std::string& conv) {
  std::vector<v1::Message> out;
  uint64_t after = 0;
  for (int page = 0; page < 1000; ++page) {
    v1::ClientFrame pull;
    pull.mutable_pull_messages()->set_conversation_id(conv);
    pull.mutable_pull_messages()->set_after_seq(after);
    pull.mutable_pull_messages()->set_limit(200);
    auto r = c.call(pull);
    if (!r.has_pull_messages()) {
      ADD_FAILURE() << r.ShortDebugString();
      break;
    }
    for (const auto& m : r.pull_messages().messages()) {
      out.push_back(m);
      after = m.seq();
    }
    if (r.pull_messages().end()) break;
  }
  return out;
}

TEST(Durability, KillNineRightAfterTheAcksLosesNothing) {
  ServerProcess server({"--requests-per-second", "100000", "--max-inflight-requests", "1024"});
  std::string alice_token = admin_user_token(server.port(), "alice", "a");
  std::string bob_token = admin_user_token(server.port(), "bob", "b");
  {
    WsClient alice(server.port(), Encoding::kBinary);
    alice.authenticate(alice_token);
    send_acked(alice, "d:alice:bob", 300, "m");
    server.kill9();
  }
  server.start();
  WsClient bob(server.port(), Encoding::kBinary);
  bob.authenticate(bob_token);
  auto messages = pull_all(bob, "d:alice:bob");
  ASSERT_EQ(messages.size(), 300u);
  std::set<std::string> texts;
  for (size_t i = 0; i < messages.size(); ++i) {
    EXPECT_EQ(messages[i].seq(), i + 1);
    texts.insert(messages[i].text());
  }
  EXPECT_EQ(texts.size(), 300u);
  EXPECT_TRUE(texts.count("m300"));

  // A resend after the crash is still recognised.
  WsClient alice(server.port(), Encoding::kBinary);
  alice.authenticate(alice_token);
  v1::ClientFrame again;
  again.mutable_send_message()->set_conversation_id("d:alice:bob");
  again.mutable_send_message()->set_client_msg_id("m300");
  again.mutable_send_message()->set_text("m300");
  auto ack = alice.call(again);
  ASSERT_TRUE(ack.has_send_message());
  EXPECT_TRUE(ack.send_message().duplicate());
}

TEST(Durability, CleanRestartKeepsSessionsMessagesAndSeqs) {
  ServerProcess server;
  std::string token = admin_user_token(server.port(), "alice", "a");
  admin_user_token(server.port(), "bob", "b");
  {
    WsClient alice(server.port(), Encoding::kJson);
    alice.authenticate(token);
    EXPECT_EQ(alice.send_text("d:alice:bob", "before").seq(), 1u);
    server.terminate();
    EXPECT_EQ(alice.wait_closed(), 1001);  // "going away"
  }
  EXPECT_EQ(server.exit_status(), 0);
  server.start();
  WsClient alice(server.port(), Encoding::kJson);
  alice.authenticate(token);  // sessions survive restarts
  EXPECT_EQ(alice.send_text("d:alice:bob", "after").seq(), 2u);
}

}  // namespace
}  // namespace parley::testing
