#include "server/media/local_blob_store.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>
#include <vector>

namespace parley::media {
namespace fs = std::filesystem;

namespace {

class FileReader final : public BlobReader {
 public:
  FileReader(int fd, uint64_t size) : fd_(fd), size_(size) {}
  ~FileReader() override { ::close(fd_); }
  uint64_t size() const override { return size_; }
  size_t read_at(uint64_t offset, char* out, size_t n) override {
    for (;;) {
      ssize_t got = ::pread(fd_, out, n, static_cast<off_t>(offset));
      if (got < 0 && errno == EINTR) continue;
      return got < 0 ? 0 : static_cast<size_t>(got);
    }
  }

 private:
  int fd_;
  uint64_t size_;
};

Error unavailable(const std::string& what, const fs::path& path) {
  return Error{v1::UNAVAILABLE, what + " " + path.string() + ": " + std::generic_category().message(errno)};
}

}  // namespace

bool fsync_path(const fs::path& path, bool directory) {
  int fd = ::open(path.c_str(), directory ? (O_RDONLY | O_DIRECTORY) : O_RDONLY);
  if (fd < 0) return false;
  bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
}

Result<std::string> sha256_file(const fs::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) return std::unexpected(unavailable("cannot open", path));
  crypto_hash_sha256_state state;
  crypto_hash_sha256_init(&state);
  std::vector<unsigned char> buf(size_t{256} * 1024);
  for (;;) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      auto e = unavailable("cannot read", path);
      ::close(fd);
      return std::unexpected(e);
    }
    if (n == 0) break;
    crypto_hash_sha256_update(&state, buf.data(), static_cast<unsigned long long>(n));
  }
  ::close(fd);
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(&state, digest);
  char hex[crypto_hash_sha256_BYTES * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return std::string(hex);
}

Result<std::unique_ptr<LocalBlobStore>> LocalBlobStore::create(const fs::path& root) {
  std::error_code ec;
  fs::create_directories(root / "tmp", ec);
  if (ec) return fail(v1::UNAVAILABLE, "cannot create " + (root / "tmp").string() + ": " + ec.message());
  // Temp files left by a crash were never visible under a final name: drop them.
  for (const auto& entry : fs::directory_iterator(root / "tmp", ec)) fs::remove(entry.path(), ec);
  return std::unique_ptr<LocalBlobStore>(new LocalBlobStore(root));
}

fs::path LocalBlobStore::path_of(std::string_view key) const {
  return root_ / std::string(key.substr(0, 2)) / std::string(key.substr(2, 2)) / std::string(key);
}

Status LocalBlobStore::install(const fs::path& staged, std::string_view key, bool* existed) {
  fs::path target = path_of(key);
  std::error_code ec;
  fs::create_directories(target.parent_path(), ec);
  if (ec) return fail(v1::UNAVAILABLE, "cannot create " + target.parent_path().string() + ": " + ec.message());
  if (!fsync_path(staged, false)) return std::unexpected(unavailable("cannot fsync", staged));
  // Same content, same name: when the object already exists the new copy is identical, and rename() replacing
  // it atomically is harmless to readers holding the old file open.
  *existed = fs::exists(target, ec);
  if (*existed) {
    fs::remove(staged, ec);
    return {};
  }
  if (::rename(staged.c_str(), target.c_str()) != 0) return std::unexpected(unavailable("cannot rename to", target));
  if (!fsync_path(target.parent_path(), true)) return std::unexpected(unavailable("cannot fsync", target.parent_path()));
  return {};
}

Result<StoredBlob> LocalBlobStore::put_file(const fs::path& staged) {
  auto hash = sha256_file(staged);
  if (!hash) return std::unexpected(hash.error());
  std::error_code ec;
  StoredBlob out{*hash, fs::file_size(staged, ec), false};
  if (ec) return fail(v1::UNAVAILABLE, "cannot stat " + staged.string() + ": " + ec.message());
  if (auto ok = install(staged, out.id, &out.existed); !ok) return std::unexpected(ok.error());
  return out;
}

Status LocalBlobStore::put_variant(const std::string& id, std::string_view variant, const fs::path& staged) {
  std::string key = id + "." + std::string(variant);
  if (!is_valid_blob_key(key)) return fail(v1::INVALID_ARGUMENT, "bad blob variant " + key);
  bool existed = false;
  return install(staged, key, &existed);
}

Result<std::unique_ptr<BlobReader>> LocalBlobStore::open(const std::string& key) {
  if (!is_valid_blob_key(key)) return fail(v1::NOT_FOUND, "no such blob");
  fs::path path = path_of(key);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return fail(v1::NOT_FOUND, "no such blob");
    return std::unexpected(unavailable("cannot open", path));
  }
  struct stat st{};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return std::unexpected(unavailable("cannot stat", path));
  }
  return std::unique_ptr<BlobReader>(new FileReader(fd, static_cast<uint64_t>(st.st_size)));
}

Result<fs::path> LocalBlobStore::local_path(const std::string& key) {
  if (!is_valid_blob_key(key)) return fail(v1::NOT_FOUND, "no such blob");
  fs::path path = path_of(key);
  std::error_code ec;
  if (!fs::exists(path, ec)) return fail(v1::NOT_FOUND, "no such blob");
  return path;
}

Status LocalBlobStore::remove(const std::string& id) {
  if (!is_valid_blob_key(id) || id.find('.') != std::string::npos) return fail(v1::INVALID_ARGUMENT, "bad blob id");
  fs::path dir = path_of(id).parent_path();
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    auto name = entry.path().filename().string();
    if (name == id || name.starts_with(id + ".")) fs::remove(entry.path(), ec);
  }
  return {};
}

}  // namespace parley::media
