// TLS on the tls_listen port: https:// and wss:// with a certificate from a CA that the test makes (openssl),
// TLS 1.2 and newer only, the certificate reloaded on SIGHUP, and the plain port still serving beside it.
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <signal.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <fstream>
#include <optional>
#include <thread>

#include "helpers.h"
#include "test_pki.h"

namespace parley::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// A TLS client that trusts only the test CA and checks that the server is "localhost". Every operation runs
// the io_context for at most 10 s.
class TlsClient {
 public:
  // `max_version` (e.g. TLS1_1_VERSION) makes the client offer nothing newer, with OpenSSL's own floor
  // lowered so that it really offers the old version.
  explicit TlsClient(const std::string& ca_file, int max_version = 0) : ctx_(ssl::context::tls_client) {
    ctx_.load_verify_file(ca_file);
    ctx_.set_verify_mode(ssl::verify_peer);
    if (max_version) {
      SSL_CTX_set_security_level(ctx_.native_handle(), 0);
      SSL_CTX_set_min_proto_version(ctx_.native_handle(), TLS1_VERSION);
      SSL_CTX_set_max_proto_version(ctx_.native_handle(), max_version);
    }
    ws_.emplace(ioc_, ctx_);
  }

  // TCP connect and TLS handshake; the error, or success.
  beast::error_code connect(uint16_t port) {
    TlsStream& tls = ws_->next_layer();
    SSL_set_tlsext_host_name(tls.native_handle(), "localhost");
    tls.set_verify_callback(ssl::host_name_verification("localhost"));
    return run([&](auto done) {
      beast::get_lowest_layer(tls).async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port),
                                                 [&tls, done](beast::error_code ec) {
                                                   if (ec) return done(ec);
                                                   tls.async_handshake(ssl::stream_base::client, done);
                                                 });
    });
  }

  int protocol_version() { return SSL_version(ws_->next_layer().native_handle()); }

  // The serial number of the certificate the server presented.
  long peer_serial() {
    X509* cert = SSL_get1_peer_certificate(ws_->next_layer().native_handle());
    if (!cert) return -1;
    long serial = ASN1_INTEGER_get(X509_get_serialNumber(cert));
    X509_free(cert);
    return serial;
  }

  // One HTTPS request on the connection.
  http::response<http::string_body> get(const std::string& target) {
    http::request<http::string_body> req{http::verb::get, target, 11};
    req.set(http::field::host, "localhost");
    http::response<http::string_body> res;
    auto ec = run([&](auto done) {
      http::async_write(ws_->next_layer(), req, [this, &res, done](beast::error_code ec, size_t) {
        if (ec) return done(ec);
        http::async_read(ws_->next_layer(), buffer_, res, [done](beast::error_code ec, size_t) { done(ec); });
      });
    });
    EXPECT_FALSE(ec) << ec.message();
    return res;
  }

  // The WebSocket upgrade on the connection; then call() speaks the native protocol in JSON text frames.
  beast::error_code upgrade() {
    return run([&](auto done) { ws_->async_handshake("localhost", "/v1/ws", done); });
  }

  v1::ServerFrame call(v1::ClientFrame frame) {
    frame.set_req_id(++req_id_);
    const std::string text = protocol::encode(frame, protocol::Encoding::kJson);
    ws_->text(true);
    auto ec = run([&](auto done) {
      ws_->async_write(asio::buffer(text), [done](beast::error_code ec, size_t) { done(ec); });
    });
    for (int frames = 0; !ec && frames < 100; ++frames) {
      ec = run([&](auto done) { ws_->async_read(buffer_, [done](beast::error_code ec, size_t) { done(ec); }); });
      if (ec) break;
      auto decoded = protocol::decode_server_frame(beast::buffers_to_string(buffer_.data()), protocol::Encoding::kJson);
      buffer_.consume(buffer_.size());
      if (decoded && decoded->req_id() == frame.req_id()) return *decoded;
    }
    ADD_FAILURE() << "no response to " << frame.DebugString() << ": " << ec.message();
    return {};
  }

 private:
  // Starts an operation that calls done(ec) once, and runs until it did or 10 s passed.
  template <typename Start>
  beast::error_code run(Start start) {
    std::optional<beast::error_code> result;
    auto done = [&result](beast::error_code ec) { result = ec; };
    ioc_.restart();
    start(done);
    ioc_.run_for(std::chrono::seconds(10));
    return result.value_or(asio::error::timed_out);
  }

  asio::io_context ioc_;
  ssl::context ctx_;
  std::optional<beast::websocket::stream<TlsStream>> ws_;  // made once ctx_ is configured
  beast::flat_buffer buffer_;
  uint64_t req_id_ = 0;
};

std::vector<std::string> tls_args(const TestPki& pki, const std::string& name) {
  return {"--tls-listen", "127.0.0.1:0", "--tls-cert-file", pki.cert_file(name), "--tls-key-file", pki.key_file(name)};
}

// How often the server counted a failed TLS handshake (from /metrics on the plain port).
int tls_handshake_failures(const ServerProcess& server) {
  auto metrics = http_request(server.port(), "GET", "/metrics").body;
  const std::string name = "\nparley_tls_handshake_failures_total ";
  auto at = metrics.find(name);
  return at == std::string::npos ? -1 : std::stoi(metrics.substr(at + name.size()));
}

// The client may see the handshake fail before the server has counted it: wait (bounded) for the count.
int wait_tls_handshake_failures(const ServerProcess& server, int expected) {
  int seen = tls_handshake_failures(server);
  for (auto deadline = std::chrono::steady_clock::now() + 10s; seen < expected && std::chrono::steady_clock::now() < deadline;) {
    std::this_thread::sleep_for(10ms);
    seen = tls_handshake_failures(server);
  }
  return seen;
}

TEST(Tls, HttpsAndWssServeBesideThePlainPort) {
  TestPki pki;
  pki.issue("server", 1001);
  ServerProcess server(tls_args(pki, "server"));
  ASSERT_NE(server.tls_port(), 0);
  ASSERT_NE(server.tls_port(), server.port());

  TlsClient https(pki.ca_file());
  ASSERT_FALSE(https.connect(server.tls_port()));
  EXPECT_EQ(https.peer_serial(), 1001);
  auto res = https.get("/healthz");
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(res.body(), "ok\n");
  EXPECT_EQ(res[http::field::strict_transport_security], "max-age=31536000");
  auto plain = http_request(server.port(), "GET", "/healthz");
  EXPECT_EQ(plain.status, 200);
  EXPECT_EQ(plain.headers.count("strict-transport-security"), 0u);  // HSTS only means something over TLS

  // Alice on wss:// and Bob on ws:// talk to each other.
  admin_user_token(server.port(), "alice", "laptop", "alice-password");
  auto bob = connect_as(server, "bob", "phone");
  TlsClient alice(pki.ca_file());
  ASSERT_FALSE(alice.connect(server.tls_port()));
  ASSERT_FALSE(alice.upgrade());
  v1::ClientFrame login;
  login.mutable_login()->set_user_id("alice");
  login.mutable_login()->set_password("alice-password");
  login.mutable_login()->set_device_id("laptop");
  ASSERT_TRUE(alice.call(login).has_login());
  v1::ClientFrame send;
  send.mutable_send_message()->set_conversation_id("d:alice:bob");
  send.mutable_send_message()->set_text("over TLS");
  send.mutable_send_message()->set_client_msg_id("tls-1");
  auto sent = alice.call(send);
  ASSERT_TRUE(sent.has_send_message()) << sent.DebugString();
  auto got = bob->wait_message();
  ASSERT_TRUE(got);
  EXPECT_EQ(got->text(), "over TLS");
  EXPECT_EQ(got->sender_id(), "alice");
}

TEST(Tls, OnlyTls12AndNewerAreAccepted) {
  TestPki pki;
  pki.issue("server", 7);
  ServerProcess server(tls_args(pki, "server"));
  EXPECT_EQ(tls_handshake_failures(server), 0);

  TlsClient old(pki.ca_file(), TLS1_1_VERSION);
  EXPECT_TRUE(old.connect(server.tls_port()));
  EXPECT_EQ(wait_tls_handshake_failures(server, 1), 1);

  TlsClient tls12(pki.ca_file(), TLS1_2_VERSION);
  ASSERT_FALSE(tls12.connect(server.tls_port()));
  EXPECT_EQ(tls12.protocol_version(), TLS1_2_VERSION);
  TlsClient newest(pki.ca_file());
  ASSERT_FALSE(newest.connect(server.tls_port()));
  EXPECT_EQ(newest.protocol_version(), TLS1_3_VERSION);
}

TEST(Tls, SighupReloadsTheCertificateAndABrokenOneKeepsTheOld) {
  TestPki pki;
  pki.issue("server", 1);
  ServerProcess server(tls_args(pki, "server"));
  admin_user_token(server.port(), "alice", "laptop", "alice-password");
  TlsClient before(pki.ca_file());
  ASSERT_FALSE(before.connect(server.tls_port()));
  EXPECT_EQ(before.peer_serial(), 1);
  ASSERT_FALSE(before.upgrade());

  pki.issue("server", 2);  // a renewed certificate, with a new key, in the same files
  server.signal(SIGHUP);
  long serial = 0;
  for (auto deadline = std::chrono::steady_clock::now() + 10s; serial != 2 && std::chrono::steady_clock::now() < deadline;) {
    TlsClient probe(pki.ca_file());
    ASSERT_FALSE(probe.connect(server.tls_port()));
    serial = probe.peer_serial();
  }
  EXPECT_EQ(serial, 2);
  // The connection opened before the reload goes on with its session.
  v1::ClientFrame login;
  login.mutable_login()->set_user_id("alice");
  login.mutable_login()->set_password("alice-password");
  login.mutable_login()->set_device_id("laptop");
  EXPECT_TRUE(before.call(login).has_login());

  std::ofstream(pki.cert_file("server"), std::ios::trunc) << "-----BEGIN CERTIFICATE-----\ncut short\n";
  server.signal(SIGHUP);
  bool refused = false;
  for (auto deadline = std::chrono::steady_clock::now() + 10s; !refused && std::chrono::steady_clock::now() < deadline;) {
    refused = server.log().find("TLS certificate not reloaded") != std::string::npos;
    if (!refused) std::this_thread::sleep_for(10ms);  // polling the log file; the server writes it when it is done
  }
  ASSERT_TRUE(refused) << server.log();
  TlsClient after(pki.ca_file());
  ASSERT_FALSE(after.connect(server.tls_port()));
  EXPECT_EQ(after.peer_serial(), 2);
}

// The reason is in the error (the log of the server that did not start).
std::string start_failure(const std::vector<std::string>& args) {
  try {
    ServerProcess server(args);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

TEST(Tls, AServerWithoutItsCertificateDoesNotStart) {
  TestPki pki;
  EXPECT_NE(start_failure({"--tls-listen", "127.0.0.1:0"}).find("tls_listen needs tls_cert_file and tls_key_file"),
            std::string::npos);
  EXPECT_NE(start_failure(tls_args(pki, "absent")).find("TLS certificate " + pki.cert_file("absent")),
            std::string::npos);
}

}  // namespace
}  // namespace parley::testing
