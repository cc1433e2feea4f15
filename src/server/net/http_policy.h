// What every HTTP answer says about security, and which other web origins may call the HTTP API (CORS).
// The allow-list is `cors_origins` (exact origins such as "https://app.example.com", comma-separated; empty:
// none). Pages served by parleyd itself are same-origin and need no entry.
#pragma once

#include <boost/beast/http/fields.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace parley::server {

class HttpPolicy {
 public:
  explicit HttpPolicy(std::string_view origins_csv);

  bool listed(std::string_view origin) const;
  // True when a browser page at `origin` may open a WebSocket: no Origin (not a browser), the same host as
  // the request's Host header, or a listed origin.
  bool may_connect(std::string_view origin, std::string_view host) const;

  // Security headers for every answer (over TLS also Strict-Transport-Security), and the CORS headers when
  // `origin` is listed.
  void decorate(boost::beast::http::fields& res, std::string_view origin, bool tls) const;
  // The answer to a CORS preflight (OPTIONS with Access-Control-Request-Method): 204 with what is allowed
  // for a listed origin, else 403.
  unsigned preflight(boost::beast::http::fields& res, std::string_view origin) const;

  static bool is_preflight(const boost::beast::http::fields& req, boost::beast::http::verb method);

 private:
  std::vector<std::string> origins_;
};

}  // namespace parley::server
