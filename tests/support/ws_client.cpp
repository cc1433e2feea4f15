#include "ws_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <cctype>

namespace parley::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

struct WsClient::Impl {
  asio::io_context ioc;
  websocket::stream<beast::tcp_stream> ws{ioc};
  beast::flat_buffer buffer;
  bool read_pending = false;
  bool read_done = false;
  bool reading_stopped = false;
  beast::error_code read_error;
  bool closed = false;

  // Runs the io_context until `done()` or the timeout; true when done.
  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done()) {
      auto now = std::chrono::steady_clock::now();
      if (now >= deadline) return false;
      ioc.restart();
      ioc.run_one_for(deadline - now);
    }
    return true;
  }

  // The next raw frame, or nullopt on timeout or close.
  std::optional<std::pair<std::string, bool>> read(std::chrono::milliseconds timeout) {
    if (closed || reading_stopped) return std::nullopt;
    if (!read_pending) {
      read_pending = true;
      read_done = false;
      ws.async_read(buffer, [this](beast::error_code ec, size_t) {
        read_done = true;
        read_error = ec;
      });
    }
    if (!run_until([this] { return read_done; }, timeout)) return std::nullopt;
    read_pending = false;
    if (read_error) {
      closed = true;
      return std::nullopt;
    }
    std::string payload = beast::buffers_to_string(buffer.data());
    buffer.consume(buffer.size());
    return std::pair{std::move(payload), ws.got_text()};
  }
};

WsClient::WsClient(uint16_t port, protocol::Encoding encoding) : impl_(new Impl), encoding_(encoding) {
  auto& ws = impl_->ws;
  beast::get_lowest_layer(ws).expires_after(5s);
  beast::get_lowest_layer(ws).connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  ws.handshake("127.0.0.1:" + std::to_string(port), "/v1/ws");
  beast::get_lowest_layer(ws).expires_never();
  ws.read_message_max(64 * 1024 * 1024);
}

WsClient::~WsClient() {
  beast::error_code ignored;
  beast::get_lowest_layer(impl_->ws).socket().close(ignored);
}

void WsClient::send_raw(std::string_view payload, bool text) {
  auto& ws = impl_->ws;
  ws.text(text);
  bool done = false;
  beast::error_code error;
  ws.async_write(asio::buffer(payload.data(), payload.size()), [&](beast::error_code ec, size_t) {
    done = true;
    error = ec;
  });
  impl_->run_until([&] { return done; }, 10s);
  if (error) impl_->closed = true;
}

uint64_t WsClient::send(v1::ClientFrame frame) {
  if (frame.req_id() == 0) frame.set_req_id(next_req_id_++);
  send_raw(protocol::encode(frame, encoding_), encoding_ == protocol::Encoding::kJson);
  return frame.req_id();
}

std::optional<v1::ServerFrame> WsClient::read_frame(std::chrono::milliseconds timeout) {
  auto raw = impl_->read(timeout);
  if (!raw) return std::nullopt;
  auto frame = protocol::decode_server_frame(
      raw->first, raw->second ? protocol::Encoding::kJson : protocol::Encoding::kBinary);
  if (!frame) {
    ADD_FAILURE() << "undecodable server frame: " << frame.error().message;
    return std::nullopt;
  }
  return *frame;
}

v1::ServerFrame WsClient::call(v1::ClientFrame frame, std::chrono::milliseconds timeout) {
  uint64_t id = send(std::move(frame));
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    v1::ServerFrame failure;
    failure.set_req_id(id);
    failure.mutable_error()->set_code(v1::UNAVAILABLE);
    if (left.count() <= 0) {
      failure.mutable_error()->set_message("test client: timeout waiting for the response");
      return failure;
    }
    auto got = read_frame(left);
    if (!got) {
      failure.mutable_error()->set_message(impl_->closed ? "test client: connection closed"
                                                         : "test client: timeout waiting for the response");
      return failure;
    }
    if (got->has_event()) {
      events_.push_back(std::move(*got));
      continue;
    }
    if (got->req_id() == id) return *got;
  }
}

std::optional<v1::ServerFrame> WsClient::next_frame(std::chrono::milliseconds timeout) {
  if (!events_.empty()) {
    auto f = std::move(events_.front());
    events_.pop_front();
    return f;
  }
  return read_frame(timeout);
}

std::optional<v1::ServerFrame> WsClient::wait_event(const std::function<bool(const v1::Event&)>& pred,
                                                    std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 && events_.empty()) return std::nullopt;
    auto f = next_frame(std::max(left, 0ms));
    if (!f) return std::nullopt;
    if (f->has_event() && pred(f->event())) return f;
  }
}

std::optional<v1::Message> WsClient::wait_message(std::chrono::milliseconds timeout) {
  auto f = wait_event([](const v1::Event& e) { return e.has_message(); }, timeout);
  if (!f) return std::nullopt;
  return f->event().message();
}

bool WsClient::quiet_for(std::chrono::milliseconds window) {
  if (!events_.empty()) return false;
  auto f = read_frame(window);
  if (f) {
    events_.push_front(std::move(*f));
    return false;
  }
  return true;
}

int WsClient::wait_closed(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!impl_->closed) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return 0;
    if (auto f = read_frame(left); f && f->has_event()) events_.push_back(std::move(*f));
  }
  auto reason = impl_->ws.reason();
  return reason.code == websocket::close_code::none ? 1006 : static_cast<int>(reason.code);
}

bool WsClient::is_closed() const { return impl_->closed; }

void WsClient::stop_reading() { impl_->reading_stopped = true; }

void WsClient::resume_reading() { impl_->reading_stopped = false; }

std::string WsClient::close_reason() const {
  const auto& reason = impl_->ws.reason().reason;
  return std::string(reason.data(), reason.size());
}

v1::SessionInfo WsClient::login(const std::string& user, const std::string& password, const std::string& device,
                                v1::Platform platform) {
  v1::ClientFrame f;
  auto* l = f.mutable_login();
  l->set_user_id(user);
  l->set_password(password);
  l->set_device_id(device);
  l->set_platform(platform);
  auto r = call(f);
  EXPECT_TRUE(r.has_login()) << "login failed: " << r.DebugString();
  return r.login().session();
}

void WsClient::authenticate(const std::string& token) {
  v1::ClientFrame f;
  f.mutable_authenticate()->set_token(token);
  auto r = call(f);
  EXPECT_TRUE(r.has_authenticate()) << "authenticate failed: " << r.DebugString();
}

v1::SendMessageResponse WsClient::send_text(const std::string& conversation, const std::string& text,
                                            const std::string& client_msg_id) {
  static std::atomic<uint64_t> counter{0};
  v1::ClientFrame f;
  auto* s = f.mutable_send_message();
  s->set_conversation_id(conversation);
  s->set_text(text);
  s->set_client_msg_id(client_msg_id.empty() ? "c" + std::to_string(++counter) + "-" + std::to_string(::getpid())
                                             : client_msg_id);
  auto r = call(f);
  EXPECT_TRUE(r.has_send_message()) << "send failed: " << r.DebugString();
  return r.send_message();
}

HttpResult http_request(uint16_t port, const std::string& method, const std::string& target, const std::string& body,
                        const std::string& bearer, const HttpHeaders& extra) {
  namespace http = beast::http;
  asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  stream.expires_after(10s);
  stream.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, "127.0.0.1");
  if (!bearer.empty()) req.set(http::field::authorization, "Bearer " + bearer);
  if (!body.empty()) req.set(http::field::content_type, "application/json");
  for (const auto& [name, value] : extra) req.set(name, value);
  req.body() = body;
  req.prepare_payload();
  http::write(stream, req);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(stream, buffer, res);
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  HttpResult out{static_cast<int>(res.result_int()), res.body(), {}};
  for (const auto& field : res) {
    std::string name(field.name_string());
    for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    out.headers[name] = std::string(field.value());
  }
  return out;
}

}  // namespace parley::testing
