// Blocking HTTP GET of /metrics with a deadline, on a private io_context, plus the text-format parser.
#include "metrics_scraper.h"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include <charconv>
#include <cstdlib>

namespace parley::bench {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

std::optional<double> parse_number(std::string_view text) {
  std::string copy(text);  // strtod wants a terminated string; handles "+Inf" and exponents
  char* end = nullptr;
  double value = std::strtod(copy.c_str(), &end);
  if (end == copy.c_str()) return std::nullopt;
  return value;
}

}  // namespace

MetricsSnapshot parse_prometheus_text(std::string_view text) {
  MetricsSnapshot snapshot;
  while (!text.empty()) {
    size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
    if (line.empty() || line.front() == '#') continue;
    size_t space = line.rfind(' ');
    if (space == std::string_view::npos || space == 0) continue;
    if (auto value = parse_number(line.substr(space + 1))) {
      snapshot.samples[std::string(line.substr(0, space))] = *value;
    }
  }
  return snapshot;
}

std::optional<MetricsSnapshot> scrape_metrics(const asio::ip::tcp::endpoint& server,
                                              std::chrono::milliseconds timeout) {
  asio::io_context io;
  beast::tcp_stream stream(io);
  beast::flat_buffer buffer;
  http::request<http::empty_body> request{http::verb::get, "/metrics", 11};
  request.set(http::field::host, server.address().to_string());
  request.set(http::field::connection, "close");
  http::response<http::string_body> response;
  bool done = false;

  stream.expires_after(timeout);
  stream.async_connect(server, [&](beast::error_code ec) {
    if (ec) return;
    http::async_write(stream, request, [&](beast::error_code ec, size_t) {
      if (ec) return;
      http::async_read(stream, buffer, response, [&](beast::error_code ec, size_t) { done = !ec; });
    });
  });
  io.run_for(timeout + std::chrono::milliseconds(100));
  if (!done || response.result() != http::status::ok) return std::nullopt;
  return parse_prometheus_text(response.body());
}

}  // namespace parley::bench
