// Resumable uploads in progress (the tus 1.0 core protocol's resources). Each upload is a part file
// <data_dir>/uploads/<id>.part (its size is the upload's offset) plus a small sidecar <id>.meta with who
// started it, its declared length, name and type, so uploads survive a restart. Finished uploads keep their
// outcome (blob or error) in memory until they expire, so a client that lost the last response can ask again.
//
// Thread-safe (one small mutex, never held across disk I/O beyond open/stat/unlink of one file).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "parley/v1/media.pb.h"

namespace parley::media {

struct UploadMeta {
  std::string id;
  std::string user_id;
  uint64_t length = 0;
  std::string file_name;
  std::string claimed_type;
  int64_t created_ms = 0;
  int64_t expires_ms = 0;
};

enum class UploadState { kReceiving, kProcessing, kDone, kFailed };

struct UploadView {
  UploadMeta meta;
  uint64_t offset = 0;
  UploadState state = UploadState::kReceiving;
  v1::BlobInfo blob;  // kDone
  Error error;        // kFailed
};

class UploadRegistry {
 public:
  // Loads the uploads left in `dir` (creating it). Throws std::runtime_error when the directory is unusable.
  explicit UploadRegistry(std::filesystem::path dir);

  // Registers a new upload (creates its empty part file and sidecar). UNAVAILABLE on disk errors.
  Result<UploadView> create(UploadMeta meta);

  // The upload if it exists and belongs to `user_id` (NOT_FOUND otherwise, also for someone else's).
  Result<UploadView> get(const std::string& id, const std::string& user_id);

  // Starts appending at `offset`: returns a file descriptor open for writing at the end of the part file.
  // NOT_FOUND; CONFLICT when the offset is not the current one, when another append is in progress, or when
  // the upload is complete. The caller writes, then calls end_append with the fd exactly once.
  Result<int> begin_append(const std::string& id, const std::string& user_id, uint64_t offset);
  // Closes `fd` and returns the new offset (the part file's size). When it reached the declared length the
  // upload moves to kProcessing and `complete` is set.
  uint64_t end_append(const std::string& id, int fd, bool* complete);

  std::filesystem::path part_path(const std::string& id) const { return dir_ / (id + ".part"); }

  // Records the outcome of processing; the part file and sidecar are removed.
  void finish(const std::string& id, Result<v1::BlobInfo> outcome);

  // Removes an upload (tus termination). NOT_FOUND; CONFLICT while an append or processing runs.
  Status remove(const std::string& id, const std::string& user_id);

  // Bytes declared by `user_id`'s uploads still receiving, and how many there are.
  std::pair<uint64_t, uint32_t> pending_of(const std::string& user_id);

  // Drops uploads whose expiry is at or before `now_ms` (files included) and returns how many.
  size_t expire(int64_t now_ms);

 private:
  struct Entry {
    UploadView view;
    bool appending = false;
  };
  void drop_files(const std::string& id);

  std::filesystem::path dir_;
  std::mutex mu_;
  std::map<std::string, Entry> uploads_;
};

}  // namespace parley::media
