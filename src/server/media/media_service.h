// The media service: what the HTTP endpoints and the WebSocket API ask of media, wired once by main.
// It owns the BlobStore, the upload registry, the bounded processing pool, the URL signer and the garbage
// collector; it reads and writes blob records through the Store.
//
// Threading: methods taking a `done` return at once and run `done` exactly once on a worker thread (store
// reads on the shared worker pool, processing on the media pool). Methods without `done` block: call them
// from worker threads. Nothing here runs on, or blocks, an I/O thread.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <shared_mutex>
#include <string>
#include <thread>

#include "common/clock.h"
#include "server/api/worker_pool.h"
#include "server/config.h"
#include "server/media/blob_store.h"
#include "server/media/processor.h"
#include "server/media/signed_url.h"
#include "server/media/upload_registry.h"
#include "server/store/store.h"

namespace parley::media {

// A blob ready to stream to one client.
struct Download {
  std::unique_ptr<BlobReader> reader;
  std::string key;            // "<id>" or "<id>.t320"
  std::string mime_type;
  std::string file_name;      // from a signed URL's name (empty: none)
  int64_t max_age_s = 0;      // how long a cache may keep it
};

struct GcReport {
  size_t blobs_deleted = 0;
  size_t uploads_expired = 0;
};

class MediaService {
 public:
  using UserDone = std::function<void(Result<std::string>)>;
  using BlobDone = std::function<void(Result<v1::BlobInfo>)>;

  // Opens <data_dir>/blobs, <data_dir>/uploads and <data_dir>/media.key; starts the processing pool and, when
  // configured, the periodic garbage collector. Config errors throw (start-up).
  static Result<std::unique_ptr<MediaService>> create(const server::Config& config, store::Store& store,
                                                      const Clock& clock, server::WorkerPool& readers);
  ~MediaService();  // stops the collector and waits for processing in flight

  const server::Config& config() const { return config_; }
  UploadRegistry& uploads() { return *uploads_; }
  BlobStore& blobs() { return *blobs_; }
  int64_t now_ms() const { return clock_.now_ms(); }

  // "Bearer <session token>" to the user id (UNAUTHENTICATED, TOKEN_EXPIRED, PERMISSION_DENIED if disabled).
  void authenticate(const std::string& authorization, const UserDone& done);

  // Checks that `user` may start an upload of `length` bytes (size limit, pending uploads, quota).
  void check_quota(const std::string& user, uint64_t length, bool resumable, const std::function<void(Status)>& done);

  // Processes `file` (consumed), stores it and its thumbnails, and records `user` as an uploader.
  // UNAVAILABLE when the processing queue is full.
  void ingest(const std::string& user, const std::filesystem::path& file, const std::string& claimed_type,
              const BlobDone& done);

  // Processes the complete resumable upload `id` and records the outcome in the registry.
  void finish_upload(const std::string& id, const std::string& user, const BlobDone& done);

  // A download of `key` authorised by a signed URL (`query`) or, without one, by the bearer token: the user
  // must be allowed to read the blob. NOT_FOUND for unknown blobs and for blobs the user may not read.
  void open_download(const std::string& key, const std::string& query, const std::string& authorization,
                     const std::function<void(Result<Download>)>& done);

  // Blob info for a user allowed to read it (blocking).
  Result<v1::BlobInfo> info_for(const std::string& key, const std::string& user);
  // A signed URL for a user allowed to read the blob (blocking).
  Result<v1::GetBlobUrlResponse> url_for(const std::string& key, const std::string& user, const std::string& file_name);

  // Deletes blobs unreferenced for the grace period and expired uploads (blocking).
  Result<GcReport> collect_garbage();

 private:
  MediaService(const server::Config& config, store::Store& store, const Clock& clock, server::WorkerPool& readers,
               std::unique_ptr<BlobStore> blobs, std::unique_ptr<UploadRegistry> uploads, UrlSigner signer,
               ProcessOptions options);
  Result<v1::BlobInfo> store_processed(const std::string& user, Processed processed);
  void gc_loop();

  const server::Config& config_;
  store::Store& store_;
  const Clock& clock_;
  server::WorkerPool& readers_;
  std::unique_ptr<BlobStore> blobs_;
  std::unique_ptr<UploadRegistry> uploads_;
  UrlSigner signer_;
  ProcessOptions options_;
  server::WorkerPool processors_;
  // Uploads storing a blob hold it shared; the collector holds it exclusively while it deletes, so it never
  // deletes the bytes of a blob an upload is recording at that moment.
  std::shared_mutex gc_mu_;
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread gc_thread_;
};

}  // namespace parley::media
