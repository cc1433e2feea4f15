// The TLS context of the tls_listen port: what it accepts, and the errors an operator sees for bad files.
#include "server/net/tls_context.h"

#include <openssl/ssl.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "test_pki.h"

namespace parley::server {
namespace {

using parley::testing::TestPki;

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

TEST(TlsContext, AllowsTls12AndNewerOnly) {
  TestPki pki;
  pki.issue("server", 1);
  auto ctx = make_tls_context(pki.cert_file("server"), pki.key_file("server"));
  EXPECT_EQ(SSL_CTX_get_min_proto_version(ctx->native_handle()), TLS1_2_VERSION);
  EXPECT_NE(SSL_CTX_get_options(ctx->native_handle()) & SSL_OP_NO_TLSv1_1, 0u);
}

TEST(TlsContext, NamesTheFileThatCannotBeUsed) {
  TestPki pki;
  pki.issue("one", 1);
  pki.issue("two", 2);
  EXPECT_NE(error_of([&] { make_tls_context(pki.path("missing.pem"), pki.key_file("one")); })
                .find("TLS certificate " + pki.path("missing.pem")),
            std::string::npos);
  std::ofstream(pki.path("garbage.key")) << "not a key\n";
  EXPECT_NE(error_of([&] { make_tls_context(pki.cert_file("one"), pki.path("garbage.key")); })
                .find("TLS private key " + pki.path("garbage.key")),
            std::string::npos);
  const std::string mismatch = error_of([&] { make_tls_context(pki.cert_file("one"), pki.key_file("two")); });
  EXPECT_NE(mismatch.find("TLS private key " + pki.key_file("two")), std::string::npos) << mismatch;
  EXPECT_NE(mismatch.find("mismatch"), std::string::npos) << mismatch;
}

TEST(TlsContext, AFailedReloadKeepsTheCurrentContext) {
  TestPki pki;
  pki.issue("server", 1);
  TlsCredentials credentials(pki.cert_file("server"), pki.key_file("server"));
  auto first = credentials.current();
  pki.issue("server", 2);
  EXPECT_EQ(credentials.reload(), std::nullopt);
  auto second = credentials.current();
  EXPECT_NE(first, second);
  std::ofstream(pki.cert_file("server"), std::ios::trunc) << "truncated\n";
  auto failed = credentials.reload();
  ASSERT_TRUE(failed.has_value());
  EXPECT_NE(failed->find("TLS certificate"), std::string::npos) << *failed;
  EXPECT_EQ(credentials.current(), second);
}

}  // namespace
}  // namespace parley::server
