// libparley over TLS against a real parleyd with a certificate from a CA the test makes: wss:// for the
// connection and https:// for an upload when the app supplies its CA file, and a clear reason when the
// certificate cannot be verified.
#include <gtest/gtest.h>

#include <cstdlib>
#include <future>

#include "parley/upload.h"
#include "sdk_test_support.h"
#include "server_process.h"
#include "test_pki.h"
#include "ws_client.h"

namespace parley::testing {
namespace {

bool use_token(Client& client, const std::string& token) {
  std::promise<bool> done;
  client.use_token(token, [&](ClientResult<SessionSummary> r) { done.set_value(r.has_value()); });
  auto f = done.get_future();
  return f.wait_for(20s) == std::future_status::ready && f.get();
}

class SdkTls : public ::testing::Test {
 protected:
  SdkTls() : server_([this] {
      pki_.issue("server", 5);
      return std::vector<std::string>{"--tls-listen", "127.0.0.1:0", "--tls-cert-file", pki_.cert_file("server"),
                                      "--tls-key-file", pki_.key_file("server")};
    }()) {}

  ClientOptions options(const std::string& ca_file) {
    auto o = fast_options(server_.port(), dir_.file("alice.db"), "laptop");
    o.server_url = "wss://localhost:" + std::to_string(server_.tls_port()) + "/v1/ws";
    o.tls_ca_file = ca_file;
    return o;
  }

  TestPki pki_;
  ServerProcess server_;
  TempDir dir_;
};

TEST_F(SdkTls, ConnectsOverWssAndUploadsOverHttpsWithTheAppsCa) {
  auto bob = std::make_unique<WsClient>(server_.port(), protocol::Encoding::kBinary);
  bob->authenticate(admin_user_token(server_.port(), "bob", "phone"));
  const std::string token = admin_user_token(server_.port(), "alice", "laptop");
  Recorder r;
  auto alice = make_client(options(pki_.ca_file()), r);
  ASSERT_TRUE(alice);
  ASSERT_TRUE(use_token(*alice, token));
  ASSERT_TRUE(r.wait_state(ConnectionState::kConnected)) << r.last_detail;
  auto id = alice->send_text("d:alice:bob", "sent over wss");
  ASSERT_TRUE(id);
  ASSERT_TRUE(r.wait([&] { return r.sent.contains(*id); }));
  auto got = bob->wait_message();
  ASSERT_TRUE(got);
  EXPECT_EQ(got->text(), "sent over wss");

  const std::string file = dir_.file("notes.txt");
  ASSERT_EQ(std::system(("printf 'meeting notes\\n' > " + file).c_str()), 0);
  UploadOptions upload;
  upload.server = "https://localhost:" + std::to_string(server_.tls_port());
  upload.tls_ca_file = pki_.ca_file();
  upload.token = token;
  auto blob = upload_file(file, upload, nullptr);
  ASSERT_TRUE(blob) << blob.error().message;
  EXPECT_FALSE(blob->blob_id.empty());
  upload.tls_ca_file.clear();  // the system's CA certificates do not include the test CA
  auto refused = upload_file(file, upload, nullptr);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("certificate verify failed"), std::string::npos) << refused.error().message;
}

TEST_F(SdkTls, ACertificateTheClientCannotVerifyIsReportedAndNotUsed) {
  const std::string token = admin_user_token(server_.port(), "alice", "laptop");
  Recorder r;
  auto alice = make_client(options(""), r);  // only the system's CA certificates
  ASSERT_TRUE(alice);
  alice->use_token(token, [](ClientResult<SessionSummary>) {});
  ASSERT_TRUE(r.wait([&] { return r.last_detail.find("certificate verify failed") != std::string::npos; }))
      << r.last_detail;
  EXPECT_TRUE(r.locked([&] {
    return std::find(r.states.begin(), r.states.end(), ConnectionState::kConnected) == r.states.end();
  }));
  TempDir other;
  auto missing = options(other.file("no-such-ca.pem"));
  missing.database_path = other.file("alice.db");
  Recorder r2;
  auto with_missing_ca = make_client(missing, r2);
  ASSERT_TRUE(with_missing_ca);
  with_missing_ca->use_token(token, [](ClientResult<SessionSummary>) {});
  ASSERT_TRUE(r2.wait([&] { return r2.last_detail.find("cannot read the CA file") != std::string::npos; }))
      << r2.last_detail;
}

}  // namespace
}  // namespace parley::testing
