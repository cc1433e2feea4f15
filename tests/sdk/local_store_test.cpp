// The SDK's local store and its timing rules, without a server.
#include <google/protobuf/unknown_field_set.h>
#include <gtest/gtest.h>

#include "sdk/local_store.h"
#include "sdk/records.h"
#include "sdk/retry_policy.h"
#include "sdk/ws_transport.h"
#include "sdk_test_support.h"

namespace parley::sdk {
namespace {

using parley::testing::TempDir;

v1::Message text_message(const std::string& conversation, uint64_t seq, const std::string& sender,
                         const std::string& text) {
  v1::Message m;
  m.set_conversation_id(conversation);
  m.set_seq(seq);
  m.set_server_msg_id("s" + std::to_string(seq));
  m.set_client_msg_id(sender + "-c" + std::to_string(seq));
  m.set_sender_id(sender);
  m.set_timestamp_ms(1000 + static_cast<int64_t>(seq));
  m.set_kind(v1::TEXT);
  m.set_text(text);
  return m;
}

TEST(SdkLocalStore, AMessageIsStoredOncePerConversationAndSeq) {
  TempDir dir;
  auto store = LocalStore::open(dir.file("a.db"));
  EXPECT_TRUE(store->insert_message(text_message("d:alice:bob", 1, "bob", "hi"), "alice"));
  EXPECT_FALSE(store->insert_message(text_message("d:alice:bob", 1, "bob", "hi again"), "alice"));
  EXPECT_TRUE(store->insert_message(text_message("d:alice:bob", 2, "alice", "yo"), "alice"));
  auto stored = store->messages_before("d:alice:bob", 0, 10);
  ASSERT_EQ(stored.size(), 2u);
  EXPECT_EQ(stored[0].seq(), 2u);  // newest first
  EXPECT_EQ(stored[1].text(), "hi");
  auto c = store->conversation("d:alice:bob");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->max_seq, 2u);
  EXPECT_EQ(c->read_seq, 2u);  // sending moves my own read cursor
  EXPECT_EQ(c->unread_count, 0u);
  EXPECT_EQ(c->last_text, "yo");
  EXPECT_EQ(c->kind, "DIRECT");
}

TEST(SdkLocalStore, UnknownFieldsAndKindsSurviveTheRoundTrip) {
  TempDir dir;
  auto store = LocalStore::open(dir.file("a.db"));
  auto m = text_message("g:x", 1, "bob", "future");
  m.set_kind(static_cast<v1::MessageKind>(42));
  // Field 500, varint 7: a field a newer server might add.
  m.GetReflection()->MutableUnknownFields(&m)->AddVarint(500, 7);
  ASSERT_TRUE(store->insert_message(m, "alice"));
  auto back = store->messages_before("g:x", 0, 1);
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(static_cast<int>(back[0].kind()), 42);
  const auto& unknown = back[0].GetReflection()->GetUnknownFields(back[0]);
  ASSERT_EQ(unknown.field_count(), 1);
  EXPECT_EQ(unknown.field(0).number(), 500);
  EXPECT_EQ(to_record(back[0]).kind, "42");
}

TEST(SdkLocalStore, FullTextSearchFindsWordsNewestFirst) {
  TempDir dir;
  auto store = LocalStore::open(dir.file("a.db"));
  store->insert_message(text_message("d:alice:bob", 1, "bob", "the quick brown fox"), "alice");
  store->insert_message(text_message("d:alice:bob", 2, "bob", "lazy dog"), "alice");
  store->insert_message(text_message("d:alice:carol", 1, "carol", "a brown bear"), "alice");
  auto found = store->search("brown", 10);
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].text(), "a brown bear");  // same timestamp (1001): the later one first
  EXPECT_EQ(found[1].text(), "the quick brown fox");
  EXPECT_EQ(store->search("dog", 10).size(), 1u);
  EXPECT_TRUE(store->search("cat", 10).empty());
  EXPECT_THROW(store->search("\"unbalanced", 10), StorageError);  // a bad query is an error, not a crash
}

TEST(SdkLocalStore, SystemMessagesMaintainMembersAndActivity) {
  TempDir dir;
  auto store = LocalStore::open(dir.file("a.db"));
  v1::Message created = text_message("g:1", 1, "alice", "");
  created.set_kind(v1::SYSTEM);
  created.mutable_system()->set_action(v1::SystemEvent::GROUP_CREATED);
  created.mutable_system()->set_actor_id("alice");
  created.mutable_system()->add_user_ids("bob");
  created.mutable_system()->add_user_ids("me");
  store->insert_message(created, "me");
  EXPECT_EQ(store->members("g:1"), (std::vector<std::string>{"alice", "bob", "me"}));
  v1::Message removed = created;
  removed.set_seq(2);
  removed.mutable_system()->set_action(v1::SystemEvent::MEMBERS_REMOVED);
  removed.mutable_system()->clear_user_ids();
  removed.mutable_system()->add_user_ids("me");
  store->insert_message(removed, "me");
  EXPECT_EQ(store->members("g:1"), (std::vector<std::string>{"alice", "bob"}));
  EXPECT_FALSE(store->conversation("g:1")->active);
  EXPECT_EQ(store->conversation("g:1")->last_text, "[MEMBERS_REMOVED]");
}

TEST(SdkLocalStore, OutboxKeepsInsertionOrderAndSurvivesReopening) {
  TempDir dir;
  {
    auto store = LocalStore::open(dir.file("a.db"));
    for (int i = 0; i < 3; ++i) {
      store->add_outbox(
          OutboxRow{0, "c" + std::to_string(i), "d:a:b", "t" + std::to_string(i), SendState::kSending, "", 1});
    }
    store->set_outbox_state("c1", SendState::kFailed, "TOO_LARGE");
    store->set_meta(kMetaSyncCursor, "42");
  }
  auto store = LocalStore::open(dir.file("a.db"));
  auto sending = store->outbox_sending(10);
  ASSERT_EQ(sending.size(), 2u);
  EXPECT_EQ(sending[0].client_msg_id, "c0");
  EXPECT_EQ(sending[1].client_msg_id, "c2");
  EXPECT_EQ(store->outbox_row("c1")->error, "TOO_LARGE");
  EXPECT_EQ(store->outbox_unsent_count(), 3u);
  EXPECT_EQ(store->meta(kMetaSyncCursor), "42");
}

TEST(SdkLocalStore, ReadCursorSetLocallyWinsOverAnOlderServerValueUntilConfirmed) {
  TempDir dir;
  auto store = LocalStore::open(dir.file("a.db"));
  for (uint64_t s = 1; s <= 5; ++s) store->insert_message(text_message("d:a:b", s, "b", "x"), "a");
  store->set_read_seq("d:a:b", 4, true);
  v1::ConversationSummary summary;
  summary.set_conversation_id("d:a:b");
  summary.set_kind(v1::DIRECT);
  summary.set_max_seq(5);
  summary.set_min_seq(1);
  summary.set_read_seq(2);
  summary.set_active(true);
  store->apply_summary(summary);
  EXPECT_EQ(store->conversation("d:a:b")->read_seq, 4u);
  EXPECT_EQ(store->conversation("d:a:b")->unread_count, 1u);
  EXPECT_EQ(store->pending_reads().size(), 1u);
  store->clear_read_pending("d:a:b", 4);
  EXPECT_TRUE(store->pending_reads().empty());
}

TEST(SdkRetryPolicy, BackoffGrowsWithJitterUpToTheCapAndResets) {
  Backoff b(Millis(100), Millis(1000), 7);
  Millis d1 = b.next(), d2 = b.next(), d3 = b.next();
  EXPECT_GE(d1.count(), 50);
  EXPECT_LE(d1.count(), 100);
  EXPECT_GE(d2.count(), 100);
  EXPECT_LE(d2.count(), 200);
  EXPECT_GE(d3.count(), 200);
  EXPECT_LE(d3.count(), 400);
  for (int i = 0; i < 20; ++i) EXPECT_LE(b.next().count(), 1000);
  b.reset();
  EXPECT_LE(b.next().count(), 100);
}

TEST(SdkRetryPolicy, HeartbeatGrowsWhileStableAndShrinksAfterAFailure) {
  Heartbeat h(Millis(1000), Millis(3000));
  EXPECT_EQ(h.interval(), Millis(1000));
  for (int i = 0; i < 20; ++i) h.on_success();
  EXPECT_EQ(h.interval(), Millis(3000));
  h.on_failure();
  EXPECT_EQ(h.interval(), Millis(1500));
  h.on_failure();
  h.on_failure();
  EXPECT_EQ(h.interval(), Millis(1000));
}

TEST(SdkServerUrl, AcceptsTheUsualFormsAndExplainsTheRest) {
  ServerAddress a;
  std::string error;
  ASSERT_TRUE(parse_server_url("ws://127.0.0.1:8080/v1/ws", a, error));
  EXPECT_EQ(a.host, "127.0.0.1");
  EXPECT_EQ(a.port, "8080");
  EXPECT_EQ(a.target, "/v1/ws");
  ASSERT_TRUE(parse_server_url("localhost:9000", a, error));
  EXPECT_EQ(a.target, "/v1/ws");
  ASSERT_TRUE(parse_server_url("ws://[::1]:81", a, error));
  EXPECT_EQ(a.host, "::1");
  EXPECT_FALSE(a.tls);
  ASSERT_TRUE(parse_server_url("wss://chat.example.org/v1/ws", a, error));
  EXPECT_TRUE(a.tls);
  EXPECT_EQ(a.host, "chat.example.org");
  EXPECT_EQ(a.port, "443");
  EXPECT_FALSE(parse_server_url("http://x:1", a, error));
  EXPECT_NE(error.find("wss://"), std::string::npos);
  EXPECT_FALSE(parse_server_url("x:99999", a, error));
  EXPECT_FALSE(parse_server_url(":80", a, error));
}

TEST(SdkRecords, Utf8ValidationRejectsMalformedSequences) {
  EXPECT_TRUE(is_valid_utf8("plain"));
  EXPECT_TRUE(is_valid_utf8("h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80"));
  EXPECT_FALSE(is_valid_utf8("\xc3"));
  EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));      // overlong
  EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));  // surrogate
  EXPECT_FALSE(is_valid_utf8("\xff"));
}

}  // namespace
}  // namespace parley::sdk
