// Delta sync at scale: a user in 2,000 conversations, of which 3 change, gets exactly those 3.
#include <set>

#include "helpers.h"

namespace parley::testing {
namespace {

using protocol::Encoding;

TEST(Sync, ReturnsOnlyTheConversationsThatChanged) {
  ServerProcess server({"--requests-per-second", "100000", "--max-inflight-requests", "4096",
                        "--user-messages-per-second", "0"});
  constexpr int kPeers = 2000;
  auto alice = connect_as(server, "alice", "laptop");
  for (int i = 0; i < kPeers; ++i) {
    auto r = http_request(server.port(), "POST", "/v1/admin/users",
                          R"({"user_id":"peer)" + std::to_string(i) + R"("})", ServerProcess::kAdminSecret);
    ASSERT_EQ(r.status, 201) << r.body;
  }
  // One message from alice into each conversation, pipelined in batches.
  constexpr int kBatch = 200;
  for (int start = 0; start < kPeers; start += kBatch) {
    std::set<uint64_t> pending;
    for (int i = start; i < start + kBatch; ++i) {
      v1::ClientFrame f;
      f.mutable_send_message()->set_conversation_id("d:alice:peer" + std::to_string(i));
      f.mutable_send_message()->set_client_msg_id("hello-" + std::to_string(i));
      f.mutable_send_message()->set_text("hello");
      pending.insert(alice->send(f));
    }
    while (!pending.empty()) {
      auto f = alice->next_frame();
      ASSERT_TRUE(f) << "missing acks";
      ASSERT_TRUE(f->has_send_message()) << f->ShortDebugString();
      pending.erase(f->req_id());
    }
  }

  // A full sync, page by page, sees all 2,000.
  std::set<std::string> seen;
  uint64_t cursor = 0;
  for (int page = 0; page < 100; ++page) {
    v1::ClientFrame sync;
    sync.mutable_sync()->set_cursor(cursor);
    auto r = alice->call(sync);
    ASSERT_TRUE(r.has_sync()) << r.ShortDebugString();
    for (const auto& c : r.sync().conversations()) seen.insert(c.conversation_id());
    cursor = r.sync().cursor();
    if (!r.sync().has_more()) break;
  }
  EXPECT_EQ(seen.size(), static_cast<size_t>(kPeers));

  // Three peers answer.
  for (int i : {7, 1200, 1999}) {
    auto peer = connect_as(server, "peer" + std::to_string(i), "phone");
    peer->send_text("d:alice:peer" + std::to_string(i), "reply " + std::to_string(i));
  }
  v1::ClientFrame delta;
  delta.mutable_sync()->set_cursor(cursor);
  auto r = alice->call(delta);
  ASSERT_TRUE(r.has_sync());
  EXPECT_FALSE(r.sync().has_more());
  std::set<std::string> changed;
  for (const auto& c : r.sync().conversations()) {
    changed.insert(c.conversation_id());
    EXPECT_EQ(c.unread_count(), 1u);
    EXPECT_EQ(c.max_seq(), 2u);
    EXPECT_TRUE(c.last_message().text().starts_with("reply "));
  }
  EXPECT_EQ(changed, (std::set<std::string>{"d:alice:peer7", "d:alice:peer1200", "d:alice:peer1999"}));
  delta.mutable_sync()->set_cursor(r.sync().cursor());
  EXPECT_EQ(alice->call(delta).sync().conversations_size(), 0);
}

}  // namespace
}  // namespace parley::testing

namespace parley::testing {
namespace {

// A pull stops at about 1 MiB however high the limit, and says it is not the end, so long messages never
// make a reply too big for the connection's queue.
TEST(Sync, LongHistoryIsPulledInPagesBoundedByBytes) {
  ServerProcess server({"--requests-per-second", "1000"});
  auto alice = connect_as(server, "alice", "a");
  auto bob = connect_as(server, "bob", "b", protocol::Encoding::kJson);
  const std::string text(15000, 'w');
  for (int i = 0; i < 100; ++i) alice->send_text("d:alice:bob", text);
  size_t total = 0, pages = 0;
  uint64_t after = 0;
  for (int guard = 0; guard < 20; ++guard) {
    v1::ClientFrame pull;
    pull.mutable_pull_messages()->set_conversation_id("d:alice:bob");
    pull.mutable_pull_messages()->set_after_seq(after);
    pull.mutable_pull_messages()->set_limit(200);
    auto r = bob->call(pull);
    ASSERT_TRUE(r.has_pull_messages()) << r.error().ShortDebugString();
    ++pages;
    total += r.pull_messages().messages_size();
    if (r.pull_messages().messages_size() > 0) after = r.pull_messages().messages().rbegin()->seq();
    if (r.pull_messages().end()) break;
    EXPECT_LT(r.pull_messages().messages_size(), 100);
  }
  EXPECT_EQ(total, 100u);
  EXPECT_GE(pages, 2u);
  EXPECT_FALSE(bob->is_closed());
}

}  // namespace
}  // namespace parley::testing
