#include "server/media/media_service.h"

#include <spdlog/spdlog.h>

#include <future>

#include "common/random.h"
#include "server/media/http_fields.h"
#include "server/media/local_blob_store.h"

namespace parley::media {
namespace fs = std::filesystem;

namespace {

// Waits for an asynchronous store write from a worker thread (never an I/O thread).
template <typename T>
Result<T> wait_write(std::function<void(store::Done<T>)> start) {
  auto promise = std::make_shared<std::promise<Result<T>>>();
  auto future = promise->get_future();
  start([promise](Result<T> r) { promise->set_value(std::move(r)); });
  return future.get();
}

}  // namespace

Result<std::unique_ptr<MediaService>> MediaService::create(const server::Config& config, store::Store& store,
                                                           const Clock& clock, server::WorkerPool& readers) {
  fs::path data = config.data_dir;
  auto blobs = LocalBlobStore::create(data / "blobs");
  if (!blobs) return std::unexpected(blobs.error());
  auto signer = UrlSigner::load_or_create(data / "media.key");
  if (!signer) return std::unexpected(signer.error());
  ProcessOptions options;
  options.thumbnail_sizes = parse_sizes(config.media_thumbnail_sizes);
  options.webp_thumbnails = config.media_thumbnail_format == "webp";
  options.max_pixels = config.media_max_pixels;
  options.strip_metadata = config.media_strip_metadata;
  options.allowed_types = split_list(config.media_allowed_types);
  auto uploads = std::make_unique<UploadRegistry>(data / "uploads");
  return std::unique_ptr<MediaService>(new MediaService(config, store, clock, readers, std::move(*blobs),
                                                        std::move(uploads), std::move(*signer), std::move(options)));
}

MediaService::MediaService(const server::Config& config, store::Store& store, const Clock& clock,
                           server::WorkerPool& readers, std::unique_ptr<BlobStore> blobs,
                           std::unique_ptr<UploadRegistry> uploads, UrlSigner signer, ProcessOptions options)
    : config_(config),
      store_(store),
      clock_(clock),
      readers_(readers),
      blobs_(std::move(blobs)),
      uploads_(std::move(uploads)),
      signer_(std::move(signer)),
      options_(std::move(options)),
      processors_(static_cast<int>(config.media_workers), config.media_max_queued_jobs) {
  if (config_.media_gc_interval_seconds > 0) gc_thread_ = std::thread([this] { gc_loop(); });
}

MediaService::~MediaService() {
  {
    std::lock_guard lock(stop_mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (gc_thread_.joinable()) gc_thread_.join();
  processors_.stop();
}

void MediaService::gc_loop() {
  std::unique_lock lock(stop_mu_);
  while (!stop_cv_.wait_for(lock, std::chrono::seconds(config_.media_gc_interval_seconds), [this] { return stopping_; })) {
    lock.unlock();
    auto report = collect_garbage();
    if (!report) spdlog::warn("media: garbage collection failed: {}", report.error().message);
    else if (report->blobs_deleted || report->uploads_expired)
      spdlog::info("media: deleted {} blobs and {} expired uploads", report->blobs_deleted, report->uploads_expired);
    lock.lock();
  }
}

void MediaService::authenticate(const std::string& authorization, const UserDone& done) {
  constexpr std::string_view kBearer = "Bearer ";
  if (!std::string_view(authorization).starts_with(kBearer) || authorization.size() == kBearer.size()) {
    return done(fail(v1::UNAUTHENTICATED, "missing session token (Authorization: Bearer <token>)"));
  }
  std::string hash = sha256_hex(std::string_view(authorization).substr(kBearer.size()));
  bool queued = readers_.submit([this, hash, done] {
    auto session = store_.get_session(hash);
    if (!session) {
      return done(session.error().code == v1::NOT_FOUND ? fail(v1::UNAUTHENTICATED, "unknown session token")
                                                        : std::unexpected(session.error()));
    }
    if (session->expires_at_ms <= clock_.now_ms()) return done(fail(v1::TOKEN_EXPIRED, "the token has expired"));
    auto user = store_.get_user(session->user_id);
    if (!user) return done(std::unexpected(user.error()));
    if (user->disabled) return done(fail(v1::PERMISSION_DENIED, "the account is disabled"));
    done(session->user_id);
  });
  if (!queued) done(fail(v1::UNAVAILABLE, "the server is busy; retry later"));
}

void MediaService::check_quota(const std::string& user, uint64_t length, bool resumable,
                                const std::function<void(Status)>& done) {
  uint64_t limit = resumable ? config_.media_max_file_bytes : std::min(config_.media_max_file_bytes,
                                                                        config_.media_max_oneshot_bytes);
  if (length > limit) {
    return done(fail(v1::TOO_LARGE, "the file is " + std::to_string(length) + " bytes; at most " +
                                        std::to_string(limit) + " are accepted" +
                                        (resumable ? "" : " in one request (use a resumable upload)")));
  }
  auto [pending_bytes, pending_count] = uploads_->pending_of(user);
  if (resumable && pending_count >= config_.media_max_pending_uploads) {
    return done(fail(v1::RATE_LIMITED, "too many uploads in progress; finish or delete one first"));
  }
  bool queued = readers_.submit([this, user, length, pending = pending_bytes, done] {
    auto used = store_.blob_bytes_of(user);
    if (!used) return done(std::unexpected(used.error()));
    if (*used + pending + length > config_.media_quota_bytes) {
      return done(fail(v1::TOO_LARGE, "this upload would exceed your storage quota of " +
                                          std::to_string(config_.media_quota_bytes) + " bytes"));
    }
    done({});
  });
  if (!queued) done(fail(v1::UNAVAILABLE, "the server is busy; retry later"));
}

void MediaService::ingest(const std::string& user, const fs::path& file, const std::string& claimed_type,
                          const BlobDone& done) {
  bool queued = processors_.submit([this, user, file, claimed_type, done] {
    fs::path scratch = blobs_->staging_dir();
    auto processed = process_media(file, claimed_type, options_, scratch);
    if (!processed) {
      std::error_code ec;
      fs::remove(file, ec);
      return done(std::unexpected(processed.error()));
    }
    // The upload itself is not kept when a cleaned copy replaced it.
    if (processed->file != file) {
      std::error_code ec;
      fs::remove(file, ec);
    }
    done(store_processed(user, std::move(*processed)));
  });
  if (!queued) {
    std::error_code ec;
    fs::remove(file, ec);
    done(fail(v1::UNAVAILABLE, "media processing is busy; retry later"));
  }
}

Result<v1::BlobInfo> MediaService::store_processed(const std::string& user, Processed p) {
  std::shared_lock lock(gc_mu_);
  auto cleanup = [&p] {
    std::error_code ec;
    fs::remove(p.file, ec);
    for (auto& t : p.thumbnails) fs::remove(t.file, ec);
  };
  auto stored = blobs_->put_file(p.file);
  if (!stored) {
    cleanup();
    return std::unexpected(stored.error());
  }
  v1::BlobInfo info = p.info;
  info.set_blob_id(stored->id);
  info.set_size_bytes(stored->size);
  for (auto& t : p.thumbnails) {
    if (auto ok = blobs_->put_variant(stored->id, t.variant, t.file); !ok) {
      cleanup();
      return std::unexpected(ok.error());
    }
    v1::Thumbnail* thumb = info.add_thumbnails();
    *thumb = t.info;
    thumb->set_blob_id(stored->id + "." + t.variant);
  }
  return wait_write<v1::BlobInfo>([&](store::Done<v1::BlobInfo> d) {
    store_.put_blob(info, user, clock_.now_ms(), std::move(d));
  });
}

void MediaService::finish_upload(const std::string& id, const std::string& user, const BlobDone& done) {
  // The part file is moved aside first, so the registry's cleanup cannot race with processing it.
  fs::path staged = blobs_->staging_dir() / ("u-" + random_token(12));
  std::error_code ec;
  fs::rename(uploads_->part_path(id), staged, ec);
  if (ec) {
    Result<v1::BlobInfo> failed = fail(v1::UNAVAILABLE, "cannot read the upload's file");
    uploads_->finish(id, failed);
    return done(failed);
  }
  auto view = uploads_->get(id, user);
  std::string claimed = view ? view->meta.claimed_type : "";
  ingest(user, staged, claimed, [this, id, done](Result<v1::BlobInfo> outcome) {
    uploads_->finish(id, outcome);
    done(std::move(outcome));
  });
}

Result<v1::BlobInfo> MediaService::info_for(const std::string& key, const std::string& user) {
  if (!is_valid_blob_key(key)) return fail(v1::NOT_FOUND, "no such blob");
  std::string id(blob_id_of(key));
  auto allowed = store_.may_read_blob(id, user);
  if (!allowed) return std::unexpected(allowed.error());
  if (!*allowed) return fail(v1::NOT_FOUND, "no such blob, or you may not read it");
  return store_.get_blob(id);
}

Result<v1::GetBlobUrlResponse> MediaService::url_for(const std::string& key, const std::string& user,
                                                     const std::string& file_name) {
  auto info = info_for(key, user);
  if (!info) return std::unexpected(info.error());
  int64_t expires_s = clock_.now_ms() / 1000 + config_.media_url_ttl_seconds;
  v1::GetBlobUrlResponse out;
  out.set_url(signer_.sign(key, expires_s, file_name));
  out.set_expires_at_ms(expires_s * 1000);
  *out.mutable_blob() = std::move(*info);
  return out;
}

void MediaService::open_download(const std::string& key, const std::string& query, const std::string& authorization,
                                 const std::function<void(Result<Download>)>& done) {
  if (!is_valid_blob_key(key)) return done(fail(v1::NOT_FOUND, "no such blob"));
  auto open = [this, key, done](int64_t max_age_s, std::string file_name) {
    auto info = store_.get_blob(std::string(blob_id_of(key)));
    if (!info) return done(std::unexpected(info.error()));
    Download d;
    d.key = key;
    d.mime_type = info->mime_type();
    for (const auto& t : info->thumbnails()) {
      if (t.blob_id() == key) d.mime_type = t.mime_type();
    }
    auto reader = blobs_->open(key);
    if (!reader) return done(std::unexpected(reader.error()));
    d.reader = std::move(*reader);
    d.file_name = std::move(file_name);
    d.max_age_s = max_age_s;
    done(std::move(d));
  };
  if (query.find("sig=") != std::string::npos) {
    int64_t now_s = clock_.now_ms() / 1000;
    if (auto ok = signer_.verify(key, query, now_s); !ok) return done(std::unexpected(ok.error()));
    auto exp = query_param(query, "exp");
    int64_t max_age = exp ? static_cast<int64_t>(parse_u64(*exp).value_or(0)) - now_s : 0;
    std::string name = query_param(query, "name").value_or("");
    bool queued = readers_.submit([open, max_age, name] { open(std::max<int64_t>(0, max_age), name); });
    if (!queued) done(fail(v1::UNAVAILABLE, "the server is busy; retry later"));
    return;
  }
  authenticate(authorization, [this, key, open, done](Result<std::string> user) {
    if (!user) return done(std::unexpected(user.error()));
    auto allowed = store_.may_read_blob(std::string(blob_id_of(key)), *user);
    if (!allowed) return done(std::unexpected(allowed.error()));
    if (!*allowed) return done(fail(v1::NOT_FOUND, "no such blob, or you may not read it"));
    open(3600, "");
  });
}

Result<GcReport> MediaService::collect_garbage() {
  GcReport report;
  report.uploads_expired = uploads_->expire(clock_.now_ms());
  int64_t idle_before = clock_.now_ms() - static_cast<int64_t>(config_.media_gc_grace_seconds) * 1000;
  for (;;) {
    auto candidates = store_.collectable_blobs(idle_before, 500);
    if (!candidates) return std::unexpected(candidates.error());
    if (candidates->empty()) break;
    std::unique_lock lock(gc_mu_);
    auto deleted = wait_write<std::vector<std::string>>([&](store::Done<std::vector<std::string>> d) {
      store_.delete_blobs(*candidates, idle_before, std::move(d));
    });
    if (!deleted) return std::unexpected(deleted.error());
    for (const auto& id : *deleted) {
      if (auto ok = blobs_->remove(id); !ok) spdlog::warn("media: cannot remove blob {}: {}", id, ok.error().message);
    }
    report.blobs_deleted += deleted->size();
    if (deleted->size() < candidates->size() || candidates->size() < 500) break;
  }
  return report;
}

}  // namespace parley::media
