// Media uploads over HTTP (tus 1.0): create, PATCH chunks, on a failure ask the offset (HEAD) and continue.
#include "parley/upload.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/json.hpp>

#include <filesystem>
#include <fstream>
#include <optional>
#include <thread>

#include "sdk/client_tls.h"
#include "sdk/ws_transport.h"

namespace parley {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct Reply {
  unsigned status = 0;
  http::fields headers;
  std::string body;
};

ClientError error(int code, std::string message) { return ClientError{code, std::move(message)}; }

std::string base64(const std::string& data) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  uint32_t bits = 0;
  int count = 0;
  for (unsigned char c : data) {
    bits = (bits << 8) | c;
    count += 8;
    while (count >= 6) {
      count -= 6;
      out.push_back(kAlphabet[(bits >> count) & 63]);
    }
  }
  if (count > 0) out.push_back(kAlphabet[(bits << (6 - count)) & 63]);
  while (out.size() % 4) out.push_back('=');
  return out;
}

class HttpLink {
 public:
  HttpLink(sdk::ServerAddress address, std::chrono::milliseconds timeout)
      : address_(std::move(address)), timeout_(timeout) {}

  // One request on a new connection (plain or TLS). Every step is bounded by the timeout.
  std::expected<Reply, ClientError> call(http::verb method, const std::string& target, const http::fields& headers,
                                         std::string body) {
    try {
      tcp::resolver resolver(ioc_);
      auto endpoints = resolver.resolve(address_.host, address_.port);
      if (!address_.tls) {
        beast::tcp_stream stream(ioc_);
        connect(stream, endpoints);
        return exchange(stream, method, target, headers, std::move(body));
      }
      if (!tls_) {
        std::string problem;
        tls_ = sdk::make_client_tls_context(address_.tls_ca_file, problem);
        if (!tls_) return std::unexpected(error(kErrorBadArgument, problem));
      }
      beast::ssl_stream<beast::tcp_stream> stream(ioc_, *tls_);
      connect(beast::get_lowest_layer(stream), endpoints);
      if (!sdk::expect_server_name(stream.native_handle(), address_.host)) {
        return std::unexpected(error(kErrorBadArgument, "cannot check a TLS certificate for " + address_.host));
      }
      step(stream, [&](auto done) { stream.async_handshake(asio::ssl::stream_base::client, done); });
      return exchange(stream, method, target, headers, std::move(body));
    } catch (const std::exception& e) {
      return std::unexpected(error(kErrorOffline, std::string("cannot reach the server: ") + e.what()));
    }
  }

 private:
  // Runs one asynchronous operation to its end; the tcp_stream's timer bounds it. Throws on failure.
  template <typename Stream, typename Start>
  void step(Stream& stream, Start&& start) {
    std::optional<beast::error_code> result;
    beast::get_lowest_layer(stream).expires_after(timeout_);
    start([&result](beast::error_code ec, auto&&...) { result = ec; });
    ioc_.restart();
    ioc_.run();
    if (!result || *result) throw beast::system_error(result.value_or(asio::error::operation_aborted));
  }

  void connect(beast::tcp_stream& stream, const tcp::resolver::results_type& endpoints) {
    step(stream, [&](auto done) { stream.async_connect(endpoints, done); });
  }

  template <typename Stream>
  Reply exchange(Stream& stream, http::verb method, const std::string& target, const http::fields& headers,
                 std::string body) {
    http::request<http::string_body> req{method, target, 11};
    for (const auto& f : headers) req.set(f.name_string(), f.value());
    req.set(http::field::host, address_.host);
    req.body() = std::move(body);
    req.prepare_payload();
    step(stream, [&](auto done) { http::async_write(stream, req, done); });
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.skip(method == http::verb::head);
    parser.body_limit(uint64_t{1024} * 1024);
    step(stream, [&](auto done) { http::async_read(stream, buffer, parser, done); });
    Reply r;
    r.status = parser.get().result_int();
    for (const auto& f : parser.get()) r.headers.set(f.name_string(), f.value());
    r.body = std::move(parser.get().body());
    beast::error_code ignored;
    beast::get_lowest_layer(stream).socket().shutdown(tcp::socket::shutdown_both, ignored);
    return r;
  }

  asio::io_context ioc_;
  std::shared_ptr<asio::ssl::context> tls_;  // made on the first exchange over TLS
  sdk::ServerAddress address_;
  std::chrono::milliseconds timeout_;
};

// The server's JSON error body as a ClientError (its code name mapped to the protocol number).
ClientError server_error(const Reply& r) {
  static const std::pair<const char*, int> kCodes[] = {
      {"UNAUTHENTICATED", 1}, {"TOKEN_EXPIRED", 2}, {"PERMISSION_DENIED", 3}, {"NOT_FOUND", 4},
      {"INVALID_ARGUMENT", 5}, {"RATE_LIMITED", 8}, {"TOO_LARGE", 9}, {"CONFLICT", 10}, {"UNAVAILABLE", 11}};
  std::string message = "the server answered " + std::to_string(r.status);
  int code = 12;
  boost::system::error_code ec;
  auto doc = boost::json::parse(r.body, ec);
  if (!ec && doc.is_object()) {
    if (auto* e = doc.as_object().if_contains("error"); e && e->is_object()) {
      if (auto* m = e->as_object().if_contains("message"); m && m->is_string()) message = m->as_string().c_str();
      if (auto* c = e->as_object().if_contains("code"); c && c->is_string()) {
        for (auto [name, number] : kCodes) {
          if (c->as_string() == name) code = number;
        }
      }
    }
  }
  return error(code, message);
}

uint64_t number_or_zero(const boost::json::object& o, const char* key) {
  auto* v = o.if_contains(key);
  if (!v) return 0;
  if (v->is_string()) return std::strtoull(v->as_string().c_str(), nullptr, 10);
  if (v->is_int64()) return static_cast<uint64_t>(v->as_int64());
  if (v->is_uint64()) return v->as_uint64();
  return 0;
}

std::expected<UploadedBlob, ClientError> blob_from_json(const std::string& json) {
  boost::system::error_code ec;
  auto doc = boost::json::parse(json, ec);
  if (ec || !doc.is_object()) return std::unexpected(error(12, "the server's blob description is not JSON"));
  const auto& o = doc.as_object();
  UploadedBlob b;
  b.json = json;
  if (auto* v = o.if_contains("blob_id"); v && v->is_string()) b.blob_id = v->as_string().c_str();
  if (auto* v = o.if_contains("mime_type"); v && v->is_string()) b.mime_type = v->as_string().c_str();
  b.size_bytes = number_or_zero(o, "size_bytes");
  b.width = static_cast<uint32_t>(number_or_zero(o, "width"));
  b.height = static_cast<uint32_t>(number_or_zero(o, "height"));
  b.duration_ms = static_cast<uint32_t>(number_or_zero(o, "duration_ms"));
  if (auto* t = o.if_contains("thumbnails"); t && t->is_array() && !t->as_array().empty()) {
    const auto& first = t->as_array().front();
    if (first.is_object()) {
      if (auto* id = first.as_object().if_contains("blob_id"); id && id->is_string()) b.thumbnail_blob_id = id->as_string().c_str();
    }
  }
  if (b.blob_id.empty()) return std::unexpected(error(12, "the server's answer names no blob"));
  return b;
}

}  // namespace

int media_kind_for(const std::string& mime) {
  if (mime.starts_with("image/")) return 3;
  if (mime.starts_with("audio/")) return 4;
  if (mime.starts_with("video/")) return 5;
  return 6;
}

ClientResult<UploadedBlob> upload_file(const std::string& path, const UploadOptions& options,
                                       const std::function<bool(const UploadProgress&)>& progress) {
  // The media HTTP API is on the WebSocket's port: http(s):// and ws(s):// name the same server.
  std::string url = options.server;
  if (url.starts_with("http://")) url = "ws://" + url.substr(7);
  if (url.starts_with("https://")) url = "wss://" + url.substr(8);
  sdk::ServerAddress address;
  std::string parse_error;
  if (!sdk::parse_server_url(url, address, parse_error)) {
    return std::unexpected(error(kErrorBadArgument, parse_error));
  }
  address.tls_ca_file = options.tls_ca_file;
  std::error_code fs_error;
  const uint64_t total = std::filesystem::file_size(path, fs_error);
  if (fs_error) return std::unexpected(error(kErrorBadArgument, "cannot read " + path + ": " + fs_error.message()));
  if (total == 0) return std::unexpected(error(kErrorBadArgument, path + " is empty"));
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::unexpected(error(kErrorBadArgument, "cannot open " + path));
  if (options.chunk_bytes == 0) return std::unexpected(error(kErrorBadArgument, "chunk_bytes must be positive"));

  HttpLink link(address, options.timeout);
  http::fields base;
  base.set(http::field::authorization, "Bearer " + options.token);
  base.set("Tus-Resumable", "1.0.0");

  std::string location = options.resume_url;
  if (location.empty()) {
    http::fields h = base;
    h.set("Upload-Length", std::to_string(total));
    std::string name = options.file_name.empty() ? std::filesystem::path(path).filename().string() : options.file_name;
    std::string metadata = "filename " + base64(name);
    if (!options.content_type.empty()) metadata += ",filetype " + base64(options.content_type);
    h.set("Upload-Metadata", metadata);
    auto created = link.call(http::verb::post, "/v1/media/uploads", h, "");
    if (!created) return std::unexpected(created.error());
    if (created->status != 201) return std::unexpected(server_error(*created));
    location = std::string(created->headers[http::field::location]);
    if (!location.starts_with("/v1/media/uploads/")) return std::unexpected(error(12, "the server gave no upload URL"));
  }

  auto ask_offset = [&]() -> std::expected<uint64_t, ClientError> {
    auto head = link.call(http::verb::head, location, base, "");
    if (!head) return std::unexpected(head.error());
    if (head->status != 200) return std::unexpected(server_error(*head));
    return std::strtoull(std::string(head->headers["Upload-Offset"]).c_str(), nullptr, 10);
  };
  auto offset = options.resume_url.empty() ? std::expected<uint64_t, ClientError>(0) : ask_offset();
  if (!offset) return std::unexpected(offset.error());
  uint64_t at = *offset;
  if (progress && !progress(UploadProgress{at, total, location})) return std::unexpected(error(kErrorStopped, "upload stopped"));

  std::string chunk;
  int failures = 0;
  std::string blob_id;
  while (at < total) {
    uint64_t n = std::min<uint64_t>(options.chunk_bytes, total - at);
    chunk.resize(n);
    in.clear();
    in.seekg(static_cast<std::streamoff>(at));
    if (!in.read(chunk.data(), static_cast<std::streamsize>(n))) {
      return std::unexpected(error(kErrorBadArgument, "cannot read " + path + " (did it change?)"));
    }
    http::fields h = base;
    h.set(http::field::content_type, "application/offset+octet-stream");
    h.set("Upload-Offset", std::to_string(at));
    auto sent = link.call(http::verb::patch, location, h, chunk);
    if (sent && sent->status == 204) {
      at = std::strtoull(std::string(sent->headers["Upload-Offset"]).c_str(), nullptr, 10);
      blob_id = std::string(sent->headers["Parley-Blob-Id"]);
      failures = 0;
      if (progress && !progress(UploadProgress{at, total, location})) return std::unexpected(error(kErrorStopped, "upload stopped"));
      continue;
    }
    // Refusals that a retry cannot fix end the upload; the rest (network, 409 after a lost answer, 503) retry.
    if (sent && sent->status != 409 && sent->status != 503 && sent->status < 500) {
      return std::unexpected(server_error(*sent));
    }
    if (++failures >= options.max_attempts) {
      return std::unexpected(sent ? server_error(*sent) : sent.error());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200) * failures);  // backoff before asking again
    auto now_at = ask_offset();
    if (now_at) at = *now_at;
  }
  // The blob's description: the upload's status holds it once processing is done.
  auto status = link.call(http::verb::get, location, base, "");
  if (!status) return std::unexpected(status.error());
  if (status->status != 200) return std::unexpected(server_error(*status));
  boost::system::error_code ec;
  auto doc = boost::json::parse(status->body, ec);
  if (ec || !doc.is_object()) return std::unexpected(error(12, "the upload's status is not JSON"));
  const auto& o = doc.as_object();
  auto* state = o.if_contains("state");
  if (state && state->is_string() && state->as_string() == "failed") {
    Reply failed{422, {}, status->body};
    return std::unexpected(server_error(failed));
  }
  auto* blob = o.if_contains("blob");
  if (!blob) return std::unexpected(error(12, "the upload finished without a blob"));
  auto out = blob_from_json(boost::json::serialize(*blob));
  if (out) out->upload_url = location;
  (void)blob_id;
  return out;
}

}  // namespace parley
