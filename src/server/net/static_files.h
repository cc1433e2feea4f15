// The web client's files, served by parleyd: maps a GET path to a file under the configured web root.
//
// The files are read once, at start-up, into memory (the production build of the web client is a few hundred
// kilobytes), so serving never touches the disk on an I/O thread and the set of servable files is fixed: a
// request can only ever name one of them. Rebuild the web client, then restart parleyd to serve the new build.
//
// What is served:
// - a path naming a file under the root (after percent-decoding) gets that file with its Content-Type;
// - `/` and any other path that is not a file, not under `/v1/`, not under `/assets/` and not ending in a known
//   file extension (an SPA route such as `/c/d:alice:bob`) gets `index.html`;
// - a missing file under `/assets/` or with a known extension (`.js`, `.png`, ...) is 404 (a stale bundle must fail loudly, not get HTML);
// - a path with `..` or `.` segments, a backslash, a NUL or bad percent-encoding is 400.
// Files under `/assets/` carry content hashes in their names (Vite's build), so they are cached for a year as
// immutable; everything else (index.html first of all) is `no-cache`. Every answer carries a
// Content-Security-Policy that allows only the app's own scripts, styles and WebSocket.
//
// Symlinks are followed only when their target stays inside the root; other entries (sockets, devices,
// symlinks out of the root) are skipped. The total is capped (kMaxTotalBytes); files past it are skipped with a
// warning.
//
// Thread safety: immutable after load(); serve() may be called from any thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace parley::server {

// Header fields an answer adds to (or overrides in) the session's defaults.
using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct StaticReply {
  unsigned status = 200;
  std::string content_type;
  std::string body;
  HeaderList headers;  // Cache-Control, Content-Security-Policy, Referrer-Policy
};

class StaticFiles {
 public:
  static constexpr uint64_t kMaxTotalBytes = 64ull * 1024 * 1024;
  static constexpr const char* kContentSecurityPolicy =
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
      "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
      "frame-ancestors 'none'";

  // Reads every file under `root`. Returns nullptr when `root` is empty, does not exist, is not a directory or
  // holds no index.html (parleyd then keeps its plain home page); never throws.
  static std::unique_ptr<StaticFiles> load(const std::string& root);

  // The answer for a GET of `path` (the request target without its query), or nullopt when the path is not
  // the web client's to answer (anything under /v1/). Never throws.
  std::optional<StaticReply> serve(std::string_view path) const;

  size_t file_count() const { return files_.size(); }
  const std::string& root() const { return root_; }

  // The Content-Type for a file name, by extension; application/octet-stream when unknown.
  static std::string_view content_type_for(std::string_view name);

 private:
  StaticFiles() = default;
  std::string root_;
  std::map<std::string, std::string, std::less<>> files_;  // "/index.html" -> contents
};

}  // namespace parley::server
