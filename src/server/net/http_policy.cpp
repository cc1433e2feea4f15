#include "server/net/http_policy.h"

#include <algorithm>

namespace parley::server {

namespace http = boost::beast::http;

HttpPolicy::HttpPolicy(std::string_view origins_csv) {
  while (!origins_csv.empty()) {
    auto comma = origins_csv.find(',');
    std::string_view item = origins_csv.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '/')) item.remove_suffix(1);
    if (!item.empty()) origins_.emplace_back(item);
    origins_csv = comma == std::string_view::npos ? std::string_view() : origins_csv.substr(comma + 1);
  }
}

bool HttpPolicy::listed(std::string_view origin) const {
  return !origin.empty() && std::find(origins_.begin(), origins_.end(), origin) != origins_.end();
}

bool HttpPolicy::may_connect(std::string_view origin, std::string_view host) const {
  if (origin.empty() || listed(origin)) return true;
  // "scheme://host[:port]" against the Host header "host[:port]".
  auto scheme_end = origin.find("://");
  return scheme_end != std::string_view::npos && !host.empty() && origin.substr(scheme_end + 3) == host;
}

void HttpPolicy::decorate(http::fields& res, std::string_view origin, bool tls) const {
  res.set("X-Content-Type-Options", "nosniff");
  if (tls) res.set(http::field::strict_transport_security, "max-age=31536000");
  res.set("X-Frame-Options", "DENY");
  res.set("Referrer-Policy", "no-referrer");
  if (res.find("Content-Security-Policy") == res.end()) {
    res.set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");
  }
  if (!listed(origin)) return;
  res.set(http::field::access_control_allow_origin, origin);
  res.set(http::field::vary, "Origin");
  res.set(http::field::access_control_expose_headers,
          "Location, Upload-Offset, Upload-Length, Upload-Expires, Tus-Resumable, Tus-Version, Tus-Max-Size, "
          "Tus-Extension, Parley-Blob-Id, Content-Range, Content-Disposition, ETag");
}

unsigned HttpPolicy::preflight(http::fields& res, std::string_view origin) const {
  decorate(res, origin, false);
  if (!listed(origin)) return 403;
  res.set(http::field::access_control_allow_methods, "GET, HEAD, POST, PATCH, DELETE, OPTIONS");
  res.set(http::field::access_control_allow_headers,
          "Authorization, Content-Type, Upload-Length, Upload-Offset, Upload-Metadata, Tus-Resumable, Range, "
          "If-None-Match");
  res.set(http::field::access_control_max_age, "600");
  return 204;
}

bool HttpPolicy::is_preflight(const http::fields& req, http::verb method) {
  return method == http::verb::options && req.find(http::field::access_control_request_method) != req.end() &&
         req.find(http::field::origin) != req.end();
}

}  // namespace parley::server
