// libparley against a real parleyd: my conversation settings, deletions and clearing for me, made through the
// SDK on one device and reaching the store of my other device; unread totals. Every wait is bounded.
#include "sdk_accounts.h"
#include "server_process.h"

namespace parley::testing {
namespace {

std::optional<ConversationRecord> conversation_of(Client& client, const std::string& id) {
  auto list = client.conversations();
  if (!list) return std::nullopt;
  for (const auto& c : *list)
    if (c.conversation_id == id) return c;
  return std::nullopt;
}

TEST(SdkSettings, SettingsMadeOnOneDeviceReachTheOther) {
  ServerProcess server;
  TempDir dir;
  Account laptop, phone, bob;
  sign_up(laptop, server.port(), dir, "alice", "a1");
  sign_up(bob, server.port(), dir, "bob", "b1");
  log_in(phone, server.port(), dir, "alice", "a2");
  const std::string conv = Client::direct_conversation_id("alice", "bob");
  exchange(bob, laptop, conv, "hello alice");
  ASSERT_TRUE(phone.recorder.wait([&] { return !phone.recorder.messages.empty(); }));

  SettingsChange change;
  change.pinned = true;
  change.muted_until_ms = 4102444800000;  // 2100
  change.draft = "see you th";
  auto updated =
      await<ConversationRecord>([&](auto done) { laptop.client->update_settings(conv, change, std::move(done)); });
  ASSERT_TRUE(updated) << updated.error().message;
  EXPECT_TRUE(updated->pinned);
  EXPECT_EQ(updated->muted_until_ms, 4102444800000);
  EXPECT_EQ(updated->draft, "see you th");
  // The laptop's own store holds them at once.
  auto mine = conversation_of(*laptop.client, conv);
  ASSERT_TRUE(mine);
  EXPECT_TRUE(mine->pinned);
  // The phone learns through a settings event, its store first.
  ASSERT_TRUE(wait_event(phone.recorder, EventKind::kSettings, "see you th"));
  auto theirs = conversation_of(*phone.client, conv);
  ASSERT_TRUE(theirs);
  EXPECT_TRUE(theirs->pinned);
  EXPECT_EQ(theirs->muted_until_ms, 4102444800000);
  EXPECT_EQ(theirs->draft, "see you th");

  // Only the fields set change: archiving keeps the pin; an empty draft clears it.
  SettingsChange archive;
  archive.archived = true;
  archive.draft = "";
  updated =
      await<ConversationRecord>([&](auto done) { phone.client->update_settings(conv, archive, std::move(done)); });
  ASSERT_TRUE(updated) << updated.error().message;
  EXPECT_TRUE(updated->archived);
  EXPECT_TRUE(updated->pinned);
  EXPECT_EQ(updated->draft, "");
  ASSERT_TRUE(wait_event(laptop.recorder, EventKind::kSettings, "\"archived\":true"));
  mine = conversation_of(*laptop.client, conv);
  ASSERT_TRUE(mine);
  EXPECT_TRUE(mine->archived);
  EXPECT_EQ(mine->draft, "");

  // Not a member: the server's refusal reaches the callback.
  auto refused = await<ConversationRecord>(
      [&](auto done) { laptop.client->update_settings("d:bob:carol", change, std::move(done)); });
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, 3);  // PERMISSION_DENIED
}

TEST(SdkSettings, DeleteAndClearForMeFollowOnBothDevicesAndUnreadTotalsCount) {
  ServerProcess server;
  TempDir dir;
  Account laptop, phone, bob;
  sign_up(laptop, server.port(), dir, "alice", "a1");
  sign_up(bob, server.port(), dir, "bob", "b1");
  log_in(phone, server.port(), dir, "alice", "a2");
  const std::string conv = Client::direct_conversation_id("alice", "bob");
  uint64_t one = exchange(bob, laptop, conv, "one");
  uint64_t two = exchange(bob, laptop, conv, "two");
  uint64_t three = exchange(bob, laptop, conv, "three");
  ASSERT_TRUE(phone.recorder.wait([&] { return phone.recorder.messages.size() == 3; }));

  auto total = await<std::string>([&](auto done) { laptop.client->unread_total(std::move(done)); });
  ASSERT_TRUE(total) << total.error().message;
  EXPECT_NE(total->find("\"unread\":\"3\""), std::string::npos) << *total;

  auto deleted = await<void>([&](auto done) { laptop.client->delete_for_me(conv, {two}, std::move(done)); });
  ASSERT_TRUE(deleted) << deleted.error().message;
  auto left = laptop.client->messages(conv, 0, 10);
  ASSERT_TRUE(left);
  ASSERT_EQ(left->size(), 2u);
  EXPECT_EQ(left->front().seq, one);
  EXPECT_EQ(left->back().seq, three);
  ASSERT_TRUE(wait_event(phone.recorder, EventKind::kMessagesDeleted, conv));
  EXPECT_EQ(phone.client->messages(conv, 0, 10)->size(), 2u);
  // Bob keeps all three.
  EXPECT_EQ(bob.client->messages(conv, 0, 10)->size(), 3u);

  auto cleared = await<uint64_t>([&](auto done) { phone.client->clear_for_me(conv, 0, std::move(done)); });
  ASSERT_TRUE(cleared) << cleared.error().message;
  EXPECT_EQ(*cleared, three);
  EXPECT_TRUE(phone.client->messages(conv, 0, 10)->empty());
  ASSERT_TRUE(wait_event(laptop.recorder, EventKind::kMessagesDeleted, "cleared_seq"));
  EXPECT_TRUE(laptop.client->messages(conv, 0, 10)->empty());

  // Empty seq lists are refused before reaching the server; offline calls fail at once.
  auto none = await<void>([&](auto done) { laptop.client->delete_for_me(conv, {}, std::move(done)); });
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, kErrorBadArgument);
  Recorder idle;
  auto offline = make_client(fast_options(server.port(), dir.file("alice-a1.db"), "a1"), idle);
  ASSERT_TRUE(offline);
  auto r = await<uint64_t>([&](auto done) { offline->clear_for_me(conv, 0, std::move(done)); });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, kErrorOffline);
}

}  // namespace
}  // namespace parley::testing
