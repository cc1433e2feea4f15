#include "server/media/signed_url.h"

#include <fcntl.h>
#include <sodium.h>
#include <unistd.h>

#include <fstream>
#include <iterator>

#include "server/media/http_fields.h"

namespace parley::media {

Result<UrlSigner> UrlSigner::load_or_create(const std::filesystem::path& key_file) {
  std::ifstream in(key_file, std::ios::binary);
  if (in) {
    std::string key((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (key.size() != crypto_auth_hmacsha256_KEYBYTES) {
      return fail(v1::UNAVAILABLE, key_file.string() + " is not a 32-byte key: remove it to make a new one");
    }
    return UrlSigner(std::move(key));
  }
  std::string key(crypto_auth_hmacsha256_KEYBYTES, '\0');
  randombytes_buf(key.data(), key.size());
  std::string tmp = key_file.string() + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0 || ::write(fd, key.data(), key.size()) != static_cast<ssize_t>(key.size()) || ::fsync(fd) != 0) {
    if (fd >= 0) ::close(fd);
    return fail(v1::UNAVAILABLE, "cannot write " + tmp);
  }
  ::close(fd);
  if (::rename(tmp.c_str(), key_file.c_str()) != 0) return fail(v1::UNAVAILABLE, "cannot create " + key_file.string());
  return UrlSigner(std::move(key));
}

std::string UrlSigner::mac(std::string_view blob_key, std::string_view exp, std::string_view name) const {
  std::string data;
  data.append(blob_key).push_back('\n');
  data.append(exp).push_back('\n');
  data.append(name);
  unsigned char out[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256(out, reinterpret_cast<const unsigned char*>(data.data()), data.size(),
                         reinterpret_cast<const unsigned char*>(key_.data()));
  char hex[sizeof out * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, out, sizeof out);
  return hex;
}

std::string UrlSigner::sign(std::string_view blob_key, int64_t expires_at_s, std::string_view file_name) const {
  std::string exp = std::to_string(expires_at_s);
  std::string url = "/v1/media/blobs/" + std::string(blob_key) + "?exp=" + exp;
  if (!file_name.empty()) url += "&name=" + url_encode(file_name);
  return url + "&sig=" + mac(blob_key, exp, file_name);
}

Status UrlSigner::verify(std::string_view blob_key, std::string_view query, int64_t now_s) const {
  auto exp = query_param(query, "exp");
  auto sig = query_param(query, "sig");
  auto name = query_param(query, "name").value_or("");
  if (!exp || !sig) return fail(v1::PERMISSION_DENIED, "the URL is not signed");
  auto expires = parse_u64(*exp);
  if (!expires) return fail(v1::PERMISSION_DENIED, "the URL's expiry is malformed");
  std::string expected = mac(blob_key, *exp, name);
  if (sig->size() != expected.size() || sodium_memcmp(sig->data(), expected.data(), expected.size()) != 0) {
    return fail(v1::PERMISSION_DENIED, "the URL's signature does not match");
  }
  if (static_cast<int64_t>(*expires) <= now_s) return fail(v1::PERMISSION_DENIED, "the URL has expired");
  return {};
}

}  // namespace parley::media
