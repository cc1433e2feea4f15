// The admin HTTP API that app servers use to manage users and issue their tokens.
#include "helpers.h"

namespace parley::testing {
namespace {

using protocol::Encoding;
constexpr const char* kSecret = ServerProcess::kAdminSecret;

TEST(Admin, OffWithoutASecret) {
  ServerProcess server({"--admin-secret", ""});
  auto r = http_request(server.port(), "POST", "/v1/admin/users", R"({"user_id":"alice"})", "anything");
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(r.body.find("admin-secret"), std::string::npos) << r.body;
}

TEST(Admin, WrongOrMissingSecretIsUnauthorized) {
  ServerProcess server;
  EXPECT_EQ(http_request(server.port(), "POST", "/v1/admin/users", R"({"user_id":"alice"})", "wrong").status, 401);
  EXPECT_EQ(http_request(server.port(), "POST", "/v1/admin/users", R"({"user_id":"alice"})").status, 401);
}

TEST(Admin, CreateUpdateAndIssueTokens) {
  ServerProcess server;
  auto created = http_request(server.port(), "POST", "/v1/admin/users",
                              R"({"user_id":"u-42","display_name":"Ada"})", kSecret);
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_NE(created.body.find("\"display_name\":\"Ada\""), std::string::npos) << created.body;
  EXPECT_EQ(http_request(server.port(), "POST", "/v1/admin/users", R"({"user_id":"u-42"})", kSecret).status, 409);
  EXPECT_EQ(http_request(server.port(), "POST", "/v1/admin/users", R"({"user_id":)", kSecret).status, 400);
  EXPECT_EQ(http_request(server.port(), "POST", "/v1/admin/users", R"({"user_id":"a b"})", kSecret).status, 400);
  EXPECT_EQ(http_request(server.port(), "GET", "/v1/admin/users/nobody", "", kSecret).status, 404);

  auto patched = http_request(server.port(), "PATCH", "/v1/admin/users/u-42", R"({"display_name":"Ada L."})", kSecret);
  ASSERT_EQ(patched.status, 200) << patched.body;
  auto got = http_request(server.port(), "GET", "/v1/admin/users/u-42", "", kSecret);
  EXPECT_NE(got.body.find("Ada L."), std::string::npos) << got.body;

  // A token issued by the app server authenticates a WebSocket connection.
  std::string token = admin_user_token(server.port(), "u-42", "web-1");
  WsClient c(server.port(), Encoding::kJson);
  c.authenticate(token);
  v1::ClientFrame sync;
  sync.mutable_sync();
  EXPECT_TRUE(c.call(sync).has_sync());
}

TEST(Admin, DisablingAUserKicksItsDevicesAndBlocksLogin) {
  ServerProcess server;
  std::string token = admin_user_token(server.port(), "alice", "phone", "password1");
  WsClient c(server.port(), Encoding::kJson);
  c.authenticate(token);
  auto r = http_request(server.port(), "PATCH", "/v1/admin/users/alice", R"({"disabled":true})", kSecret);
  ASSERT_EQ(r.status, 200) << r.body;
  auto kicked = c.wait_event([](const v1::Event& e) { return e.has_kicked(); });
  ASSERT_TRUE(kicked);
  EXPECT_EQ(kicked->event().kicked().reason(), v1::KickedEvent::DISABLED);

  WsClient again(server.port(), Encoding::kJson);
  v1::ClientFrame login;
  login.mutable_login()->set_user_id("alice");
  login.mutable_login()->set_password("password1");
  login.mutable_login()->set_device_id("phone");
  EXPECT_ERROR(again.call(login), v1::PERMISSION_DENIED);
  v1::ClientFrame auth;
  auth.mutable_authenticate()->set_token(token);
  EXPECT_ERROR(again.call(auth), v1::UNAUTHENTICATED);
  auto issue = http_request(server.port(), "POST", "/v1/admin/users/alice/tokens", R"({"device_id":"x"})", kSecret);
  EXPECT_EQ(issue.status, 403);

  ASSERT_EQ(http_request(server.port(), "PATCH", "/v1/admin/users/alice", R"({"disabled":false})", kSecret).status, 200);
  again.login("alice", "password1", "phone");
}

TEST(Admin, RevokingAllSessionsKicksAndAnUnknownUserIsNotFound) {
  ServerProcess server;
  std::string token = admin_user_token(server.port(), "alice", "phone");
  WsClient c(server.port(), Encoding::kJson);
  c.authenticate(token);
  auto unknown = http_request(server.port(), "DELETE", "/v1/admin/users/nobody/sessions", "", kSecret);
  EXPECT_EQ(unknown.status, 404) << unknown.body;
  EXPECT_NE(unknown.body.find("NOT_FOUND"), std::string::npos) << unknown.body;
  EXPECT_TRUE(c.call(ping_frame()).has_ping());  // nobody else was touched

  auto revoked = http_request(server.port(), "DELETE", "/v1/admin/users/alice/sessions", "", kSecret);
  ASSERT_EQ(revoked.status, 200) << revoked.body;
  EXPECT_EQ(revoked.body, "{}");
  auto kicked = c.wait_event([](const v1::Event& e) { return e.has_kicked(); });
  ASSERT_TRUE(kicked);
  EXPECT_EQ(kicked->event().kicked().reason(), v1::KickedEvent::REVOKED);
  // A user without sessions is still a user: 200, not 404.
  EXPECT_EQ(http_request(server.port(), "DELETE", "/v1/admin/users/alice/sessions", "", kSecret).status, 200);
}

TEST(Admin, HealthReadinessAndMetrics) {
  ServerProcess server;
  EXPECT_EQ(http_request(server.port(), "GET", "/healthz").status, 200);
  EXPECT_EQ(http_request(server.port(), "GET", "/readyz").status, 200);
  auto metrics = http_request(server.port(), "GET", "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("parley_connections "), std::string::npos);
  EXPECT_NE(metrics.body.find("parley_store_commit_seconds_bucket"), std::string::npos);
  EXPECT_NE(metrics.body.find("parley_errors_total{code=\"RATE_LIMITED\"}"), std::string::npos);
  EXPECT_EQ(http_request(server.port(), "GET", "/nope").status, 404);
}

}  // namespace
}  // namespace parley::testing
