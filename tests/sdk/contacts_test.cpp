// libparley against a real parleyd: the local friends/blocks cache (offline reads, kept in step by FriendEvents on
// another device, refreshed by sync), blocks, the user directory and privacy. Every wait is bounded.
#include "sdk_accounts.h"
#include "server_process.h"

namespace parley::testing {
namespace {

std::vector<std::string> ids(const ClientResult<std::vector<ContactRecord>>& list) {
  std::vector<std::string> out;
  if (list)
    for (const auto& c : *list) out.push_back(c.user_id);
  return out;
}

using Ids = std::vector<std::string>;

TEST(SdkContacts, FriendsAndBlocksAreListedOfflineAndFollowTheOtherDevice) {
  ServerProcess server;
  TempDir dir;
  Account laptop, phone, bob, carol;
  sign_up(laptop, server.port(), dir, "alice", "a1");
  sign_up(bob, server.port(), dir, "bob", "b1");
  sign_up(carol, server.port(), dir, "carol", "c1");
  log_in(phone, server.port(), dir, "alice", "a2");

  ASSERT_TRUE(await<std::string>([&](auto done) { laptop.client->send_friend_request("bob", "hi", std::move(done)); }));
  ASSERT_TRUE(wait_event(bob.recorder, EventKind::kFriend, "REQUEST_RECEIVED"));
  ASSERT_TRUE(await<std::string>(
      [&](auto done) { bob.client->answer_friend_request("alice", FriendAnswer::kAccept, std::move(done)); }));
  // Both of alice's devices get FRIEND_ADDED; the cache is updated before on_event runs.
  ASSERT_TRUE(wait_event(laptop.recorder, EventKind::kFriend, "FRIEND_ADDED"));
  ASSERT_TRUE(wait_event(phone.recorder, EventKind::kFriend, "FRIEND_ADDED"));
  EXPECT_EQ(ids(laptop.client->friends()), Ids{"bob"});
  EXPECT_EQ(ids(phone.client->friends()), Ids{"bob"});
  EXPECT_EQ(ids(bob.client->friends()), Ids{"alice"});  // the accepting side, from its own call

  // A remark: kept in the cache here, and on the phone through REMARK_CHANGED.
  ASSERT_TRUE(
      await<std::string>([&](auto done) { laptop.client->set_friend_remark("bob", "Bob (work)", std::move(done)); }));
  EXPECT_EQ(laptop.client->friends()->front().remark, "Bob (work)");
  ASSERT_TRUE(wait_event(phone.recorder, EventKind::kFriend, "REMARK_CHANGED"));
  EXPECT_EQ(phone.client->friends()->front().remark, "Bob (work)");

  // The laptop blocks carol: its cache at once, the phone through BLOCKED.
  ASSERT_TRUE(await<std::string>([&](auto done) { laptop.client->block_user("carol", std::move(done)); }));
  EXPECT_EQ(ids(laptop.client->blocked()), Ids{"carol"});
  ASSERT_TRUE(wait_event(phone.recorder, EventKind::kFriend, "BLOCKED"));
  EXPECT_EQ(ids(phone.client->blocked()), Ids{"carol"});
  // A blocked user cannot message me.
  auto id = carol.client->send_text(Client::direct_conversation_id("alice", "carol"), "hello?");
  ASSERT_TRUE(id);
  ASSERT_TRUE(carol.recorder.wait([&] { return carol.recorder.failed.contains(*id); }));

  // Offline (a new Client on the laptop's database, never started): the lists are there, with names from the
  // server's lists (refreshed while catching up).
  laptop.client.reset();
  Recorder idle;
  auto offline = make_client(fast_options(server.port(), dir.file("alice-a1.db"), "a1"), idle);
  ASSERT_TRUE(offline);
  auto friends = offline->friends();
  ASSERT_TRUE(friends);
  ASSERT_EQ(ids(friends), Ids{"bob"});
  EXPECT_GT(friends->front().since_ms, 0);
  EXPECT_EQ(ids(offline->blocked()), Ids{"carol"});
  offline.reset();

  // Changes made while the laptop was away arrive when it reconnects: the phone unblocks carol and removes bob.
  ASSERT_TRUE(await<std::string>([&](auto done) { phone.client->unblock_user("carol", std::move(done)); }));
  ASSERT_TRUE(await<std::string>([&](auto done) { phone.client->remove_friend("bob", std::move(done)); }));
  EXPECT_TRUE(ids(phone.client->blocked()).empty());
  EXPECT_TRUE(ids(phone.client->friends()).empty());
  Recorder back;
  auto laptop2 = make_client(fast_options(server.port(), dir.file("alice-a1.db"), "a1"), back);
  ASSERT_TRUE(laptop2);
  laptop2->start();
  ASSERT_TRUE(back.wait([&] { return back.synced > 0; }));
  EXPECT_TRUE(ids(laptop2->friends()).empty());
  EXPECT_TRUE(ids(laptop2->blocked()).empty());
}

TEST(SdkContacts, UserDirectoryAndPrivacy) {
  ServerProcess server;
  TempDir dir;
  Account laptop, phone, erin;
  sign_up(laptop, server.port(), dir, "alice", "a1");
  sign_up(erin, server.port(), dir, "erin", "e1");
  log_in(phone, server.port(), dir, "alice", "a2");

  auto users = await<std::string>([&](auto done) { laptop.client->search_users("er", 10, std::move(done)); });
  ASSERT_TRUE(users) << users.error().message;
  EXPECT_NE(users->find("\"erin\""), std::string::npos) << *users;
  auto empty = await<std::string>([&](auto done) { laptop.client->search_users("", 10, std::move(done)); });
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().code, 5);  // INVALID_ARGUMENT

  PrivacySettings privacy;
  privacy.receipts_disabled = true;
  privacy.presence = PresenceVisibility::kFriends;
  auto set = await<std::string>([&](auto done) { laptop.client->set_privacy(privacy, std::move(done)); });
  ASSERT_TRUE(set) << set.error().message;
  ASSERT_TRUE(wait_event(phone.recorder, EventKind::kPrivacy, "FRIENDS"));
  auto got = await<std::string>([&](auto done) { phone.client->get_privacy(std::move(done)); });
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_NE(got->find("\"receipts_disabled\":true"), std::string::npos) << *got;
}

}  // namespace
}  // namespace parley::testing
