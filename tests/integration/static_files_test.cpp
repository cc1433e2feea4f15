// parleyd serving the web client (--web-root): content types, caching, the SPA fallback, refused traversal,
// 404 for missing assets, and the plain home page when there is no web client.
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <filesystem>
#include <fstream>
#include <random>

#include "helpers.h"

namespace parley::testing {
namespace {

namespace fs = std::filesystem;
namespace http = boost::beast::http;

struct Response {
  int status = 0;
  std::string body;
  std::string content_type;
  std::string cache_control;
  std::string csp;
};

// A GET with the target sent exactly as given (no normalisation), so traversal attempts reach the server.
Response get(uint16_t port, const std::string& target) {
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::socket socket(ioc);
  socket.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  http::request<http::empty_body> req(http::verb::get, target, 11);
  req.set(http::field::host, "127.0.0.1");
  http::write(socket, req);
  boost::beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(socket, buffer, res);
  return Response{static_cast<int>(res.result_int()), res.body(), std::string(res[http::field::content_type]),
                  std::string(res[http::field::cache_control]),
                  std::string(res["Content-Security-Policy"])};
}

void write_file(const fs::path& path, const std::string& contents) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << contents;
}

// A web root like Vite's build, plus a secret file beside it that traversal attempts aim at.
class StaticFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fs::temp_directory_path() / ("parley-web-" + std::to_string(std::random_device{}()));
    root_ = base_ / "dist";
    write_file(root_ / "index.html", "<!doctype html><title>Parley web</title>");
    write_file(root_ / "assets" / "index-abc123.js", "console.log('app')");
    write_file(root_ / "assets" / "index-abc123.css", "body{}");
    write_file(root_ / "favicon.svg", "<svg/>");
    write_file(root_ / "manifest.webmanifest", "{}");
    write_file(base_ / "secret.txt", "top secret");
    fs::create_symlink(base_ / "secret.txt", root_ / "escape.txt");
    fs::create_symlink(root_ / "favicon.svg", root_ / "icon.svg");
  }
  void TearDown() override { fs::remove_all(base_); }

  fs::path base_, root_;
};

TEST_F(StaticFilesTest, ServesFilesWithTheirTypesAndCaching) {
  ServerProcess server({"--web-root", root_.string()});
  auto index = get(server.port(), "/");
  ASSERT_EQ(index.status, 200);
  EXPECT_EQ(index.body, "<!doctype html><title>Parley web</title>");
  EXPECT_EQ(index.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(index.cache_control, "no-cache");
  EXPECT_NE(index.csp.find("default-src 'self'"), std::string::npos) << index.csp;
  EXPECT_NE(index.csp.find("connect-src 'self'"), std::string::npos) << index.csp;

  auto js = get(server.port(), "/assets/index-abc123.js");
  ASSERT_EQ(js.status, 200);
  EXPECT_EQ(js.body, "console.log('app')");
  EXPECT_EQ(js.content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(js.cache_control, "public, max-age=31536000, immutable");

  EXPECT_EQ(get(server.port(), "/assets/index-abc123.css").content_type, "text/css; charset=utf-8");
  EXPECT_EQ(get(server.port(), "/favicon.svg").content_type, "image/svg+xml");
  EXPECT_EQ(get(server.port(), "/favicon.svg").cache_control, "no-cache");
  EXPECT_EQ(get(server.port(), "/manifest.webmanifest").content_type, "application/manifest+json");
  EXPECT_EQ(get(server.port(), "/index.html?v=2").body, index.body);
  // A symlink that stays inside the root is served.
  EXPECT_EQ(get(server.port(), "/icon.svg").body, "<svg/>");
  // Percent-encoded names are decoded.
  EXPECT_EQ(get(server.port(), "/assets/index%2Dabc123.js").status, 200);
}

TEST_F(StaticFilesTest, AppRoutesFallBackToIndexButApiPathsDoNot) {
  ServerProcess server({"--web-root", root_.string()});
  for (const char* route : {"/c/d:alice:bob", "/c/d:a.b:carol", "/friends", "/search?q=x"}) {
    auto r = get(server.port(), route);
    EXPECT_EQ(r.status, 200) << route;
    EXPECT_EQ(r.body, "<!doctype html><title>Parley web</title>") << route;
    EXPECT_EQ(r.cache_control, "no-cache") << route;
  }
  auto api = get(server.port(), "/v1/nothing");
  EXPECT_EQ(api.status, 404);
  EXPECT_NE(api.body.find("no such endpoint"), std::string::npos) << api.body;
  EXPECT_EQ(get(server.port(), "/healthz").body, "ok\n");
  EXPECT_EQ(get(server.port(), "/readyz").status, 200);
}

TEST_F(StaticFilesTest, MissingAssetsAre404) {
  ServerProcess server({"--web-root", root_.string()});
  EXPECT_EQ(get(server.port(), "/assets/index-old999.js").status, 404);
  EXPECT_EQ(get(server.port(), "/assets/whatever").status, 404);
  EXPECT_EQ(get(server.port(), "/favicon.ico").status, 404);
  EXPECT_EQ(get(server.port(), "/robots.txt").status, 404);
}

TEST_F(StaticFilesTest, TraversalAndEscapingSymlinksAreRefused) {
  ServerProcess server({"--web-root", root_.string()});
  for (const char* target : {"/../secret.txt", "/assets/../../secret.txt", "/%2e%2e/secret.txt",
                             "/assets/%2E%2E/%2e%2e/secret.txt", "/..%2fsecret.txt", "/..%5csecret.txt",
                             "/./index.html", "/index.html%00.js", "/%zz", "/%2"}) {
    auto r = get(server.port(), target);
    EXPECT_EQ(r.status, 400) << target;
    EXPECT_EQ(r.body.find("top secret"), std::string::npos) << target;
  }
  // The symlink pointing out of the root is not served (a missing .txt file: 404).
  auto escape = get(server.port(), "/escape.txt");
  EXPECT_EQ(escape.status, 404);
  EXPECT_EQ(escape.body.find("top secret"), std::string::npos);
}

TEST_F(StaticFilesTest, WithoutAWebRootTheHomePageStays) {
  ServerProcess server({"--web-root", (base_ / "does-not-exist").string()});
  auto home = get(server.port(), "/");
  EXPECT_EQ(home.status, 200);
  EXPECT_NE(home.body.find("Parley is running"), std::string::npos) << home.body;
  EXPECT_EQ(get(server.port(), "/c/d:alice:bob").status, 404);
  EXPECT_EQ(get(server.port(), "/assets/index-abc123.js").status, 404);
}

}  // namespace
}  // namespace parley::testing
