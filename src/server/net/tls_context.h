// The TLS side of the https:// and wss:// listener: TLS 1.2 and 1.3 only, forward-secret AEAD ciphers, the
// configured certificate chain and private key. reload() (on SIGHUP) reads the files again and swaps in a new
// context for the connections that come next; connections already open keep the one they started with.
#pragma once

#include <boost/asio/ssl/context.hpp>

#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace parley::server {

// A server context for `cert_file` (PEM chain, the server's certificate first) and `key_file` (PEM key).
// Throws std::runtime_error naming the file and OpenSSL's reason when they cannot be used.
std::shared_ptr<boost::asio::ssl::context> make_tls_context(const std::string& cert_file, const std::string& key_file);

class TlsCredentials {
 public:
  // Loads the files now; throws like make_tls_context.
  TlsCredentials(std::string cert_file, std::string key_file);

  std::shared_ptr<boost::asio::ssl::context> current() const;
  // Reads the files again. On failure the current context stays in use and the reason is returned.
  std::optional<std::string> reload();

 private:
  const std::string cert_file_, key_file_;
  mutable std::mutex mutex_;
  std::shared_ptr<boost::asio::ssl::context> current_;
};

}  // namespace parley::server
