// The BlobStore seam (DESIGN §1): where the bytes of uploaded media live. Content-addressed: a blob's id is the
// lowercase hex SHA-256 of its bytes, so the same content is stored once. A blob may have variants (thumbnails,
// a video's poster) stored under "<id>.<variant>"; they live and die with their blob.
//
// The embedded implementation is LocalBlobStore (files under the data directory); an S3-compatible one comes
// with the cluster work behind this interface. Metadata (type, dimensions, who uploaded, which conversations
// reference it) lives in the Store, not here.
//
// Threading: every method is thread-safe and may block on disk or network: call from worker threads only
// (reads on the HTTP path are small preads into a bounded buffer).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace parley::media {

// A readable stored object. read_at() may return fewer bytes than asked; 0 means end or error.
class BlobReader {
 public:
  virtual ~BlobReader() = default;
  virtual uint64_t size() const = 0;
  virtual size_t read_at(uint64_t offset, char* out, size_t n) = 0;
};

struct StoredBlob {
  std::string id;     // sha256 hex
  uint64_t size = 0;
  bool existed = false;  // the content was already stored (deduplicated)
};

class BlobStore {
 public:
  virtual ~BlobStore() = default;

  // Moves the finished file at `staged` into the store under the SHA-256 of its content. The file is consumed
  // (moved or deleted) on success. Atomic: the object is either complete and visible, or absent; concurrent
  // puts of the same content both succeed with the same id.
  virtual Result<StoredBlob> put_file(const std::filesystem::path& staged) = 0;

  // Stores a variant of blob `id` (e.g. "t320"), consuming `staged`. Same atomicity as put_file.
  virtual Status put_variant(const std::string& id, std::string_view variant, const std::filesystem::path& staged) = 0;

  // Opens "<id>" or "<id>.<variant>". NOT_FOUND when absent.
  virtual Result<std::unique_ptr<BlobReader>> open(const std::string& key) = 0;

  // A local path for tools that need a file (processing). Local store: the object itself; others: a temp copy.
  virtual Result<std::filesystem::path> local_path(const std::string& key) = 0;

  // Removes a blob and all its variants. Removing an absent blob succeeds.
  virtual Status remove(const std::string& id) = 0;

  // A directory for temporary files on the same file system as the objects (so a rename is atomic).
  virtual std::filesystem::path staging_dir() const = 0;
};

// "<64 hex>" or "<64 hex>.<variant>" with a variant of 1-16 of [a-z0-9]. Anything else (paths, dots,
// upper case) is refused before it gets near a file name.
bool is_valid_blob_key(std::string_view key);
// The blob id part of a key ("<id>" of "<id>.t320").
std::string_view blob_id_of(std::string_view key);

}  // namespace parley::media
