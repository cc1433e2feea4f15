// Event handling against a scripted server: gaps in pushed seqs are pulled, unknown event kinds and
// garbage frames are ignored without dropping the link.
#include <algorithm>
#include <google/protobuf/unknown_field_set.h>

#include <future>

#include "fake_server.h"
#include "sdk_test_support.h"

namespace parley::testing {
namespace {

v1::ServerFrame reply_to(const v1::ClientFrame& request) {
  v1::ServerFrame f;
  f.set_req_id(request.req_id());
  return f;
}

v1::Message message(uint64_t seq) {
  v1::Message m;
  m.set_conversation_id("d:alice:bob");
  m.set_seq(seq);
  m.set_server_msg_id("s" + std::to_string(seq));
  m.set_client_msg_id("b" + std::to_string(seq));
  m.set_sender_id("bob");
  m.set_timestamp_ms(1000 + static_cast<int64_t>(seq));
  m.set_kind(v1::TEXT);
  m.set_text("m" + std::to_string(seq));
  return m;
}

v1::ServerFrame push(const v1::Message& m) {
  v1::ServerFrame f;
  *f.mutable_event()->mutable_message() = m;
  return f;
}

// The next request other than the delivery receipts the client sends as messages arrive (answered, and
// their seqs appended to `delivered` when given).
std::optional<v1::ClientFrame> next_non_receipt(FakeServer& server, std::vector<uint64_t>* delivered = nullptr,
                                                std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  for (;;) {
    auto f = server.next_request(timeout);
    if (!f || !f->has_mark_delivered()) return f;
    if (delivered) delivered->push_back(f->mark_delivered().seq());
    auto ok = reply_to(*f);
    ok.mutable_mark_delivered()->set_delivered_seq(f->mark_delivered().seq());
    server.send(ok);
  }
}

// Authenticates and syncs (nothing to sync) a client with the fake server.
void handshake(FakeServer& server, Client& client, Recorder& r) {
  client.use_token("t0ken", [](ClientResult<SessionSummary>) {});
  auto auth = server.next_request();
  ASSERT_TRUE(auth && auth->has_authenticate());
  EXPECT_EQ(auth->authenticate().token(), "t0ken");
  auto ok = reply_to(*auth);
  ok.mutable_authenticate()->mutable_session()->mutable_user()->set_user_id("alice");
  ok.mutable_authenticate()->mutable_session()->set_device_id("a1");
  server.send(ok);
  auto sync = server.next_request();
  ASSERT_TRUE(sync && sync->has_sync());
  EXPECT_EQ(sync->sync().cursor(), 0u);
  auto page = reply_to(*sync);
  page.mutable_sync()->set_cursor(7);
  server.send(page);
  // Catching up ends with refreshing the friends/blocks cache: two lists, empty here.
  for (int i = 0; i < 2; ++i) {
    auto list = server.next_request();
    ASSERT_TRUE(list && (list->has_list_friends() || list->has_list_blocked()));
    auto empty = reply_to(*list);
    if (list->has_list_friends())
      empty.mutable_list_friends();
    else
      empty.mutable_list_blocked();
    server.send(empty);
  }
  ASSERT_TRUE(r.wait_state(ConnectionState::kConnected));
}

TEST(SdkEvents, APushedMessageThatSkipsSeqsTriggersAPullOfTheGap) {
  FakeServer server;
  TempDir dir;
  Recorder r;
  auto client = make_client(fast_options(server.port(), dir.file("a.db"), "a1"), r);
  handshake(server, *client, r);

  server.send(push(message(1)));
  ASSERT_TRUE(r.wait([&] { return r.messages.size() == 1; }));
  server.send(push(message(4)));  // 2 and 3 never came
  std::vector<uint64_t> delivered;
  auto pull = next_non_receipt(server, &delivered);
  ASSERT_TRUE(pull && pull->has_pull_messages()) << (pull ? pull->ShortDebugString() : "no request");
  EXPECT_EQ(pull->pull_messages().conversation_id(), "d:alice:bob");
  EXPECT_EQ(pull->pull_messages().after_seq(), 1u);
  EXPECT_EQ(pull->pull_messages().before_seq(), 4u);
  auto page = reply_to(*pull);
  *page.mutable_pull_messages()->add_messages() = message(2);
  *page.mutable_pull_messages()->add_messages() = message(3);
  page.mutable_pull_messages()->set_end(true);
  server.send(page);
  ASSERT_TRUE(r.wait([&] { return r.messages.size() == 4; }));
  EXPECT_EQ(r.origins[2], MessageOrigin::kSync);

  // The same message pushed twice is reported once.
  server.send(push(message(4)));
  server.send(push(message(5)));
  ASSERT_TRUE(r.wait([&] { return r.messages.size() == 5; }));
  auto local = client->messages("d:alice:bob", 0, 10);
  ASSERT_TRUE(local);
  ASSERT_EQ(local->size(), 5u);
  for (uint64_t i = 0; i < 5; ++i) EXPECT_EQ((*local)[i].seq, i + 1);
  EXPECT_FALSE(next_non_receipt(server, &delivered, 300ms)) << "no further pull was needed";
  // Arrivals were reported delivered, coalesced: 2 and 3 came in one page, so at most one request each for
  // 1, 4, the page and 5; the newest seq went last.
  ASSERT_FALSE(delivered.empty());
  EXPECT_EQ(delivered.back(), 5u);
  EXPECT_LE(delivered.size(), 4u);
  EXPECT_EQ(std::count(delivered.begin(), delivered.end(), 2u), 0) << "the page was reported once, by its newest";
}

TEST(SdkEvents, UnknownEventKindsAndGarbageFramesAreIgnored) {
  FakeServer server;
  TempDir dir;
  Recorder r;
  auto client = make_client(fast_options(server.port(), dir.file("a.db"), "a1"), r);
  handshake(server, *client, r);

  v1::ServerFrame future;
  future.mutable_event()->GetReflection()->MutableUnknownFields(future.mutable_event())->AddVarint(77, 1);
  server.send(future);                  // an event kind from a newer server
  server.send_raw("\xff\xff\xff\xff");  // not a ServerFrame at all
  auto newer = message(1);
  newer.set_kind(static_cast<v1::MessageKind>(99));  // a message kind from a newer server
  newer.GetReflection()->MutableUnknownFields(&newer)->AddLengthDelimited(40, "reactions");
  server.send(push(newer));
  ASSERT_TRUE(r.wait([&] { return r.messages.size() == 1; }));
  EXPECT_EQ(r.messages[0].kind, "99");
  v1::Message back;
  ASSERT_TRUE(back.ParseFromString(r.messages[0].proto));
  EXPECT_EQ(back.GetReflection()->GetUnknownFields(back).field_count(), 1) << "the unknown field was kept";
  EXPECT_EQ(client->state(), ConnectionState::kConnected);
}

TEST(SdkEvents, ReadEventsMoveTheCursorAndAreReported) {
  FakeServer server;
  TempDir dir;
  Recorder r;
  auto client = make_client(fast_options(server.port(), dir.file("a.db"), "a1"), r);
  handshake(server, *client, r);
  for (uint64_t s = 1; s <= 3; ++s) server.send(push(message(s)));
  ASSERT_TRUE(r.wait([&] { return r.messages.size() == 3; }));
  EXPECT_EQ((*client->conversations())[0].unread_count, 3u);
  v1::ServerFrame read;
  read.mutable_event()->mutable_read()->set_conversation_id("d:alice:bob");
  read.mutable_event()->mutable_read()->set_read_seq(2);
  server.send(read);
  ASSERT_TRUE(r.wait([&] { return r.reads.size() == 1; }));
  EXPECT_EQ(r.reads[0].second, 2u);
  EXPECT_EQ((*client->conversations())[0].unread_count, 1u);
}

}  // namespace
}  // namespace parley::testing
