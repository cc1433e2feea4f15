#include "server/net/http_session.h"

#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include <optional>

#include "server/net/media_http.h"
#include "server/net/static_files.h"
#include "server/net/ws_session.h"

namespace parley::server {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;

constexpr size_t kMaxBody = size_t{1024} * 1024;
constexpr const char* kHomePage = R"(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Parley</title></head>
<body><h1>Parley is running</h1>
<p>The native protocol is served at <code>/v1/ws</code> (WebSocket: protobuf in binary frames, JSON in text frames).
Health: <a href="/healthz">/healthz</a>, readiness: <a href="/readyz">/readyz</a>, metrics: <a href="/metrics">/metrics</a>.
See <code>docs/protocol.md</code> to chat by hand with a WebSocket tool.</p></body></html>
)";

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(NetStream&& stream, beast::flat_buffer&& buffer, SessionContext& context)
      : stream_(std::move(stream)), context_(context), buffer_(std::move(buffer)) {}

  void read_next() {
    parser_.emplace();
    parser_->header_limit(16 * 1024);
    parser_->body_limit(boost::none);  // media bodies have their own limits; the others get kMaxBody below
    stream_.expires_after(std::chrono::seconds(context_.config.handshake_timeout_seconds));
    http::async_read_header(stream_, buffer_, *parser_,
                            beast::bind_front_handler(&HttpSession::on_header, shared_from_this()));
  }

 private:
  // Media requests stream their bodies to disk (media_http.cpp); everything else reads its body here.
  void on_header(beast::error_code ec, size_t) {
    if (ec) return shutdown();
    if (HttpPolicy::is_preflight(parser_->get(), parser_->get().method())) {
      http::fields allowed;
      const unsigned status = context_.http_policy.preflight(allowed, parser_->get()[http::field::origin]);
      HeaderList headers;
      for (const auto& field : allowed) headers.emplace_back(field.name_string(), field.value());
      return reply(status, "text/plain", "", true, headers);
    }
    if (is_media_target(parser_->get().target())) {
      return serve_media(std::move(stream_), std::move(buffer_), *parser_, context_);
    }
    if (auto length = parser_->content_length(); length && *length > kMaxBody) {
      return reply(413, "text/plain", "request body too large\n", false);
    }
    parser_->body_limit(kMaxBody);
    http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&HttpSession::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, size_t) {
    if (ec == http::error::body_limit) return reply(413, "text/plain", "request body too large\n", false);
    if (ec) return shutdown();
    auto& req = parser_->get();
    if (beast::websocket::is_upgrade(req)) {
      if (req.target() != "/v1/ws") return reply(404, "text/plain", "WebSocket endpoint is /v1/ws\n", false);
      if (context_.stopping) return reply(503, "text/plain", "shutting down\n", false);
      if (!context_.http_policy.may_connect(req[http::field::origin], req[http::field::host])) {
        return reply(403, "text/plain", "pages from this origin may not connect (see cors_origins)\n", false);
      }
      // The session gives the slot back when it ends (for the same address string: it is not looked up twice).
      std::string address = remote_address(stream_.socket());
      if (!context_.address_slots.try_take(address)) {
        return reply(429, "text/plain", "too many connections from your address\n", false);
      }
      auto ws = std::make_shared<WsSession>(std::move(stream_), std::move(address), context_);
      ws->start(parser_->release());
      return;
    }
    route(req);
  }

  void route(http::request<http::string_body>& req) {
    std::string_view target = req.target();
    std::string_view path = target.substr(0, target.find('?'));
    const bool get = req.method() == http::verb::get;
    if (path.starts_with("/v1/admin/")) {
      auto self = shared_from_this();
      context_.admin.handle(req.method_string(), path, req[http::field::authorization], req.body(),
                            [self](HttpReply r) {
                              boost::asio::post(self->stream_.get_executor(), [self, r = std::move(r)]() mutable {
                                self->reply(r.status, r.content_type, std::move(r.body), true);
                              });
                            });
      return;
    }
    if (get && path == "/healthz") return reply(200, "text/plain", "ok\n", true);
    if (get && path == "/readyz") {
      return context_.stopping ? reply(503, "text/plain", "shutting down\n", true)
                               : reply(200, "text/plain", "ready\n", true);
    }
    if (get && path == "/metrics") {
      return reply(200, "text/plain; version=0.0.4", context_.metrics.render(), true);
    }
    if (auto f = get && context_.web ? context_.web->serve(path) : std::nullopt) {
      return reply(f->status, f->content_type, std::move(f->body), true, f->headers);
    }
    if (get && (path == "/" || path == "/index.html")) return reply(200, "text/html; charset=utf-8", kHomePage, true);
    reply(404, "application/json", R"({"error":{"code":"NOT_FOUND","message":"no such endpoint"}})", true);
  }

  void reply(unsigned status, std::string_view content_type, std::string body, bool keep_alive,
             const HeaderList& headers = {}) {
    auto res = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(status), 11);
    res->set(http::field::server, "parleyd");
    res->set(http::field::content_type, content_type);
    res->set(http::field::cache_control, "no-store");
    for (const auto& [name, value] : headers) res->set(name, value);
    context_.http_policy.decorate(*res, parser_ ? std::string_view(parser_->get()[http::field::origin]) : std::string_view(),
                                  stream_.is_tls());
    res->keep_alive(keep_alive && parser_ && parser_->get().keep_alive() && !context_.stopping);
    res->body() = std::move(body);
    res->prepare_payload();
    stream_.expires_after(std::chrono::seconds(context_.config.handshake_timeout_seconds));
    http::async_write(stream_, *res, [self = shared_from_this(), res](beast::error_code ec, size_t) {
      if (ec || !res->keep_alive()) return self->shutdown();
      self->read_next();
    });
  }

  void shutdown() {
    beast::error_code ignored;
    stream_.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
    stream_.close();
  }

  NetStream stream_;
  SessionContext& context_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
};

}  // namespace

void serve_http(NetStream stream, SessionContext& context, beast::flat_buffer buffer) {
  std::make_shared<HttpSession>(std::move(stream), std::move(buffer), context)->read_next();
}

}  // namespace parley::server
