#include "server/net/tls_context.h"

#include <openssl/ssl.h>

#include <stdexcept>

namespace parley::server {

namespace ssl = boost::asio::ssl;

namespace {

// TLS 1.2 suites with forward secrecy and authenticated encryption; TLS 1.3 has only such suites.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

[[noreturn]] void fail(const std::string& what, const boost::system::error_code& ec) {
  throw std::runtime_error(what + ": " + ec.message());
}

}  // namespace

std::shared_ptr<ssl::context> make_tls_context(const std::string& cert_file, const std::string& key_file) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  boost::system::error_code ec;
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                       ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use,
                   ec);
  SSL_CTX* native = ctx->native_handle();
  if (ec || SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1 ||
      SSL_CTX_set_cipher_list(native, kTls12Ciphers) != 1) {
    throw std::runtime_error("TLS: cannot restrict the context to TLS 1.2+");
  }
  SSL_CTX_set_options(native, SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_RENEGOTIATION);
  ctx->use_certificate_chain_file(cert_file, ec);
  if (ec) fail("TLS certificate " + cert_file, ec);
  ctx->use_private_key_file(key_file, ssl::context::pem, ec);  // also checks that it matches the certificate
  if (ec) fail("TLS private key " + key_file, ec);
  return ctx;
}

TlsCredentials::TlsCredentials(std::string cert_file, std::string key_file)
    : cert_file_(std::move(cert_file)), key_file_(std::move(key_file)),
      current_(make_tls_context(cert_file_, key_file_)) {}

std::shared_ptr<ssl::context> TlsCredentials::current() const {
  std::lock_guard lock(mutex_);
  return current_;
}

std::optional<std::string> TlsCredentials::reload() {
  std::shared_ptr<ssl::context> fresh;
  try {
    fresh = make_tls_context(cert_file_, key_file_);
  } catch (const std::exception& e) {
    return e.what();
  }
  std::lock_guard lock(mutex_);
  current_ = std::move(fresh);
  return std::nullopt;
}

}  // namespace parley::server
