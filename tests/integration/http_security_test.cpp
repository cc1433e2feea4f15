// The HTTP API's security headers and its CORS allow-list (cors_origins), for plain requests, preflights,
// media uploads and WebSocket upgrades.
#include "helpers.h"

namespace parley::testing {
namespace {

const HttpHeaders kUpgrade = {{"Connection", "Upgrade"},
                              {"Upgrade", "websocket"},
                              {"Sec-WebSocket-Version", "13"},
                              {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="}};

HttpHeaders with(HttpHeaders headers, const std::string& name, const std::string& value) {
  headers.emplace_back(name, value);
  return headers;
}

TEST(HttpSecurity, EveryAnswerCarriesTheSecurityHeaders) {
  ServerProcess server;
  for (const char* target : {"/healthz", "/no/such/endpoint", "/v1/admin/users", "/v1/media/blobs/unknown"}) {
    auto r = http_request(server.port(), "GET", target);
    EXPECT_EQ(r.headers["x-content-type-options"], "nosniff") << target;
    EXPECT_EQ(r.headers["x-frame-options"], "DENY") << target;
    EXPECT_EQ(r.headers["referrer-policy"], "no-referrer") << target;
    EXPECT_FALSE(r.headers["content-security-policy"].empty()) << target;
    EXPECT_EQ(r.headers.count("access-control-allow-origin"), 0u) << target << ": no origin is listed by default";
  }
}

TEST(HttpSecurity, OnlyListedOriginsGetCorsAnswers) {
  ServerProcess server({"--cors-origins", "https://app.example.com, https://admin.example.com/"});
  auto listed = http_request(server.port(), "GET", "/healthz", "", "", {{"Origin", "https://app.example.com"}});
  EXPECT_EQ(listed.headers["access-control-allow-origin"], "https://app.example.com");
  EXPECT_EQ(listed.headers["vary"], "Origin");
  auto other = http_request(server.port(), "GET", "/healthz", "", "", {{"Origin", "https://evil.example.com"}});
  EXPECT_EQ(other.status, 200);
  EXPECT_EQ(other.headers.count("access-control-allow-origin"), 0u);

  // A preflight for a tus upload from a listed origin, then from another one.
  HttpHeaders preflight = {{"Access-Control-Request-Method", "PATCH"},
                           {"Access-Control-Request-Headers", "authorization, upload-offset, tus-resumable"}};
  auto ok = http_request(server.port(), "OPTIONS", "/v1/media/uploads/x", "", "",
                         with(preflight, "Origin", "https://admin.example.com"));
  EXPECT_EQ(ok.status, 204);
  EXPECT_EQ(ok.headers["access-control-allow-origin"], "https://admin.example.com");
  EXPECT_NE(ok.headers["access-control-allow-methods"].find("PATCH"), std::string::npos);
  EXPECT_NE(ok.headers["access-control-allow-headers"].find("Upload-Offset"), std::string::npos);
  auto refused = http_request(server.port(), "OPTIONS", "/v1/media/uploads/x", "", "",
                              with(preflight, "Origin", "https://evil.example.com"));
  EXPECT_EQ(refused.status, 403);
  EXPECT_EQ(refused.headers.count("access-control-allow-origin"), 0u);

  // Media answers carry the CORS headers too (here: an upload without a token).
  auto media = http_request(server.port(), "POST", "/v1/media/uploads", "", "",
                            {{"Origin", "https://app.example.com"}, {"Tus-Resumable", "1.0.0"}, {"Upload-Length", "5"}});
  EXPECT_EQ(media.status, 401);
  EXPECT_EQ(media.headers["access-control-allow-origin"], "https://app.example.com");
}

TEST(HttpSecurity, WebSocketsFromPagesOfUnlistedOriginsAreRefused) {
  ServerProcess server({"--cors-origins", "https://app.example.com"});
  const std::string self = "http://127.0.0.1";  // the test client sends Host: 127.0.0.1
  EXPECT_EQ(http_request(server.port(), "GET", "/v1/ws", "", "", with(kUpgrade, "Origin", self)).status, 101);
  EXPECT_EQ(http_request(server.port(), "GET", "/v1/ws", "", "", with(kUpgrade, "Origin", "https://app.example.com"))
                .status,
            101);
  auto refused = http_request(server.port(), "GET", "/v1/ws", "", "", with(kUpgrade, "Origin", "https://evil.example.com"));
  EXPECT_EQ(refused.status, 403);
  EXPECT_NE(refused.body.find("cors_origins"), std::string::npos);
  // Not a browser: no Origin header at all.
  EXPECT_EQ(http_request(server.port(), "GET", "/v1/ws", "", "", kUpgrade).status, 101);
}

}  // namespace
}  // namespace parley::testing
