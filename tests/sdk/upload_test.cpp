// libparley media uploads against a real parleyd: progress through the callback, stopping half way and
// resuming from the upload's URL, the C API, and sending the blob in a message.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <vector>

#include <future>

#include "http_client.h"
#include "parley/parley_upload.h"
#include "parley/upload.h"
#include "sdk_test_support.h"
#include "server_process.h"

namespace parley::testing {
namespace {

namespace fs = std::filesystem;

class UploadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("parley-upload-test-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    token_ = admin_user_token(server_.port(), "alice", "uploader");
    server_url_ = "127.0.0.1:" + std::to_string(server_.port());
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string image(const std::string& name, int w, int h) {
    std::string path = (dir_ / name).string();
    std::string cmd = "vips gaussnoise " + path + " " + std::to_string(w) + " " + std::to_string(h) + " >/dev/null 2>&1";
    EXPECT_EQ(std::system(cmd.c_str()), 0);
    return path;
  }
  UploadOptions options(size_t chunk) {
    UploadOptions o;
    o.server = server_url_;
    o.token = token_;
    o.chunk_bytes = chunk;
    return o;
  }

  ServerProcess server_;
  fs::path dir_;
  std::string token_, server_url_;
};

TEST_F(UploadTest, ReportsProgressAndReturnsTheBlob) {
  std::string path = image("photo.png", 600, 400);
  const uint64_t size = fs::file_size(path);
  std::vector<UploadProgress> seen;
  auto blob = upload_file(path, options(64 * 1024), [&](const UploadProgress& p) {
    seen.push_back(p);
    return true;
  });
  ASSERT_TRUE(blob) << blob.error().message;
  EXPECT_EQ(blob->blob_id.size(), 64u);
  EXPECT_EQ(blob->mime_type, "image/png");
  EXPECT_EQ(blob->width, 600u);
  EXPECT_EQ(blob->height, 400u);
  EXPECT_EQ(blob->thumbnail_blob_id, blob->blob_id + ".t320");
  ASSERT_GE(seen.size(), size / (64 * 1024));
  EXPECT_EQ(seen.front().sent, 0u);
  EXPECT_EQ(seen.back().sent, size);
  for (size_t i = 1; i < seen.size(); ++i) {
    EXPECT_GT(seen[i].sent, seen[i - 1].sent);
    EXPECT_EQ(seen[i].total, size);
  }
  EXPECT_EQ(media_kind_for(blob->mime_type), 3);
}

TEST_F(UploadTest, StopsWhenAskedAndResumesWhereTheServerIs) {
  std::string path = image("big.png", 800, 600);
  const uint64_t size = fs::file_size(path);
  std::string url;
  auto stopped = upload_file(path, options(50 * 1024), [&](const UploadProgress& p) {
    url = p.upload_url;
    return p.sent < 100 * 1024;  // stop after the second chunk
  });
  ASSERT_FALSE(stopped);
  EXPECT_EQ(stopped.error().code, kErrorStopped);
  ASSERT_TRUE(url.starts_with("/v1/media/uploads/")) << url;

  UploadOptions o = options(50 * 1024);
  o.resume_url = url;
  std::vector<uint64_t> offsets;
  auto resumed = upload_file(path, o, [&](const UploadProgress& p) {
    offsets.push_back(p.sent);
    return true;
  });
  ASSERT_TRUE(resumed) << resumed.error().message;
  ASSERT_FALSE(offsets.empty());
  EXPECT_EQ(offsets.front(), 100u * 1024) << "resumed where the server was, not from 0";
  EXPECT_EQ(offsets.back(), size);
  EXPECT_EQ(resumed->width, 800u);
  EXPECT_EQ(resumed->upload_url, url);
}

TEST_F(UploadTest, CApiUploadsWithProgress) {
  std::string path = image("c.png", 200, 100);
  struct Seen {
    uint64_t last = 0, total = 0;
    int calls = 0;
  } seen;
  parley_string blob{}, error{};
  int status = parley_upload_file(
      server_url_.c_str(), token_.c_str(), path.c_str(), R"({"chunk_bytes": 16384})", 22,
      [](void* user, uint64_t sent, uint64_t total) {
        auto* s = static_cast<Seen*>(user);
        s->last = sent;
        s->total = total;
        ++s->calls;
        return 1;
      },
      &seen, &blob, &error);
  ASSERT_EQ(status, PARLEY_OK) << (error.data ? error.data : "");
  ASSERT_NE(blob.data, nullptr);
  std::string json(blob.data, blob.len);
  EXPECT_NE(json.find("\"mime_type\":\"image/png\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"upload_url\":\"/v1/media/uploads/"), std::string::npos) << json;
  EXPECT_EQ(seen.last, seen.total);
  EXPECT_GT(seen.calls, 1);
  parley_string_free(&blob);
  parley_string_free(&error);

  status = parley_upload_file(server_url_.c_str(), "wrong-token", path.c_str(), nullptr, 0, nullptr, nullptr, &blob,
                              &error);
  EXPECT_EQ(status, 1) << "UNAUTHENTICATED";
  parley_string_free(&blob);
  parley_string_free(&error);
}

template <typename T, typename Call>
ClientResult<T> await_result(Call call) {
  auto done = std::make_shared<std::promise<ClientResult<T>>>();
  auto result = done->get_future();
  call([done](ClientResult<T> r) { done->set_value(std::move(r)); });
  if (result.wait_for(20s) != std::future_status::ready) return std::unexpected(ClientError{kErrorTimeout, "no answer"});
  return result.get();
}

// The whole path through a Client: its token uploads, send_media sends, the other side's client stores the
// image message and gets a signed URL that a plain HTTP GET can use.
TEST_F(UploadTest, ClientSendsTheBlobAndTheRecipientGetsASignedUrl) {
  TempDir dir;
  Recorder alice_events, bob_events;
  auto alice = make_client(fast_options(server_.port(), dir.file("alice.db"), "phone"), alice_events);
  auto bob = make_client(fast_options(server_.port(), dir.file("bob.db"), "phone"), bob_events);
  ASSERT_TRUE(alice && bob);
  ASSERT_TRUE(await_result<SessionSummary>([&](auto d) { alice->use_token(admin_user_token(server_.port(), "alice", "phone"), d); }));
  ASSERT_TRUE(await_result<SessionSummary>([&](auto d) { bob->use_token(admin_user_token(server_.port(), "bob", "phone"), d); }));
  ASSERT_TRUE(alice_events.wait_state(ConnectionState::kConnected));
  ASSERT_TRUE(bob_events.wait_state(ConnectionState::kConnected));

  UploadOptions o = options(1 << 20);
  o.token = alice->session_token();
  ASSERT_FALSE(o.token.empty());
  auto blob = upload_file(image("sent.png", 120, 80), o);
  ASSERT_TRUE(blob) << blob.error().message;
  auto ack = await_result<std::string>([&](auto d) {
    alice->send_media("d:alice:bob", 0, blob->blob_id, blob->mime_type, "sent.png", "caption", d);
  });
  ASSERT_TRUE(ack) << ack.error().message;
  EXPECT_NE(ack->find("\"seq\""), std::string::npos) << *ack;
  ASSERT_TRUE(bob_events.wait([&] {
    for (const auto& m : bob_events.messages)
      if (m.conversation_id == "d:alice:bob" && m.json.find(blob->blob_id) != std::string::npos) return true;
    return false;
  })) << "bob's client stores the image message";

  auto url = await_result<std::string>([&](auto d) { bob->blob_url(blob->blob_id, "sent.png", d); });
  ASSERT_TRUE(url) << url.error().message;
  auto at = url->find("/v1/media/blobs/");
  ASSERT_NE(at, std::string::npos) << *url;
  std::string path = url->substr(at, url->find('"', at) - at);
  for (size_t amp; (amp = path.find("\\u0026")) != std::string::npos;) path.replace(amp, 6, "&");  // JSON may escape &
  auto fetched = http_call(server_.port(), "GET", path, {});
  EXPECT_EQ(fetched.status, 200) << path;
  EXPECT_EQ(fetched.body.size(), blob->size_bytes);

  auto missing = await_result<std::string>([&](auto d) { bob->blob_url(std::string(64, '0'), "", d); });
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, 4) << "NOT_FOUND";
}

}  // namespace
}  // namespace parley::testing
