#include "sdk/client_tls.h"

#include <boost/asio/ip/address.hpp>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

namespace parley::sdk {

namespace ssl = boost::asio::ssl;

std::shared_ptr<ssl::context> make_client_tls_context(const std::string& ca_file, std::string& error) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
  ctx->set_verify_mode(ssl::verify_peer);
  boost::system::error_code ec;
  if (ca_file.empty()) ctx->set_default_verify_paths(ec);
  else ctx->load_verify_file(ca_file, ec);
  if (ec) {
    error = ca_file.empty() ? "cannot load the system's CA certificates: " + ec.message()
                            : "cannot read the CA file " + ca_file + ": " + ec.message();
    return nullptr;
  }
  return ctx;
}

bool expect_server_name(SSL* connection, const std::string& host) {
  boost::system::error_code not_ip;
  boost::asio::ip::make_address(host, not_ip);
  X509_VERIFY_PARAM* param = SSL_get0_param(connection);
  if (!not_ip) return X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) == 1;  // no SNI for an address
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  return SSL_set1_host(connection, host.c_str()) == 1 && SSL_set_tlsext_host_name(connection, host.c_str()) == 1;
}

}  // namespace parley::sdk
