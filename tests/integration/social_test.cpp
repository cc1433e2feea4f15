// Friends, blocks, privacy, the user directory, presence and typing.
#include "helpers.h"

namespace parley::testing {
namespace {

constexpr auto kQuiet = 300ms;

v1::ServerFrame befriend_request(WsClient& c, const std::string& user, const std::string& message = "") {
  return c.call(frame([&](auto& f) {
    f.mutable_send_friend_request()->set_user_id(user);
    f.mutable_send_friend_request()->set_message(message);
  }));
}

v1::ServerFrame respond(WsClient& c, const std::string& user, bool accept) {
  return c.call(frame([&](auto& f) {
    f.mutable_respond_friend_request()->set_user_id(user);
    f.mutable_respond_friend_request()->set_accept(accept);
  }));
}

std::vector<std::string> friend_ids(WsClient& c) {
  std::vector<std::string> out;
  auto list = must(c, frame([](auto& f) { f.mutable_list_friends(); }));
  for (const auto& f : list.list_friends().friends()) {
    out.push_back(f.user().user_id());
  }
  return out;
}

TEST(Friends, RequestAcceptRemarkAndRemoveReachBothSidesAndEveryDevice) {
  ServerProcess server;
  auto alice = connect_as(server, "alice", "a1");
  auto alice2 = connect_as(server, "alice", "a2");
  auto bob = connect_as(server, "bob", "b");

  ASSERT_FALSE(befriend_request(*alice, "bob", "hi, it's alice").has_error());
  auto incoming = wait_for_event(*bob, v1::Event::kFriend);
  ASSERT_TRUE(incoming);
  EXPECT_EQ(incoming->friend_().kind(), v1::FriendEvent::REQUEST_RECEIVED);
  EXPECT_EQ(incoming->friend_().request().message(), "hi, it's alice");
  EXPECT_EQ(incoming->friend_().request().from_user().user_id(), "alice");
  auto sent = wait_for_event(*alice2, v1::Event::kFriend);
  ASSERT_TRUE(sent);
  EXPECT_EQ(sent->friend_().kind(), v1::FriendEvent::REQUEST_SENT);

  auto pending = must(*bob, frame([](auto& f) { f.mutable_list_friend_requests(); })).list_friend_requests();
  ASSERT_EQ(pending.incoming_size(), 1);
  EXPECT_EQ(pending.incoming(0).from_user_id(), "alice");
  EXPECT_ERROR(respond(*bob, "carol", true), v1::NOT_FOUND);
  ASSERT_FALSE(respond(*bob, "alice", true).has_error());
  auto added = wait_for_event(*alice, v1::Event::kFriend);
  ASSERT_TRUE(added);
  EXPECT_EQ(added->friend_().kind(), v1::FriendEvent::FRIEND_ADDED);
  EXPECT_EQ(friend_ids(*alice), std::vector<std::string>{"bob"});
  EXPECT_EQ(friend_ids(*bob), std::vector<std::string>{"alice"});
  EXPECT_ERROR(befriend_request(*alice, "bob"), v1::CONFLICT);

  must(*alice, frame([](auto& f) {
    f.mutable_set_friend_remark()->set_user_id("bob");
    f.mutable_set_friend_remark()->set_remark("Bobby");
  }));
  auto list = must(*alice, frame([](auto& f) { f.mutable_list_friends(); })).list_friends();
  EXPECT_EQ(list.friends(0).remark(), "Bobby");
  EXPECT_TRUE(must(*bob, frame([](auto& f) { f.mutable_list_friends(); })).list_friends().friends(0).remark().empty());

  must(*bob, frame([](auto& f) { f.mutable_remove_friend()->set_user_id("alice"); }));
  EXPECT_TRUE(friend_ids(*alice).empty());

  // A device that was offline replays it all from sync, in order.
  auto tablet = connect_as(server, "alice", "a3");
  std::vector<v1::FriendEvent::Kind> kinds;
  auto synced = must(*tablet, frame([](auto& f) { f.mutable_sync(); }));
  for (const auto& e : synced.sync().events()) {
    if (e.has_friend_()) kinds.push_back(e.friend_().kind());
  }
  EXPECT_EQ(kinds, (std::vector<v1::FriendEvent::Kind>{v1::FriendEvent::REQUEST_SENT, v1::FriendEvent::FRIEND_ADDED,
                                                       v1::FriendEvent::REMARK_CHANGED,
                                                       v1::FriendEvent::FRIEND_REMOVED}));
}

TEST(Friends, CrossedRequestsMakeFriendsAndDeclineAndCancelEndRequests) {
  ServerProcess server;
  auto alice = connect_as(server, "alice", "a");
  auto bob = connect_as(server, "bob", "b");
  auto carol = connect_as(server, "carol", "c");
  ASSERT_FALSE(befriend_request(*alice, "bob").has_error());
  auto crossed = befriend_request(*bob, "alice");
  ASSERT_FALSE(crossed.has_error());
  EXPECT_TRUE(crossed.send_friend_request().became_friends());

  ASSERT_FALSE(befriend_request(*carol, "alice").has_error());
  ASSERT_FALSE(respond(*alice, "carol", false).has_error());
  auto declined = wait_for_event(*carol, v1::Event::kFriend);
  ASSERT_TRUE(declined);
  EXPECT_EQ(declined->friend_().kind(), v1::FriendEvent::REQUEST_DECLINED);

  ASSERT_FALSE(befriend_request(*carol, "bob").has_error());
  must(*carol, frame([](auto& f) { f.mutable_cancel_friend_request()->set_user_id("bob"); }));
  auto pending = must(*bob, frame([](auto& f) { f.mutable_list_friend_requests(); })).list_friend_requests();
  EXPECT_EQ(pending.incoming_size(), 0);
  EXPECT_ERROR(befriend_request(*alice, "alice"), v1::INVALID_ARGUMENT);
  EXPECT_ERROR(befriend_request(*alice, "nobody"), v1::NOT_FOUND);
}

TEST(Blocks, ABlockedUserGetsOnlyAGenericRefusal) {
  ServerProcess server;
  auto alice = connect_as(server, "alice", "a");
  auto bob = connect_as(server, "bob", "b");
  bob->send_text("d:alice:bob", "hello");
  ASSERT_TRUE(alice->wait_message());
  must(*alice, frame([](auto& f) { f.mutable_block_user()->set_user_id("bob"); }));
  auto blocked_send = bob->call(frame([](auto& f) {
    f.mutable_send_message()->set_conversation_id("d:alice:bob");
    f.mutable_send_message()->set_client_msg_id("x");
    f.mutable_send_message()->set_text("are you there?");
  }));
  EXPECT_ERROR(blocked_send, v1::PERMISSION_DENIED);
  EXPECT_EQ(blocked_send.error().message(), "you cannot message this user");
  auto request = befriend_request(*bob, "alice");
  EXPECT_ERROR(request, v1::PERMISSION_DENIED);
  EXPECT_EQ(request.error().message(), "you cannot send a friend request to this user");
  EXPECT_FALSE(alice->wait_event([](const v1::Event& e) { return e.has_message() || e.has_friend_(); }, kQuiet));

  // Alice's presence is hidden from bob although they share a conversation.
  auto presence = must(*bob, frame([](auto& f) { f.mutable_subscribe_presence()->add_user_ids("alice"); }));
  EXPECT_EQ(presence.subscribe_presence().presences_size(), 0);

  // Blocking works both ways for messages: alice must unblock bob to write to him.
  auto blocker_send = alice->call(frame([](auto& f) {
    f.mutable_send_message()->set_conversation_id("d:alice:bob");
    f.mutable_send_message()->set_client_msg_id("y");
    f.mutable_send_message()->set_text("actually...");
  }));
  EXPECT_ERROR(blocker_send, v1::PERMISSION_DENIED);

  auto blocked = must(*alice, frame([](auto& f) { f.mutable_list_blocked(); })).list_blocked();
  ASSERT_EQ(blocked.users_size(), 1);
  EXPECT_EQ(blocked.users(0).user_id(), "bob");
  must(*alice, frame([](auto& f) { f.mutable_unblock_user()->set_user_id("bob"); }));
  EXPECT_EQ(bob->send_text("d:alice:bob", "again").seq(), 2u);
}

TEST(Friends, FriendsOnlyServersRefuseChatsWithStrangers) {
  ServerProcess server({"--direct-chat-friends-only", "true"});
  auto alice = connect_as(server, "alice", "a");
  auto bob = connect_as(server, "bob", "b");
  auto stranger = alice->call(frame([](auto& f) {
    f.mutable_send_message()->set_conversation_id("d:alice:bob");
    f.mutable_send_message()->set_client_msg_id("x");
    f.mutable_send_message()->set_text("hi stranger");
  }));
  EXPECT_ERROR(stranger, v1::PERMISSION_DENIED);
  ASSERT_FALSE(befriend_request(*alice, "bob").has_error());
  ASSERT_FALSE(respond(*bob, "alice", true).has_error());
  EXPECT_EQ(alice->send_text("d:alice:bob", "hi friend").seq(), 1u);
}

TEST(Directory, UsersAreFoundByIdOrNamePrefixIgnoringCase) {
  ServerProcess server;
  admin_user_token(server.port(), "alice", "x");
  admin_user_token(server.port(), "albert", "x");
  admin_user_token(server.port(), "bob", "x");
  auto c = connect_as(server, "zed", "z");
  auto found = must(*c, frame([](auto& f) { f.mutable_search_users()->set_query("AL"); })).search_users();
  ASSERT_EQ(found.users_size(), 2);
  EXPECT_EQ(found.users(0).user_id(), "albert");
  EXPECT_EQ(found.users(1).user_id(), "alice");
  EXPECT_ERROR(c->call(frame([](auto& f) { f.mutable_search_users()->set_query(""); })), v1::INVALID_ARGUMENT);
}

TEST(Presence, SubscribersSeeOnlineAwayAndOfflineOnceEach) {
  ServerProcess server({"--presence-grace-ms", "100"});
  auto alice = connect_as(server, "alice", "a");
  auto bob_phone = connect_as(server, "bob", "b1");
  alice->send_text("d:alice:bob", "hi");  // a shared conversation makes them contacts
  auto now = must(*alice, frame([](auto& f) { f.mutable_subscribe_presence()->add_user_ids("bob"); }));
  ASSERT_EQ(now.subscribe_presence().presences_size(), 1);
  EXPECT_EQ(now.subscribe_presence().presences(0).state(), v1::ONLINE);

  must(*bob_phone, frame([](auto& f) { f.mutable_set_presence()->set_state(v1::AWAY); }));
  auto away = wait_for_event(*alice, v1::Event::kPresence);
  ASSERT_TRUE(away);
  EXPECT_EQ(away->presence().state(), v1::AWAY);

  // A second device that is active makes bob online again.
  auto bob_laptop = connect_as(server, "bob", "b2");
  auto online = wait_for_event(*alice, v1::Event::kPresence);
  ASSERT_TRUE(online);
  EXPECT_EQ(online->presence().state(), v1::ONLINE);
  EXPECT_EQ(online->presence().platforms_size(), 1);  // both LINUX

  bob_phone.reset();
  bob_laptop.reset();
  auto offline = wait_for_event(*alice, v1::Event::kPresence);
  ASSERT_TRUE(offline);
  EXPECT_EQ(offline->presence().state(), v1::OFFLINE);
  EXPECT_GT(offline->presence().last_seen_ms(), 0);
  EXPECT_FALSE(alice->wait_event([](const v1::Event& e) { return e.has_presence(); }, kQuiet));  // once

  // A stranger (no friendship, no shared conversation) sees nothing.
  auto carol = connect_as(server, "carol", "c");
  auto hidden = must(*carol, frame([](auto& f) { f.mutable_subscribe_presence()->add_user_ids("alice"); }));
  EXPECT_EQ(hidden.subscribe_presence().presences_size(), 0);
}

TEST(Presence, RefreshingTheTokenKeepsSubscriptions) {
  ServerProcess server({"--presence-grace-ms", "100"});
  WsClient alice(server.port(), protocol::Encoding::kBinary);
  ASSERT_TRUE(register_user(alice, "alice", "password1").has_register_user());
  auto session = alice.login("alice", "password1", "laptop");
  auto bob = connect_as(server, "bob", "b");
  alice.send_text("d:alice:bob", "hi");
  must(alice, frame([](auto& f) { f.mutable_subscribe_presence()->add_user_ids("bob"); }));
  must(alice, frame([&](auto& f) { f.mutable_refresh()->set_refresh_token(session.refresh_token()); }));
  must(*bob, frame([](auto& f) { f.mutable_set_presence()->set_state(v1::AWAY); }));
  auto away = wait_for_event(alice, v1::Event::kPresence);
  ASSERT_TRUE(away);
  EXPECT_EQ(away->presence().state(), v1::AWAY);
}

TEST(Presence, AQuickReconnectIsNotAPresenceChange) {
  ServerProcess server({"--presence-grace-ms", "5000"});
  auto alice = connect_as(server, "alice", "a");
  auto bob = connect_as(server, "bob", "b");
  alice->send_text("d:alice:bob", "hi");
  must(*alice, frame([](auto& f) { f.mutable_subscribe_presence()->add_user_ids("bob"); }));
  bob.reset();
  bob = connect_as(server, "bob", "b");
  EXPECT_FALSE(alice->wait_event([](const v1::Event& e) { return e.has_presence(); }, 600ms));
}

TEST(Typing, TypingReachesTheOtherMembersAndIsNeverStored) {
  ServerProcess server;
  auto alice = connect_as(server, "alice", "a");
  auto bob = connect_as(server, "bob", "b");
  auto carol = connect_as(server, "carol", "c");
  alice->send_text("d:alice:bob", "hi");
  ASSERT_TRUE(bob->wait_message());
  auto typing = [&](bool on) {
    return must(*alice, frame([&](auto& f) {
      f.mutable_typing()->set_conversation_id("d:alice:bob");
      f.mutable_typing()->set_typing(on);
    }));
  };
  typing(true);
  auto event = wait_for_event(*bob, v1::Event::kTyping);
  ASSERT_TRUE(event);
  EXPECT_EQ(event->typing().user_id(), "alice");
  EXPECT_TRUE(event->typing().typing());
  EXPECT_GT(event->typing().expires_in_ms(), 0u);
  typing(true);  // within the rate limit: accepted, not forwarded
  typing(false);
  event = wait_for_event(*bob, v1::Event::kTyping);
  ASSERT_TRUE(event);
  EXPECT_FALSE(event->typing().typing());
  EXPECT_TRUE(carol->quiet_for(kQuiet));
  EXPECT_EQ(summary_of(*bob, "d:alice:bob").max_seq(), 1u);  // nothing was stored
  EXPECT_ERROR(carol->call(frame([](auto& f) {
                 f.mutable_typing()->set_conversation_id("d:alice:bob");
                 f.mutable_typing()->set_typing(true);
               })),
               v1::PERMISSION_DENIED);
}

}  // namespace
}  // namespace parley::testing
