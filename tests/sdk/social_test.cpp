// libparley against a real parleyd: edits, revokes and reactions reaching the other side's local store (live
// and after a reconnect), friend requests, receipts and typing. Every wait is bounded.
#include <future>

#include "parley/json.h"
#include "sdk_accounts.h"
#include "sdk_test_support.h"
#include "server_process.h"
#include "ws_client.h"

namespace parley::testing {
namespace {

std::optional<MessageRecord> stored(Client& client, const std::string& conversation, uint64_t seq) {
  auto list = client.messages(conversation, seq + 1, 1);
  if (!list || list->empty() || list->back().seq != seq) return std::nullopt;
  return list->back();
}

bool has(const std::string& json, const std::string& needle) { return json.find(needle) != std::string::npos; }

TEST(SdkSocial, EditRevokeAndReactionUpdateTheOtherStoreLive) {
  ServerProcess server;
  TempDir dir;
  Account alice, bob;
  sign_up(alice, server.port(), dir, "alice", "a1");
  sign_up(bob, server.port(), dir, "bob", "b1");
  const std::string conv = Client::direct_conversation_id("alice", "bob");
  uint64_t first = exchange(alice, bob, conv, "helo wrld");
  uint64_t second = exchange(alice, bob, conv, "a mistake");
  ASSERT_GT(first, 0u);

  auto edited = await<MessageRecord>([&](auto done) { alice.client->edit(conv, first, "hello world", std::move(done)); });
  ASSERT_TRUE(edited) << edited.error().message;
  EXPECT_EQ(edited->text, "hello world");
  // Bob's store follows, and on_message_updated says so.
  ASSERT_TRUE(bob.recorder.wait([&] {
    for (const auto& m : bob.recorder.updated)
      if (m.seq == first && m.text == "hello world") return true;
    return false;
  }));
  auto bob_copy = stored(*bob.client, conv, first);
  ASSERT_TRUE(bob_copy);
  EXPECT_EQ(bob_copy->text, "hello world");
  EXPECT_TRUE(has(bob_copy->json, "\"edit_count\":1")) << bob_copy->json;
  // Local search finds the new text, not the old one.
  auto found = bob.client->search("world", 10);
  ASSERT_TRUE(found);
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ(found->front().seq, first);
  EXPECT_TRUE(bob.client->search("wrld", 10)->empty());

  auto reacted = await<MessageRecord>(
      [&](auto done) { bob.client->react(conv, first, "👍", ReactionChange::kAdd, std::move(done)); });
  ASSERT_TRUE(reacted) << reacted.error().message;
  ASSERT_TRUE(alice.recorder.wait([&] {
    for (const auto& m : alice.recorder.updated)
      if (m.seq == first && has(m.json, "👍")) return true;
    return false;
  }));
  auto alice_copy = stored(*alice.client, conv, first);
  ASSERT_TRUE(alice_copy);
  EXPECT_TRUE(has(alice_copy->json, "\"reactions\"")) << alice_copy->json;
  auto who = await<std::string>([&](auto done) { alice.client->list_reactions(conv, first, "", "", 0, std::move(done)); });
  ASSERT_TRUE(who) << who.error().message;
  EXPECT_TRUE(has(*who, "\"user_id\":\"bob\"") && has(*who, "👍")) << *who;

  auto revoked = await<MessageRecord>([&](auto done) { alice.client->revoke(conv, second, std::move(done)); });
  ASSERT_TRUE(revoked) << revoked.error().message;
  ASSERT_TRUE(bob.recorder.wait([&] {
    for (const auto& m : bob.recorder.updated)
      if (m.seq == second && has(m.json, "\"revoked\":true")) return true;
    return false;
  }));
  auto gone = stored(*bob.client, conv, second);
  ASSERT_TRUE(gone);
  EXPECT_NE(gone->text, "a mistake");
  // Operations are not the conversation's last message.
  auto convs = bob.client->conversations();
  ASSERT_TRUE(convs);
  ASSERT_EQ(convs->size(), 1u);
  EXPECT_NE(convs->front().last_text, "👍");
}

TEST(SdkSocial, ADeviceOfflineDuringAnEditSeesTheFinalStateAfterReconnecting) {
  ServerProcess server;
  TempDir dir;
  Account alice, bob;
  sign_up(alice, server.port(), dir, "alice", "a1");
  sign_up(bob, server.port(), dir, "bob", "b1");
  const std::string conv = Client::direct_conversation_id("alice", "bob");
  uint64_t seq = exchange(alice, bob, conv, "version 1");
  ASSERT_GT(seq, 0u);

  // Bob's app stops (its database stays); Alice edits twice meanwhile.
  bob.client.reset();
  for (const char* text : {"version 2", "version 3"}) {
    auto r = await<MessageRecord>([&](auto done) { alice.client->edit(conv, seq, text, std::move(done)); });
    ASSERT_TRUE(r) << r.error().message;
  }
  Recorder again;
  auto bob2 = make_client(fast_options(server.port(), dir.file("bob-b1.db"), "b1"), again);
  ASSERT_TRUE(bob2);
  EXPECT_EQ(stored(*bob2, conv, seq)->text, "version 1");
  bob2->start();
  ASSERT_TRUE(again.wait([&] {
    for (const auto& m : again.updated)
      if (m.seq == seq && m.text == "version 3") return true;
    return false;
  }));
  auto copy = stored(*bob2, conv, seq);
  ASSERT_TRUE(copy);
  EXPECT_EQ(copy->text, "version 3");
}

TEST(SdkSocial, FriendRequestFlow) {
  ServerProcess server;
  TempDir dir;
  Account alice, bob;
  sign_up(alice, server.port(), dir, "alice", "a1");
  sign_up(bob, server.port(), dir, "bob", "b1");

  auto asked = await<std::string>([&](auto done) { alice.client->send_friend_request("bob", "hi, it's alice", std::move(done)); });
  ASSERT_TRUE(asked) << asked.error().message;
  EXPECT_TRUE(has(*asked, "{}") || has(*asked, "\"became_friends\":false")) << *asked;
  ASSERT_TRUE(bob.recorder.wait([&] {
    for (const auto& e : bob.recorder.events)
      if (e.kind == EventKind::kFriend && has(e.json, "REQUEST_RECEIVED") && has(e.json, "hi, it's alice")) return true;
    return false;
  }));
  auto pending = await<std::string>([&](auto done) { bob.client->list_friend_requests(std::move(done)); });
  ASSERT_TRUE(pending) << pending.error().message;
  EXPECT_TRUE(has(*pending, "\"incoming\"") && has(*pending, "alice")) << *pending;

  auto accepted = await<std::string>([&](auto done) { bob.client->answer_friend_request("alice", FriendAnswer::kAccept, std::move(done)); });
  ASSERT_TRUE(accepted) << accepted.error().message;
  ASSERT_TRUE(alice.recorder.wait([&] {
    for (const auto& e : alice.recorder.events)
      if (e.kind == EventKind::kFriend && has(e.json, "FRIEND_ADDED") && has(e.json, "bob")) return true;
    return false;
  }));
  auto friends = await<std::string>([&](auto done) { alice.client->list_friends(std::move(done)); });
  ASSERT_TRUE(friends) << friends.error().message;
  EXPECT_TRUE(has(*friends, "\"bob\"")) << *friends;

  auto removed = await<std::string>([&](auto done) { alice.client->remove_friend("bob", std::move(done)); });
  ASSERT_TRUE(removed) << removed.error().message;
  friends = await<std::string>([&](auto done) { bob.client->list_friends(std::move(done)); });
  ASSERT_TRUE(friends);
  EXPECT_FALSE(has(*friends, "\"alice\"")) << *friends;

  // Offline calls fail at once rather than waiting.
  Recorder idle;
  auto offline = make_client(fast_options(server.port(), dir.file("carol.db"), "c1"), idle);
  auto r = await<std::string>([&](auto done) { offline->list_friends(std::move(done)); });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, kErrorOffline);
}

TEST(SdkSocial, TypingAndReadReceiptsReachThePeer) {
  ServerProcess server;
  TempDir dir;
  Account alice, bob;
  sign_up(alice, server.port(), dir, "alice", "a1");
  sign_up(bob, server.port(), dir, "bob", "b1");
  const std::string conv = Client::direct_conversation_id("alice", "bob");
  uint64_t seq = exchange(alice, bob, conv, "are you there?");

  auto typing = await<void>([&](auto done) { bob.client->set_typing(conv, true, std::move(done)); });
  ASSERT_TRUE(typing) << typing.error().message;
  ASSERT_TRUE(alice.recorder.wait([&] {
    for (const auto& e : alice.recorder.events)
      if (e.kind == EventKind::kTyping && e.conversation_id == conv && has(e.json, "\"bob\"")) return true;
    return false;
  }));

  // Bob's client marked the message delivered by itself; reading it moves Alice's peer_read_seq.
  ASSERT_TRUE(bob.client->mark_read(conv, seq));
  ASSERT_TRUE(alice.recorder.wait([&] {
    for (const auto& e : alice.recorder.events)
      if (e.kind == EventKind::kReceipt && e.conversation_id == conv && has(e.json, "\"read_seq\"")) return true;
    return false;
  }));
  auto convs = alice.client->conversations();
  ASSERT_TRUE(convs);
  ASSERT_FALSE(convs->empty());
  EXPECT_EQ(convs->front().peer_read_seq, seq);
  EXPECT_EQ(convs->front().peer_delivered_seq, seq);
}

// Another device of the same user deletes a message for me, changes the conversation's settings and clears the
// history: the SDK's store follows each event, and on_event reports them.
TEST(SdkSocial, DeletionsAndSettingsFromAnotherDeviceReachTheStore) {
  ServerProcess server;
  TempDir dir;
  Account alice, bob;
  sign_up(alice, server.port(), dir, "alice", "a1");
  sign_up(bob, server.port(), dir, "bob", "b1");
  const std::string conv = Client::direct_conversation_id("alice", "bob");
  uint64_t one = exchange(bob, alice, conv, "one");
  uint64_t two = exchange(bob, alice, conv, "two");
  uint64_t three = exchange(bob, alice, conv, "three");

  WsClient phone(server.port(), protocol::Encoding::kBinary);
  phone.login("alice", "alice-password", "a2");
  v1::ClientFrame del;
  del.mutable_delete_messages()->set_conversation_id(conv);
  del.mutable_delete_messages()->add_seqs(two);
  ASSERT_TRUE(phone.call(del).has_delete_messages());
  ASSERT_TRUE(alice.recorder.wait([&] {
    for (const auto& e : alice.recorder.events)
      if (e.kind == EventKind::kMessagesDeleted && e.conversation_id == conv) return true;
    return false;
  }));
  auto left = alice.client->messages(conv, 0, 10);
  ASSERT_TRUE(left);
  ASSERT_EQ(left->size(), 2u);
  EXPECT_EQ(left->front().seq, one);
  EXPECT_EQ(left->back().seq, three);

  v1::ClientFrame settings;
  settings.mutable_update_conversation_settings()->set_conversation_id(conv);
  settings.mutable_update_conversation_settings()->set_pinned(true);
  settings.mutable_update_conversation_settings()->set_draft("half a thought");
  ASSERT_TRUE(phone.call(settings).has_update_conversation_settings());
  ASSERT_TRUE(alice.recorder.wait([&] {
    for (const auto& e : alice.recorder.events)
      if (e.kind == EventKind::kSettings && e.conversation_id == conv) return true;
    return false;
  }));
  auto convs = alice.client->conversations();
  ASSERT_TRUE(convs);
  ASSERT_EQ(convs->size(), 1u);
  EXPECT_TRUE(convs->front().pinned);
  EXPECT_EQ(convs->front().draft, "half a thought");

  v1::ClientFrame clear;
  clear.mutable_clear_conversation()->set_conversation_id(conv);
  ASSERT_TRUE(phone.call(clear).has_clear_conversation());
  ASSERT_TRUE(alice.recorder.wait([&] {
    int n = 0;
    for (const auto& e : alice.recorder.events)
      if (e.kind == EventKind::kMessagesDeleted) ++n;
    return n == 2;
  }));
  left = alice.client->messages(conv, 0, 10);
  ASSERT_TRUE(left);
  EXPECT_TRUE(left->empty());
}

}  // namespace
}  // namespace parley::testing
