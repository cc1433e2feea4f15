// TLS for the SDK's connections to wss:// and https:// servers: TLS 1.2 or newer, the server's certificate
// checked against the system's trust store (or the app's own CA file) and against the host name.
#pragma once

#include <boost/asio/ssl/context.hpp>

#include <memory>
#include <string>

namespace parley::sdk {

// A client context trusting `ca_file` (PEM) or, when it is empty, the system's CA certificates. Null with
// `error` set when the CA file cannot be read.
std::shared_ptr<boost::asio::ssl::context> make_client_tls_context(const std::string& ca_file, std::string& error);

// Per connection, before the handshake: accept only a certificate issued for `host` (a DNS name or an IP
// address), and send a DNS name as SNI. False when OpenSSL refuses the name.
bool expect_server_name(SSL* connection, const std::string& host);

}  // namespace parley::sdk
