// Abuse limits: failed logins back off per account and per address, sends are limited per user and per
// conversation, groups and friend requests per day, connections per address; nothing secret reaches the log.
#include "helpers.h"

namespace parley::testing {
namespace {

using protocol::Encoding;

v1::ServerFrame login(WsClient& c, const std::string& user, const std::string& password) {
  return c.call(frame([&](auto& f) {
    f.mutable_login()->set_user_id(user);
    f.mutable_login()->set_password(password);
    f.mutable_login()->set_device_id("d");
  }));
}

TEST(AbuseLimits, FailedLoginsMakeTheAccountWaitEvenForTheRightPassword) {
  ServerProcess server({"--login-failures-before-backoff", "3"});
  WsClient c(server.port(), Encoding::kJson);
  ASSERT_FALSE(register_user(c, "alice", "correct horse").has_error());
  ASSERT_FALSE(register_user(c, "bob", "battery staple").has_error());
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(is_error(login(c, "alice", "guess" + std::to_string(i)), v1::UNAUTHENTICATED));
  auto refused = login(c, "alice", "correct horse");
  ASSERT_TRUE(is_error(refused, v1::RATE_LIMITED)) << refused.ShortDebugString();
  EXPECT_NE(refused.error().message().find("too many failed logins; retry in"), std::string::npos);
  // Another account from the same address is not held back.
  EXPECT_TRUE(login(c, "bob", "battery staple").has_login());
}

TEST(AbuseLimits, FailedLoginsFromOneAddressMakeItWaitWhateverTheAccount) {
  ServerProcess server({"--login-failures-before-backoff", "0", "--login-failures-per-address-before-backoff", "3"});
  WsClient c(server.port(), Encoding::kJson);
  ASSERT_FALSE(register_user(c, "carol", "a long password").has_error());
  for (const char* user : {"u1", "u2", "u3"}) EXPECT_TRUE(is_error(login(c, user, "nope"), v1::UNAUTHENTICATED));
  EXPECT_TRUE(is_error(login(c, "carol", "a long password"), v1::RATE_LIMITED));
}

// Sends `count` messages pipelined on `c` and returns how many were acked and how many refused as too fast.
std::pair<int, int> send_burst(WsClient& c, const std::string& conversation, int count, const std::string& prefix) {
  std::set<uint64_t> pending;
  for (int i = 0; i < count; ++i) {
    pending.insert(c.send(frame([&](auto& f) {
      f.mutable_send_message()->set_conversation_id(conversation);
      f.mutable_send_message()->set_client_msg_id(prefix + std::to_string(i));
      f.mutable_send_message()->set_text("hi");
    })));
  }
  int acked = 0, limited = 0;
  while (!pending.empty()) {
    auto f = c.next_frame();
    if (!f) break;
    if (f->has_event()) continue;
    pending.erase(f->req_id());
    if (f->has_send_message()) ++acked;
    else if (is_error(*f, v1::RATE_LIMITED)) ++limited;
    else ADD_FAILURE() << f->ShortDebugString();
  }
  EXPECT_TRUE(pending.empty()) << pending.size() << " answers missing";
  return {acked, limited};
}

TEST(AbuseLimits, OneUserSendingTooFastIsRefusedOnEveryDeviceOthersAreNot) {
  // 1 message/s sustained, bursts of 10.
  ServerProcess server({"--user-messages-per-second", "1", "--requests-per-second", "1000"});
  auto phone = connect_as(server, "alice", "phone");
  auto laptop = connect_as(server, "alice", "laptop");
  auto bob = connect_as(server, "bob", "b");
  auto [first_acked, first_limited] = send_burst(*phone, "d:alice:bob", 8, "p");
  auto [acked, limited] = send_burst(*laptop, "d:alice:bob", 8, "l");
  // The burst of ten goes through (perhaps one more, refilled meanwhile); the rest is refused.
  EXPECT_GE(first_acked + acked, 10);
  EXPECT_LE(first_acked + acked, 11);
  EXPECT_EQ(first_acked + acked + first_limited + limited, 16);
  auto [bob_acked, bob_limited] = send_burst(*bob, "d:alice:bob", 8, "b");
  EXPECT_EQ(bob_acked, 8);
  EXPECT_EQ(bob_limited, 0);
}

TEST(AbuseLimits, AConversationFloodedByManySendersIsRefusedOthersAreNot) {
  ServerProcess server({"--conversation-messages-per-second", "1", "--requests-per-second", "1000"});
  auto alice = connect_as(server, "alice", "a");
  auto bob = connect_as(server, "bob", "b");
  auto carol = connect_as(server, "carol", "c");
  auto group = must(*alice, frame([](auto& f) {
                 f.mutable_create_group()->set_name("flood");
                 f.mutable_create_group()->add_member_ids("bob");
                 f.mutable_create_group()->add_member_ids("carol");
               })).create_group().conversation().conversation_id();
  int acked = 0, limited = 0;
  for (auto* c : {alice.get(), bob.get(), carol.get()}) {
    auto [a, l] = send_burst(*c, group, 5, "m");
    acked += a;
    limited += l;
  }
  EXPECT_LE(acked, 11);  // a burst of ten, and perhaps one more refilled meanwhile
  EXPECT_GE(limited, 4);
  EXPECT_EQ(send_burst(*alice, "d:alice:bob", 3, "d").first, 3);  // another conversation is unaffected
}

TEST(AbuseLimits, GroupsAndFriendRequestsPerDayAreCapped) {
  ServerProcess server({"--max-groups-per-day", "2", "--max-friend-requests-per-day", "2"});
  auto alice = connect_as(server, "alice", "a");
  for (const char* u : {"bob", "carol", "dave"}) admin_user_token(server.port(), u, "d");
  auto create = frame([](auto& f) { f.mutable_create_group()->set_name("g"); });
  EXPECT_TRUE(alice->call(create).has_create_group());
  EXPECT_TRUE(alice->call(create).has_create_group());
  auto third = alice->call(create);
  ASSERT_TRUE(is_error(third, v1::RATE_LIMITED)) << third.ShortDebugString();
  EXPECT_NE(third.error().message().find("2 groups today"), std::string::npos) << third.error().message();
  for (const char* u : {"bob", "carol"}) {
    EXPECT_FALSE(alice->call(frame([&](auto& f) { f.mutable_send_friend_request()->set_user_id(u); })).has_error());
  }
  auto refused = alice->call(frame([](auto& f) { f.mutable_send_friend_request()->set_user_id("dave"); }));
  EXPECT_TRUE(is_error(refused, v1::RATE_LIMITED)) << refused.ShortDebugString();
}

TEST(AbuseLimits, ConnectionsPerAddressAreCapped) {
  ServerProcess server({"--max-connections-per-address", "3"});
  std::vector<std::unique_ptr<WsClient>> open;
  for (int i = 0; i < 3; ++i) open.push_back(std::make_unique<WsClient>(server.port(), Encoding::kJson));
  EXPECT_THROW(WsClient(server.port(), Encoding::kJson), std::exception) << "a fourth connection was accepted";
  auto refused = http_request(server.port(), "GET", "/healthz");
  EXPECT_EQ(refused.status, 200) << "plain HTTP requests are not WebSocket connections";
  // Once one closes, its slot comes back (as soon as the server has seen the close).
  open.pop_back();
  bool reconnected = false;
  for (auto deadline = std::chrono::steady_clock::now() + 5s; !reconnected && std::chrono::steady_clock::now() < deadline;) {
    try {
      WsClient again(server.port(), Encoding::kJson);
      reconnected = true;
    } catch (const std::exception&) {
      std::this_thread::sleep_for(20ms);  // polling the server for the effect of the close, bounded
    }
  }
  EXPECT_TRUE(reconnected);
}

TEST(AbuseLimits, PasswordsTokensAndMessageBodiesNeverReachTheLog) {
  ServerProcess server({"--log-level", "trace"});
  WsClient c(server.port(), Encoding::kJson);
  ASSERT_FALSE(register_user(c, "alice", "Sekrit-Passw0rd-77").has_error());
  ASSERT_FALSE(register_user(c, "bob", "another-Passw0rd-88").has_error());
  EXPECT_TRUE(is_error(login(c, "alice", "Wrong-Passw0rd-99"), v1::UNAUTHENTICATED));
  auto session = login(c, "alice", "Sekrit-Passw0rd-77");
  ASSERT_TRUE(session.has_login());
  const std::string token = session.login().session().token();
  const std::string refresh = session.login().session().refresh_token();
  c.send_text("d:alice:bob", "a body nobody else should read 4711");
  WsClient other(server.port(), Encoding::kBinary);
  other.authenticate(token);
  server.terminate();  // flushes the log
  const std::string log = server.log();
  EXPECT_FALSE(log.empty()) << "nothing was logged at trace level";
  for (const std::string& secret : {std::string("Sekrit-Passw0rd-77"), std::string("Wrong-Passw0rd-99"), token,
                                    refresh, std::string("a body nobody else should read 4711")}) {
    EXPECT_EQ(log.find(secret), std::string::npos) << "the log contains " << secret;
  }
}

}  // namespace
}  // namespace parley::testing
