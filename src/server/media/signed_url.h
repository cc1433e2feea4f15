// Short-lived signed download URLs, so a browser can fetch a blob with a plain <img src>: the URL names the
// blob, an expiry time and an optional file name, and carries an HMAC-SHA256 over them with a server secret
// kept in <data_dir>/media.key (created on first start, mode 0600). Anyone holding the URL can fetch the blob
// until it expires; the server only hands URLs to users allowed to read the blob.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "common/result.h"

namespace parley::media {

class UrlSigner {
 public:
  // Loads the key from `key_file`, creating it with fresh random bytes when missing.
  static Result<UrlSigner> load_or_create(const std::filesystem::path& key_file);
  explicit UrlSigner(std::string key) : key_(std::move(key)) {}

  // "/v1/media/blobs/<key>?exp=<unix seconds>&name=<name>&sig=<hex>" (name omitted when empty).
  std::string sign(std::string_view blob_key, int64_t expires_at_s, std::string_view file_name) const;

  // Checks a request's signature and expiry. PERMISSION_DENIED for a bad signature, an expired URL, or a
  // missing parameter.
  Status verify(std::string_view blob_key, std::string_view query, int64_t now_s) const;

 private:
  std::string mac(std::string_view blob_key, std::string_view exp, std::string_view name) const;
  std::string key_;
};

}  // namespace parley::media
