// LocalBlobStore: blobs as files under <data_dir>/blobs, fanned out by the first two bytes of the id
// (blobs/ab/cd/abcd...). Writes go to <data_dir>/blobs/tmp, are fsynced, then renamed into place and the
// directory fsynced, so no partial object is ever visible under its final name.
#pragma once

#include "server/media/blob_store.h"

namespace parley::media {

class LocalBlobStore final : public BlobStore {
 public:
  // Creates the directories; removes temp files left by a crash. Fails with UNAVAILABLE when it cannot.
  static Result<std::unique_ptr<LocalBlobStore>> create(const std::filesystem::path& root);

  Result<StoredBlob> put_file(const std::filesystem::path& staged) override;
  Status put_variant(const std::string& id, std::string_view variant, const std::filesystem::path& staged) override;
  Result<std::unique_ptr<BlobReader>> open(const std::string& key) override;
  Result<std::filesystem::path> local_path(const std::string& key) override;
  Status remove(const std::string& id) override;
  std::filesystem::path staging_dir() const override { return root_ / "tmp"; }

  std::filesystem::path path_of(std::string_view key) const;

 private:
  explicit LocalBlobStore(std::filesystem::path root) : root_(std::move(root)) {}
  Status install(const std::filesystem::path& staged, std::string_view key, bool* existed);

  std::filesystem::path root_;
};

// SHA-256 of a file's content as hex (streamed in 256 KiB reads).
Result<std::string> sha256_file(const std::filesystem::path& path);

// fsyncs a file or directory; false on error.
bool fsync_path(const std::filesystem::path& path, bool directory);

}  // namespace parley::media
