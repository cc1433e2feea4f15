// Accounts and sessions over the real WebSocket API: registration, login, tokens, devices, policies.
#include "helpers.h"

namespace parley::testing {
namespace {

using protocol::Encoding;

TEST(Accounts, RegisterLoginThenAuthenticateAnotherConnectionWithTheToken) {
  ServerProcess server;
  WsClient c(server.port(), Encoding::kJson);
  auto reg = register_user(c, "alice", "correct horse");
  ASSERT_TRUE(reg.has_register_user()) << reg.ShortDebugString();
  EXPECT_EQ(reg.register_user().user().user_id(), "alice");
  auto session = c.login("alice", "correct horse", "laptop");
  EXPECT_FALSE(session.token().empty());
  EXPECT_FALSE(session.refresh_token().empty());
  EXPECT_GT(session.expires_at_ms(), 0);

  WsClient other(server.port(), Encoding::kBinary);
  v1::ClientFrame auth;
  auth.mutable_authenticate()->set_token(session.token());
  auto r = other.call(auth);
  ASSERT_TRUE(r.has_authenticate()) << r.ShortDebugString();
  EXPECT_EQ(r.authenticate().session().user().user_id(), "alice");
  EXPECT_EQ(r.authenticate().session().device_id(), "laptop");
}

TEST(Accounts, RegistrationErrors) {
  ServerProcess server;
  WsClient c(server.port(), Encoding::kJson);
  ASSERT_TRUE(register_user(c, "alice", "password1").has_register_user());
  EXPECT_ERROR(register_user(c, "alice", "password2"), v1::CONFLICT);
  EXPECT_ERROR(register_user(c, "bad id!", "password1"), v1::INVALID_ARGUMENT);
  EXPECT_ERROR(register_user(c, "bob", "short"), v1::INVALID_ARGUMENT);
}

TEST(Accounts, WrongPasswordAndUnknownUserLookTheSame) {
  ServerProcess server;
  WsClient c(server.port(), Encoding::kJson);
  ASSERT_TRUE(register_user(c, "alice", "password1").has_register_user());
  v1::ClientFrame f;
  f.mutable_login()->set_user_id("alice");
  f.mutable_login()->set_password("password2");
  f.mutable_login()->set_device_id("d");
  auto wrong = c.call(f);
  EXPECT_ERROR(wrong, v1::UNAUTHENTICATED);
  f.mutable_login()->set_user_id("nobody");
  auto unknown = c.call(f);
  EXPECT_ERROR(unknown, v1::UNAUTHENTICATED);
  EXPECT_EQ(wrong.error().message(), unknown.error().message());
}

TEST(Accounts, RequestsNeedAuthenticationExceptPing) {
  ServerProcess server;
  WsClient c(server.port(), Encoding::kBinary);
  v1::ClientFrame send;
  send.mutable_send_message()->set_conversation_id("d:a:b");
  send.mutable_send_message()->set_client_msg_id("x");
  send.mutable_send_message()->set_text("x");
  EXPECT_ERROR(c.call(send), v1::UNAUTHENTICATED);
  v1::ClientFrame sync;
  sync.mutable_sync();
  EXPECT_ERROR(c.call(sync), v1::UNAUTHENTICATED);
  EXPECT_TRUE(c.call(ping_frame()).has_ping());
  v1::ClientFrame bogus;
  bogus.mutable_authenticate()->set_token("not-a-token");
  EXPECT_ERROR(c.call(bogus), v1::UNAUTHENTICATED);
}

TEST(Accounts, RevokingADeviceKicksItAndKillsItsToken) {
  ServerProcess server;
  WsClient phone(server.port(), Encoding::kJson);
  ASSERT_TRUE(register_user(phone, "alice", "password1").has_register_user());
  auto phone_session = phone.login("alice", "password1", "phone", v1::IOS);
  WsClient laptop(server.port(), Encoding::kBinary);
  laptop.login("alice", "password1", "laptop", v1::LINUX);

  v1::ClientFrame list;
  list.mutable_list_devices();
  auto devices = laptop.call(list);
  ASSERT_TRUE(devices.has_list_devices()) << devices.ShortDebugString();
  ASSERT_EQ(devices.list_devices().devices_size(), 2);
  int current = 0;
  for (const auto& d : devices.list_devices().devices()) current += d.current() ? 1 : 0;
  EXPECT_EQ(current, 1);

  v1::ClientFrame revoke;
  revoke.mutable_revoke_device()->set_device_id("phone");
  ASSERT_TRUE(laptop.call(revoke).has_revoke_device());
  auto kicked = phone.wait_event([](const v1::Event& e) { return e.has_kicked(); });
  ASSERT_TRUE(kicked);
  EXPECT_EQ(kicked->event().kicked().reason(), v1::KickedEvent::REVOKED);
  EXPECT_EQ(phone.wait_closed(), 4001);

  WsClient again(server.port(), Encoding::kJson);
  v1::ClientFrame auth;
  auth.mutable_authenticate()->set_token(phone_session.token());
  EXPECT_ERROR(again.call(auth), v1::UNAUTHENTICATED);
  v1::ClientFrame unknown;
  unknown.mutable_revoke_device()->set_device_id("phone");
  EXPECT_ERROR(laptop.call(unknown), v1::NOT_FOUND);
}

TEST(Accounts, LogoutEndsTheSessionEverywhere) {
  ServerProcess server;
  WsClient c(server.port(), Encoding::kJson);
  ASSERT_TRUE(register_user(c, "alice", "password1").has_register_user());
  auto session = c.login("alice", "password1", "laptop");
  WsClient second(server.port(), Encoding::kJson);  // the same device's token on a second connection
  second.authenticate(session.token());
  v1::ClientFrame logout;
  logout.mutable_logout();
  ASSERT_TRUE(c.call(logout).has_logout());
  EXPECT_EQ(second.wait_closed(), 4001);
  v1::ClientFrame sync;
  sync.mutable_sync();
  EXPECT_ERROR(c.call(sync), v1::UNAUTHENTICATED);  // this connection is anonymous again
  WsClient third(server.port(), Encoding::kJson);
  v1::ClientFrame auth;
  auth.mutable_authenticate()->set_token(session.token());
  EXPECT_ERROR(third.call(auth), v1::UNAUTHENTICATED);
}

TEST(Accounts, RefreshRotatesBothTokens) {
  ServerProcess server;
  WsClient c(server.port(), Encoding::kJson);
  ASSERT_TRUE(register_user(c, "alice", "password1").has_register_user());
  auto first = c.login("alice", "password1", "laptop");

  WsClient r(server.port(), Encoding::kBinary);
  v1::ClientFrame refresh;
  refresh.mutable_refresh()->set_refresh_token(first.refresh_token());
  auto refreshed = r.call(refresh);
  ASSERT_TRUE(refreshed.has_refresh()) << refreshed.ShortDebugString();
  const auto& fresh = refreshed.refresh().session();
  EXPECT_NE(fresh.token(), first.token());
  EXPECT_TRUE(r.call(ping_frame()).has_ping());
  v1::ClientFrame sync;
  sync.mutable_sync();
  EXPECT_TRUE(r.call(sync).has_sync());  // the refreshing connection is now authenticated

  WsClient old_token(server.port(), Encoding::kBinary);
  v1::ClientFrame auth;
  auth.mutable_authenticate()->set_token(first.token());
  EXPECT_ERROR(old_token.call(auth), v1::UNAUTHENTICATED);
  EXPECT_ERROR(old_token.call(refresh), v1::UNAUTHENTICATED);  // a refresh token works once
  old_token.authenticate(fresh.token());
}

TEST(Accounts, ListDevicesMarksThisDeviceCurrentAfterARefreshElsewhere) {
  ServerProcess server;
  WsClient laptop(server.port(), Encoding::kJson);
  ASSERT_TRUE(register_user(laptop, "alice", "password1").has_register_user());
  auto session = laptop.login("alice", "password1", "laptop");
  WsClient phone(server.port(), Encoding::kBinary);
  phone.login("alice", "password1", "phone", v1::ANDROID);

  // Another connection refreshes the laptop's session: the token this connection authenticated with is
  // replaced, but this is still the laptop.
  WsClient other(server.port(), Encoding::kBinary);
  v1::ClientFrame refresh;
  refresh.mutable_refresh()->set_refresh_token(session.refresh_token());
  ASSERT_TRUE(other.call(refresh).has_refresh());

  v1::ClientFrame list;
  list.mutable_list_devices();
  auto devices = laptop.call(list);
  ASSERT_TRUE(devices.has_list_devices()) << devices.ShortDebugString();
  ASSERT_EQ(devices.list_devices().devices_size(), 2);
  for (const auto& d : devices.list_devices().devices()) {
    EXPECT_EQ(d.current(), d.device_id() == "laptop") << d.ShortDebugString();
  }
}

TEST(Accounts, RefreshDoesNotSwitchAnAuthenticatedConnectionToAnotherSession) {
  ServerProcess server;
  WsClient alice(server.port(), Encoding::kJson);
  ASSERT_TRUE(register_user(alice, "alice", "password1").has_register_user());
  ASSERT_TRUE(register_user(alice, "bob", "password2").has_register_user());
  auto laptop = alice.login("alice", "password1", "laptop");
  WsClient alice_phone(server.port(), Encoding::kJson);
  auto phone = alice_phone.login("alice", "password1", "phone");
  WsClient bob(server.port(), Encoding::kJson);
  auto bob_session = bob.login("bob", "password2", "pc");

  // Another user's refresh token, and the same user's on another device: both refused, nothing consumed.
  v1::ClientFrame other_user;
  other_user.mutable_refresh()->set_refresh_token(bob_session.refresh_token());
  auto conflict = alice.call(other_user);
  EXPECT_ERROR(conflict, v1::CONFLICT);
  EXPECT_EQ(conflict.error().message(), "this connection is authenticated as another session");
  v1::ClientFrame other_device;
  other_device.mutable_refresh()->set_refresh_token(phone.refresh_token());
  EXPECT_ERROR(alice.call(other_device), v1::CONFLICT);

  // This connection is still alice on the laptop: a message it sends comes from alice.
  alice.send_text("d:alice:bob", "still alice");
  auto at_bob = bob.wait_message();
  ASSERT_TRUE(at_bob);
  EXPECT_EQ(at_bob->sender_id(), "alice");

  // The refused refresh tokens still work where they belong.
  EXPECT_TRUE(bob.call(other_user).has_refresh());
  // Refreshing this connection's own session keeps working.
  v1::ClientFrame own;
  own.mutable_refresh()->set_refresh_token(laptop.refresh_token());
  auto refreshed = alice.call(own);
  ASSERT_TRUE(refreshed.has_refresh()) << refreshed.ShortDebugString();
  EXPECT_EQ(refreshed.refresh().session().device_id(), "laptop");
  v1::ClientFrame sync;
  sync.mutable_sync();
  EXPECT_TRUE(alice.call(sync).has_sync());
  // And an anonymous connection may still refresh any session.
  WsClient anonymous(server.port(), Encoding::kBinary);
  EXPECT_TRUE(anonymous.call(other_device).has_refresh());
}

TEST(Accounts, ExpiredTokenEndsTheSessionAndIsRefused) {
  ServerProcess server({"--token-ttl-seconds", "1"});
  WsClient c(server.port(), Encoding::kJson);
  ASSERT_TRUE(register_user(c, "alice", "password1").has_register_user());
  auto session = c.login("alice", "password1", "laptop");
  auto kicked = c.wait_event([](const v1::Event& e) { return e.has_kicked(); }, 10s);
  ASSERT_TRUE(kicked);
  EXPECT_EQ(kicked->event().kicked().reason(), v1::KickedEvent::EXPIRED);
  WsClient again(server.port(), Encoding::kJson);
  v1::ClientFrame auth;
  auth.mutable_authenticate()->set_token(session.token());
  EXPECT_ERROR(again.call(auth), v1::TOKEN_EXPIRED);
  v1::ClientFrame refresh;
  refresh.mutable_refresh()->set_refresh_token(session.refresh_token());
  EXPECT_TRUE(again.call(refresh).has_refresh());
}

TEST(Accounts, OneSessionPerPlatformClassKicksTheOlderOne) {
  ServerProcess server({"--device-policy", "one_per_platform_class"});
  WsClient iphone(server.port(), Encoding::kJson);
  ASSERT_TRUE(register_user(iphone, "alice", "password1").has_register_user());
  iphone.login("alice", "password1", "iphone", v1::IOS);
  WsClient desktop(server.port(), Encoding::kJson);
  desktop.login("alice", "password1", "desktop", v1::LINUX);
  WsClient android(server.port(), Encoding::kJson);
  android.login("alice", "password1", "android", v1::ANDROID);

  auto kicked = iphone.wait_event([](const v1::Event& e) { return e.has_kicked(); });
  ASSERT_TRUE(kicked);
  EXPECT_EQ(kicked->event().kicked().reason(), v1::KickedEvent::REPLACED);
  EXPECT_EQ(iphone.wait_closed(), 4001);
  EXPECT_TRUE(desktop.call(ping_frame()).has_ping());
  EXPECT_FALSE(desktop.is_closed());
  v1::ClientFrame list;
  list.mutable_list_devices();
  auto devices = android.call(list);
  ASSERT_EQ(devices.list_devices().devices_size(), 2);
}

TEST(Accounts, SelfRegistrationCanBeTurnedOff) {
  ServerProcess server({"--allow-registration", "false"});
  WsClient c(server.port(), Encoding::kJson);
  EXPECT_ERROR(register_user(c, "alice", "password1"), v1::PERMISSION_DENIED);
}

}  // namespace
}  // namespace parley::testing
