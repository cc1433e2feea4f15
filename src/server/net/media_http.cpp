#include "server/net/media_http.h"

#include <fcntl.h>
#include <sodium.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <array>
#include <cerrno>
#include <optional>

#include "common/random.h"
#include "protocol/codec.h"
#include "server/api/admin_api.h"
#include "server/media/http_fields.h"
#include "server/media/media_service.h"
#include "server/net/http_session.h"

namespace parley::server {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace fs = std::filesystem;
using media::MediaService;

constexpr std::string_view kTusVersion = "1.0.0";
constexpr size_t kChunkBuffer = size_t{256} * 1024;  // per connection: the body piece read or written at a time
constexpr auto kBodyTimeout = std::chrono::seconds(30);
constexpr auto kProcessingTimeout = std::chrono::seconds(300);

// A response body streamed from a BlobReader: `length` bytes from `first`, read 256 KiB at a time.
struct BlobBody {
  struct value_type {
    std::shared_ptr<media::BlobReader> reader;
    uint64_t first = 0;
    uint64_t length = 0;
  };
  static std::uint64_t size(const value_type& v) { return v.length; }

  class writer {
   public:
    using const_buffers_type = boost::asio::const_buffer;
    template <bool isRequest, class Fields>
    writer(const http::header<isRequest, Fields>&, const value_type& body) : body_(body) {}
    void init(beast::error_code& ec) { ec = {}; }
    boost::optional<std::pair<const_buffers_type, bool>> get(beast::error_code& ec) {
      ec = {};
      if (sent_ >= body_.length) return boost::none;
      if (!buf_) buf_ = std::make_unique<std::array<char, kChunkBuffer>>();
      size_t n = static_cast<size_t>(std::min<uint64_t>(buf_->size(), body_.length - sent_));
      size_t got = body_.reader->read_at(body_.first + sent_, buf_->data(), n);
      if (got == 0) {
        ec = boost::system::errc::make_error_code(boost::system::errc::io_error);
        return boost::none;
      }
      sent_ += got;
      return {{const_buffers_type(buf_->data(), got), sent_ < body_.length}};
    }

   private:
    const value_type& body_;
    uint64_t sent_ = 0;
    std::unique_ptr<std::array<char, kChunkBuffer>> buf_;
  };
};

bool is_media_kind(std::string_view mime) {
  return mime.starts_with("image/") || mime.starts_with("video/") || mime.starts_with("audio/");
}

std::string json_of(const google::protobuf::Message& m) { return protocol::encode(m, protocol::Encoding::kJson); }

class MediaSession : public std::enable_shared_from_this<MediaSession> {
 public:
  MediaSession(NetStream&& stream, beast::flat_buffer&& buffer,
               http::request_parser<http::string_body>& header, SessionContext& context, MediaService& media)
      : stream_(std::move(stream)), buffer_(std::move(buffer)), parser_(std::move(header)), context_(context),
        media_(media) {}

  ~MediaSession() {
    if (fd_ >= 0) ::close(fd_);
    if (!staged_.empty()) {
      std::error_code ec;
      fs::remove(staged_, ec);
    }
  }

  void start() {
    auto& req = parser_.get();
    std::string_view target = req.target();
    auto q = target.find('?');
    path_ = std::string(target.substr(0, q));
    query_ = q == std::string_view::npos ? "" : std::string(target.substr(q + 1));
    method_ = req.method();
    authorization_ = std::string(req[http::field::authorization]);
    body_pending_ = !parser_.is_done();
    keep_alive_ = req.keep_alive();
    expect_continue_ = beast::iequals(req[http::field::expect], "100-continue");

    constexpr std::string_view kUploads = "/v1/media/uploads", kBlobs = "/v1/media/blobs";
    if (path_ == "/v1/admin/media/gc") return admin_gc();
    if (path_ == kUploads || path_.starts_with(std::string(kUploads) + "/")) {
      std::string id = path_.size() > kUploads.size() ? path_.substr(kUploads.size() + 1) : "";
      return uploads(id);
    }
    if (path_ == kBlobs && method_ == http::verb::post) return one_shot();
    if (path_.starts_with(std::string(kBlobs) + "/")) {
      std::string key = path_.substr(kBlobs.size() + 1);
      if (key.ends_with("/info")) return blob_info(key.substr(0, key.size() - 5));
      if (method_ == http::verb::get || method_ == http::verb::head) return download(key);
      return error(v1::INVALID_ARGUMENT, "use GET or HEAD on a blob", 405);
    }
    error(v1::NOT_FOUND, "no such media endpoint");
  }

 private:
  // ---- replies ----
  using Response = http::response<http::string_body>;

  std::shared_ptr<Response> response(unsigned status) {
    auto res = std::make_shared<Response>(static_cast<http::status>(status), 11);
    res->set(http::field::server, "parleyd");
    res->set(http::field::cache_control, "no-store");
    if (path_.starts_with("/v1/media/uploads")) res->set("Tus-Resumable", kTusVersion);
    context_.http_policy.decorate(*res, parser_.get()[http::field::origin], stream_.is_tls());
    return res;
  }

  void error(ErrorCode code, std::string message, unsigned status = 0) {
    context_.metrics.count_error(code);
    v1::MediaErrorResponse body;
    body.mutable_error()->set_code(code);
    body.mutable_error()->set_message(std::move(message));
    auto res = response(status ? status : http_status_for(code));
    res->set(http::field::content_type, "application/json");
    res->body() = json_of(body);
    send(res);
  }

  void json(unsigned status, const google::protobuf::Message& m) {
    auto res = response(status);
    res->set(http::field::content_type, "application/json");
    res->body() = json_of(m);
    send(res);
  }

  // Every reply goes out on the session's own thread.
  template <typename F>
  void on_thread(F&& f) {
    boost::asio::post(stream_.get_executor(), [self = shared_from_this(), f = std::forward<F>(f)]() mutable { f(); });
  }

  template <typename Res>
  void send(std::shared_ptr<Res> res) {
    // A body we did not read makes the connection unusable for a next request.
    bool keep = !body_pending_ && keep_alive_ && !context_.stopping;
    res->keep_alive(keep);
    res->prepare_payload();
    stream_.expires_after(std::chrono::seconds(context_.config.handshake_timeout_seconds) + kBodyTimeout);
    http::async_write(stream_, *res, [self = shared_from_this(), res](beast::error_code ec, size_t) {
      if (ec || !res->keep_alive()) return self->close();
      serve_http(std::move(self->stream_), self->context_, std::move(self->buffer_));
    });
  }

  // Closing a socket with unread request bytes makes the kernel send a reset, which can destroy the error
  // reply before the client reads it. So: stop sending, drain what the client still sends (at most 1 MiB or
  // two seconds), then close.
  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
    if (!body_pending_) return stream_.close();
    stream_.expires_after(std::chrono::seconds(2));
    drain_.resize(size_t{16} * 1024);
    drain_next();
  }

  void drain_next() {
    stream_.async_read_some(boost::asio::buffer(drain_), [self = shared_from_this()](beast::error_code ec, size_t n) {
      self->drained_ += n;
      if (ec || self->drained_ > size_t{1024} * 1024) return self->stream_.close();
      self->drain_next();
    });
  }

  // Runs `next(user)` on this thread once the bearer token checks out; answers the error otherwise.
  template <typename F>
  void with_user(F&& next) {
    media_.authenticate(authorization_, [self = shared_from_this(), next = std::forward<F>(next)](Result<std::string> user) {
      self->on_thread([self, user = std::move(user), next]() mutable {
        if (!user) return self->error(user.error().code, user.error().message);
        self->user_ = *user;
        next();
      });
    });
  }

  void count_outcome(const Result<v1::BlobInfo>& blob) {
    if (blob) context_.metrics.media_blobs_stored.fetch_add(1, std::memory_order_relaxed);
    else if (blob.error().code == v1::INVALID_ARGUMENT || blob.error().code == v1::TOO_LARGE)
      context_.metrics.media_uploads_refused.fetch_add(1, std::memory_order_relaxed);
  }

  // ---- tus uploads ----
  void uploads(const std::string& id) {
    auto& req = parser_.get();
    if (method_ == http::verb::options) {
      auto res = response(204);
      res->set("Tus-Version", kTusVersion);
      res->set("Tus-Max-Size", std::to_string(context_.config.media_max_file_bytes));
      res->set("Tus-Extension", "creation,expiration,termination");
      return send(res);
    }
    if (req["Tus-Resumable"] != kTusVersion) {
      auto res = response(412);
      res->set("Tus-Version", kTusVersion);
      res->set(http::field::content_type, "text/plain");
      res->body() = "Tus-Resumable: 1.0.0 is required\n";
      return send(res);
    }
    if (id.empty()) {
      if (method_ == http::verb::post) return create_upload();
      return error(v1::INVALID_ARGUMENT, "POST creates an upload", 405);
    }
    if (id.size() > 64 || id.find_first_not_of("abcdefghijklmnopqrstuvwxyz234567") != std::string::npos) {
      return error(v1::NOT_FOUND, "no such upload");
    }
    upload_id_ = id;
    if (method_ == http::verb::head || method_ == http::verb::get) {
      return with_user([this] {
        auto view = media_.uploads().get(upload_id_, user_);
        if (!view) return error(view.error().code, view.error().message);
        if (method_ == http::verb::get) return json(200, status_of(*view));
        auto res = response(200);
        res->set("Upload-Offset", std::to_string(view->offset));
        res->set("Upload-Length", std::to_string(view->meta.length));
        res->set("Upload-Expires", http_date(view->meta.expires_ms));
        // A HEAD reply carries no body; an empty string body would set Content-Length: 0, which is fine here.
        send(res);
      });
    }
    if (method_ == http::verb::patch) return append();
    if (method_ == http::verb::delete_) {
      return with_user([this] {
        auto ok = media_.uploads().remove(upload_id_, user_);
        if (!ok) return error(ok.error().code, ok.error().message);
        send(response(204));
      });
    }
    error(v1::INVALID_ARGUMENT, "use HEAD, GET, PATCH or DELETE on an upload", 405);
  }

  static std::string http_date(int64_t ms) {
    std::time_t t = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    return buf;
  }

  static v1::UploadStatus status_of(const media::UploadView& v) {
    v1::UploadStatus s;
    s.set_upload_id(v.meta.id);
    s.set_offset(v.offset);
    s.set_length(v.meta.length);
    s.set_expires_at_ms(v.meta.expires_ms);
    switch (v.state) {
      case media::UploadState::kReceiving: s.set_state("receiving"); break;
      case media::UploadState::kProcessing: s.set_state("processing"); break;
      case media::UploadState::kDone: s.set_state("done"); *s.mutable_blob() = v.blob; break;
      case media::UploadState::kFailed:
        s.set_state("failed");
        s.mutable_error()->set_code(v.error.code);
        s.mutable_error()->set_message(v.error.message);
        break;
    }
    return s;
  }

  void create_upload() {
    auto& req = parser_.get();
    if (body_pending_) return error(v1::INVALID_ARGUMENT, "creation-with-upload is not supported: PATCH the data");
    auto length = media::parse_u64(req["Upload-Length"]);
    if (!length) return error(v1::INVALID_ARGUMENT, "Upload-Length must be a decimal number (deferred length is not supported)");
    if (*length == 0) return error(v1::INVALID_ARGUMENT, "an upload must not be empty");
    auto metadata = media::parse_upload_metadata(req["Upload-Metadata"]);
    if (!metadata) return error(v1::INVALID_ARGUMENT, "Upload-Metadata is malformed");
    media::UploadMeta meta;
    meta.length = *length;
    if (auto it = metadata->find("filename"); it != metadata->end()) meta.file_name = media::safe_file_name(it->second);
    if (auto it = metadata->find("filetype"); it != metadata->end()) meta.claimed_type = it->second.substr(0, 128);
    with_user([this, meta = std::move(meta)]() mutable {
      meta.user_id = user_;
      media_.check_quota(user_, meta.length, true, [self = shared_from_this(), meta](Status ok) mutable {
        Result<media::UploadView> created = std::unexpected(ok ? Error{} : ok.error());
        if (ok) {
          meta.id = random_token(16);
          meta.created_ms = self->media_.now_ms();
          meta.expires_ms = meta.created_ms + int64_t{self->context_.config.media_upload_expiry_seconds} * 1000;
          created = self->media_.uploads().create(std::move(meta));
        }
        self->on_thread([self, created = std::move(created)] {
          if (!created) return self->error(created.error().code, created.error().message);
          auto res = self->response(201);
          res->set(http::field::location, "/v1/media/uploads/" + created->meta.id);
          res->set("Upload-Expires", http_date(created->meta.expires_ms));
          self->send(res);
        });
      });
    });
  }

  void append() {
    auto& req = parser_.get();
    if (req[http::field::content_type] != "application/offset+octet-stream") {
      return error(v1::INVALID_ARGUMENT, "Content-Type must be application/offset+octet-stream", 415);
    }
    auto offset = media::parse_u64(req["Upload-Offset"]);
    if (!offset) return error(v1::INVALID_ARGUMENT, "Upload-Offset must be a decimal number");
    with_user([this, offset = *offset] {
      auto view = media_.uploads().get(upload_id_, user_);
      if (!view) return error(view.error().code, view.error().message);
      uint64_t room = view->meta.length > offset ? view->meta.length - offset : 0;
      auto declared = parser_.content_length();
      if (declared && *declared > std::min<uint64_t>(room, context_.config.media_max_chunk_bytes)) {
        return error(v1::TOO_LARGE, "the chunk is larger than what remains of the upload or the chunk limit");
      }
      auto fd = media_.uploads().begin_append(upload_id_, user_, offset);
      if (!fd) return error(fd.error().code, fd.error().message);
      fd_ = *fd;
      body_limit_ = std::min<uint64_t>(room, context_.config.media_max_chunk_bytes);
      read_body([this](bool ok) { end_append(ok); });
    });
  }

  void end_append(bool body_ok) {
    int fd = std::exchange(fd_, -1);
    // fdatasync and fstat: off the I/O thread.
    bool queued = context_.api.services().workers.submit([self = shared_from_this(), fd, body_ok] {
      bool complete = false;
      uint64_t offset = self->media_.uploads().end_append(self->upload_id_, fd, &complete);
      if (!body_ok) return self->on_thread([self] { self->body_failed(); });
      if (!complete) {
        return self->on_thread([self, offset] {
          auto res = self->response(204);
          res->set("Upload-Offset", std::to_string(offset));
          self->send(res);
        });
      }
      // The last chunk: the reply waits for processing, so the client learns the blob id (or why not).
      self->media_.finish_upload(self->upload_id_, self->user_, [self, offset](Result<v1::BlobInfo> blob) {
        self->on_thread([self, offset, blob = std::move(blob)] {
          self->count_outcome(blob);
          if (!blob) return self->error(blob.error().code, blob.error().message);
          auto res = self->response(204);
          res->set("Upload-Offset", std::to_string(offset));
          res->set("Parley-Blob-Id", blob->blob_id());
          self->send(res);
        });
      });
    });
    if (!queued) {
      bool complete = false;
      media_.uploads().end_append(upload_id_, fd, &complete);
      error(v1::UNAVAILABLE, "the server is busy; retry later");
    }
  }

  // ---- one-shot upload ----
  void one_shot() {
    auto length = parser_.content_length();
    if (!length) return error(v1::INVALID_ARGUMENT, "Content-Length is required", 411);
    if (*length == 0) return error(v1::INVALID_ARGUMENT, "the body is empty");
    std::string claimed(parser_.get()[http::field::content_type]);
    with_user([this, length = *length, claimed] {
      media_.check_quota(user_, length, false, [self = shared_from_this(), length, claimed](Status ok) {
        self->on_thread([self, ok, length, claimed] {
          if (!ok) return self->error(ok.error().code, ok.error().message);
          self->staged_ = self->media_.blobs().staging_dir() / ("o-" + random_token(12));
          self->fd_ = ::open(self->staged_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
          if (self->fd_ < 0) return self->error(v1::UNAVAILABLE, "cannot create a temporary file");
          self->body_limit_ = length;
          self->read_body([self, claimed](bool body_ok) {
            ::close(std::exchange(self->fd_, -1));
            if (!body_ok) return self->body_failed();  // the destructor removes the partial file
            fs::path file = std::exchange(self->staged_, {});
            self->stream_.expires_after(kProcessingTimeout);
            self->media_.ingest(self->user_, file, claimed, [self](Result<v1::BlobInfo> blob) {
              self->on_thread([self, blob = std::move(blob)] {
                self->count_outcome(blob);
                if (!blob) return self->error(blob.error().code, blob.error().message);
                self->json(201, *blob);
              });
            });
          });
        });
      });
    });
  }

  // ---- reading a body to fd_, at most body_limit_ bytes ----
  void read_body(std::function<void(bool)> done) {
    body_done_ = std::move(done);
    parser_.body_limit(boost::none);
    chunk_.resize(kChunkBuffer);
    if (!expect_continue_) return read_chunk();
    // The client waits for this before it sends the body (curl does for bodies over 1 MiB): say yes now that
    // the request passed its checks.
    auto go_on = std::make_shared<http::response<http::empty_body>>(http::status::continue_, 11);
    stream_.expires_after(kBodyTimeout);
    http::async_write(stream_, *go_on, [self = shared_from_this(), go_on](beast::error_code ec, size_t) {
      if (ec) return self->finish_body(false);
      self->read_chunk();
    });
  }

  void read_chunk() {
    if (parser_.is_done()) return finish_body(true);
    auto& body = parser_.get().body();
    body.data = chunk_.data();
    body.size = chunk_.size();
    stream_.expires_after(kBodyTimeout);
    http::async_read_some(stream_, buffer_, parser_,
                          [self = shared_from_this()](beast::error_code ec, size_t) { self->on_chunk(ec); });
  }

  void on_chunk(beast::error_code ec) {
    size_t got = chunk_.size() - parser_.get().body().size;
    if (got > 0) {
      received_ += got;
      context_.metrics.media_upload_bytes.fetch_add(got, std::memory_order_relaxed);
      if (received_ > body_limit_) {
        body_pending_ = true;
        finish_body_error(v1::TOO_LARGE, "the body is larger than allowed");
        return;
      }
      const char* p = chunk_.data();
      size_t left = got;
      while (left > 0) {
        ssize_t n = ::write(fd_, p, left);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return finish_body_error(v1::UNAVAILABLE, "cannot write the upload to disk");
        p += n;
        left -= static_cast<size_t>(n);
      }
    }
    if (ec == http::error::need_buffer) ec = {};
    if (ec) return finish_body(false);  // the client went away or stalled: what arrived is kept (tus)
    read_chunk();
  }

  void finish_body(bool ok) {
    body_pending_ = !ok;
    // Back to the header parser's role for keep-alive: the request is complete.
    auto done = std::move(body_done_);
    done(ok);
  }

  // The body ended badly: answer the error we found (over the limit, disk), or just close when the client left.
  void body_failed() {
    if (error_after_body_) return error(error_after_body_->code, error_after_body_->message);
    close();
  }

  void finish_body_error(ErrorCode code, const char* message) {
    body_pending_ = true;
    error_after_body_ = Error{code, message};
    auto done = std::move(body_done_);
    done(false);
  }

  // ---- downloads ----
  void blob_info(const std::string& key) {
    with_user([this, key] {
      bool queued = context_.api.services().workers.submit([self = shared_from_this(), key] {
        auto info = self->media_.info_for(key, self->user_);
        self->on_thread([self, info = std::move(info)] {
          if (!info) return self->error(info.error().code, info.error().message);
          self->json(200, *info);
        });
      });
      if (!queued) error(v1::UNAVAILABLE, "the server is busy; retry later");
    });
  }

  void download(const std::string& key) {
    media_.open_download(key, query_, authorization_, [self = shared_from_this()](Result<media::Download> d) {
      auto shared = std::make_shared<Result<media::Download>>(std::move(d));
      self->on_thread([self, shared] { self->serve(std::move(*shared)); });
    });
  }

  void serve(Result<media::Download> d) {
    if (!d) return error(d.error().code, d.error().message);
    auto& req = parser_.get();
    std::shared_ptr<media::BlobReader> reader = std::move(d->reader);
    const uint64_t size = reader->size();
    const std::string etag = "\"" + d->key + "\"";
    auto common = [&](auto& res) {
      res.set(http::field::server, "parleyd");
      res.set(http::field::etag, etag);
      res.set(http::field::accept_ranges, "bytes");
      res.set(http::field::cache_control, "private, max-age=" + std::to_string(d->max_age_s) + ", immutable");
      res.set("Content-Security-Policy", "default-src 'none'; sandbox");
      res.set(http::field::content_type, d->mime_type.empty() ? "application/octet-stream" : d->mime_type);
      bool inline_ok = is_media_kind(d->mime_type) || d->mime_type == "application/pdf";
      if (!d->file_name.empty() || !inline_ok) {
        res.set(http::field::content_disposition,
                media::content_disposition(inline_ok ? "inline" : "attachment",
                                           d->file_name.empty() ? d->key : d->file_name));
      }
      context_.http_policy.decorate(res, req[http::field::origin], stream_.is_tls());
    };
    auto inm = req[http::field::if_none_match];
    if (!inm.empty() && (inm == "*" || inm.find(etag) != std::string_view::npos)) {
      auto res = std::make_shared<http::response<http::empty_body>>(http::status::not_modified, 11);
      common(*res);
      return send_headers_only(res);
    }
    auto range = media::parse_range(req[http::field::range], size);
    if (range.outcome == media::RangeOutcome::kUnsatisfiable) {
      auto res = response(416);
      res->set(http::field::content_range, "bytes */" + std::to_string(size));
      res->set(http::field::content_type, "application/json");
      context_.metrics.count_error(v1::INVALID_ARGUMENT);
      res->body() = R"({"error":{"code":"INVALID_ARGUMENT","message":"the range is past the end of the blob"}})";
      return send(res);
    }
    uint64_t first = 0, length = size;
    unsigned status = 200;
    if (range.outcome == media::RangeOutcome::kRange) {
      first = range.range.first;
      length = range.range.length();
      status = 206;
    }
    if (method_ == http::verb::head) {
      auto res = std::make_shared<http::response<http::empty_body>>(static_cast<http::status>(status), 11);
      common(*res);
      res->content_length(length);
      if (status == 206) res->set(http::field::content_range, content_range(first, length, size));
      return send_headers_only(res);
    }
    auto res = std::make_shared<http::response<BlobBody>>(static_cast<http::status>(status), 11);
    common(*res);
    if (status == 206) res->set(http::field::content_range, content_range(first, length, size));
    res->body() = BlobBody::value_type{reader, first, length};
    context_.metrics.media_download_bytes.fetch_add(length, std::memory_order_relaxed);
    res->keep_alive(keep_alive_ && !context_.stopping);
    res->prepare_payload();
    auto sr = std::make_shared<http::response_serializer<BlobBody>>(*res);
    write_blob(res, sr);
  }

  // Streams the body a piece at a time, each with its own timeout: a large download may take long, a stalled
  // reader may not.
  void write_blob(const std::shared_ptr<http::response<BlobBody>>& res,
                  const std::shared_ptr<http::response_serializer<BlobBody>>& sr) {
    stream_.expires_after(kBodyTimeout);
    http::async_write_some(stream_, *sr, [self = shared_from_this(), res, sr](beast::error_code ec, size_t) {
      if (ec) return self->close();
      if (!sr->is_done()) return self->write_blob(res, sr);
      if (!res->keep_alive()) return self->close();
      serve_http(std::move(self->stream_), self->context_, std::move(self->buffer_));
    });
  }

  static std::string content_range(uint64_t first, uint64_t length, uint64_t size) {
    return "bytes " + std::to_string(first) + "-" + std::to_string(first + length - 1) + "/" + std::to_string(size);
  }

  template <typename Res>
  void send_headers_only(std::shared_ptr<Res> res) {
    res->keep_alive(keep_alive_ && !context_.stopping);
    stream_.expires_after(kBodyTimeout);
    auto sr = std::make_shared<http::response_serializer<http::empty_body>>(*res);
    http::async_write_header(stream_, *sr, [self = shared_from_this(), res, sr](beast::error_code ec, size_t) {
      if (ec || !res->keep_alive()) return self->close();
      serve_http(std::move(self->stream_), self->context_, std::move(self->buffer_));
    });
  }

  // ---- admin ----
  void admin_gc() {
    const std::string& secret = context_.config.admin_secret;
    if (secret.empty()) return error(v1::NOT_FOUND, "the admin API is off");
    std::string expected = "Bearer " + secret;
    if (authorization_.size() != expected.size() ||
        sodium_memcmp(authorization_.data(), expected.data(), expected.size()) != 0) {
      return error(v1::UNAUTHENTICATED, "missing or wrong admin secret (Authorization: Bearer <secret>)");
    }
    if (method_ != http::verb::post) return error(v1::INVALID_ARGUMENT, "POST runs garbage collection", 405);
    bool queued = context_.api.services().workers.submit([self = shared_from_this()] {
      auto report = self->media_.collect_garbage();
      self->on_thread([self, report] {
        if (!report) return self->error(report.error().code, report.error().message);
        auto res = self->response(200);
        res->set(http::field::content_type, "application/json");
        res->body() = "{\"blobsDeleted\":" + std::to_string(report->blobs_deleted) +
                      ",\"uploadsExpired\":" + std::to_string(report->uploads_expired) + "}";
        self->send(res);
      });
    });
    if (!queued) error(v1::UNAVAILABLE, "the server is busy; retry later");
  }

  NetStream stream_;
  beast::flat_buffer buffer_;
  http::request_parser<http::buffer_body> parser_;  // the header is read; the body, if any, is read in read_body
  SessionContext& context_;
  MediaService& media_;
  std::string path_, query_, authorization_, user_, upload_id_;
  http::verb method_ = http::verb::unknown;
  bool body_pending_ = false;
  bool keep_alive_ = true;
  bool expect_continue_ = false;
  int fd_ = -1;
  fs::path staged_;
  std::vector<char> chunk_;
  uint64_t body_limit_ = 0, received_ = 0;
  std::function<void(bool)> body_done_;
  std::optional<Error> error_after_body_;
  std::vector<char> drain_;
  size_t drained_ = 0;
};

}  // namespace

bool is_media_target(std::string_view target) {
  return target.starts_with("/v1/media/") || target.starts_with("/v1/admin/media/");
}

void serve_media(NetStream stream, beast::flat_buffer buffer, http::request_parser<http::string_body>& parser,
                 SessionContext& context) {
  MediaService* media = context.api.services().media;
  if (!media) {
    // Keep the connection simple: without media support, answer 404 and close.
    auto res = std::make_shared<http::response<http::string_body>>(http::status::not_found, 11);
    res->set(http::field::content_type, "application/json");
    res->body() = R"({"error":{"code":"NOT_FOUND","message":"media is not enabled"}})";
    res->keep_alive(false);
    res->prepare_payload();
    auto s = std::make_shared<NetStream>(std::move(stream));
    http::async_write(*s, *res, [s, res](beast::error_code, size_t) { s->close(); });
    return;
  }
  std::make_shared<MediaSession>(std::move(stream), std::move(buffer), parser, context, *media)->start();
}

}  // namespace parley::server
