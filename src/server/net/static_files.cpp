#include "server/net/static_files.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <system_error>

namespace parley::server {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kIndex = "/index.html";
constexpr std::string_view kAssets = "/assets/";

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decodes `path` and checks that it is a clean absolute path: no empty-dot segments, no backslash, no
// NUL. Returns nullopt for anything else.
std::optional<std::string> clean_path(std::string_view path) {
  if (path.empty() || path.front() != '/') return std::nullopt;
  std::string decoded;
  decoded.reserve(path.size());
  for (size_t i = 0; i < path.size(); ++i) {
    char c = path[i];
    if (c == '%') {
      if (i + 2 >= path.size()) return std::nullopt;
      int hi = hex_value(path[i + 1]), lo = hex_value(path[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
    }
    if (c == '\0' || c == '\\') return std::nullopt;
    decoded.push_back(c);
  }
  size_t start = 1;
  while (start <= decoded.size()) {
    size_t end = decoded.find('/', start);
    if (end == std::string::npos) end = decoded.size();
    std::string_view segment(decoded.data() + start, end - start);
    if (segment == "." || segment == "..") return std::nullopt;
    start = end + 1;
  }
  return decoded;
}

bool inside(const fs::path& root, const fs::path& p) {
  auto r = root.begin(), q = p.begin();
  for (; r != root.end(); ++r, ++q) {
    if (q == p.end() || *r != *q) return false;
  }
  return true;
}

StaticReply make_reply(unsigned status, std::string_view type, std::string_view cache, std::string body) {
  return StaticReply{status, std::string(type), std::move(body),
                     HeaderList{{"Cache-Control", std::string(cache)},
                                {"Content-Security-Policy", StaticFiles::kContentSecurityPolicy},
                                {"Referrer-Policy", "no-referrer"}}};
}

}  // namespace

std::string_view StaticFiles::content_type_for(std::string_view name) {
  static constexpr std::pair<std::string_view, std::string_view> kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".webmanifest", "application/manifest+json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".gif", "image/gif"},
      {".webp", "image/webp"},
      {".avif", "image/avif"},
      {".ico", "image/x-icon"},
      {".woff", "font/woff"},
      {".woff2", "font/woff2"},
      {".ttf", "font/ttf"},
      {".txt", "text/plain; charset=utf-8"},
      {".wasm", "application/wasm"},
  };
  auto slash = name.rfind('/');
  auto base = slash == std::string_view::npos ? name : name.substr(slash + 1);
  auto dot = base.rfind('.');
  if (dot == std::string_view::npos) return "application/octet-stream";
  auto ext = base.substr(dot);
  for (const auto& [e, type] : kTypes) {
    if (ext.size() == e.size() && std::equal(ext.begin(), ext.end(), e.begin(), [](char a, char b) {
          return static_cast<char>(std::tolower(static_cast<unsigned char>(a))) == b;
        })) {
      return type;
    }
  }
  return "application/octet-stream";
}

std::unique_ptr<StaticFiles> StaticFiles::load(const std::string& root) {
  if (root.empty()) return nullptr;
  std::error_code ec;
  fs::path canonical_root = fs::canonical(root, ec);
  if (ec || !fs::is_directory(canonical_root, ec)) return nullptr;
  if (!fs::is_regular_file(canonical_root / "index.html", ec)) {
    spdlog::warn("web root {} has no index.html; serving the plain home page", root);
    return nullptr;
  }
  auto files = std::unique_ptr<StaticFiles>(new StaticFiles());
  files->root_ = canonical_root.string();
  uint64_t total = 0;
  fs::recursive_directory_iterator it(canonical_root, fs::directory_options::skip_permission_denied, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const fs::directory_entry& entry = *it;
    std::error_code entry_ec;
    // A symlink counts only when what it points to is a regular file inside the root.
    fs::path target = fs::canonical(entry.path(), entry_ec);
    if (entry_ec || !inside(canonical_root, target) || !fs::is_regular_file(target, entry_ec)) continue;
    uint64_t size = fs::file_size(target, entry_ec);
    if (entry_ec) continue;
    if (total + size > kMaxTotalBytes) {
      spdlog::warn("web root {}: skipping {} (the web client is capped at {} bytes)", root, entry.path().string(),
                   kMaxTotalBytes);
      continue;
    }
    std::ifstream in(target, std::ios::binary);
    std::string contents((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in.good() && !in.eof()) continue;
    total += contents.size();
    files->files_["/" + entry.path().lexically_relative(canonical_root).generic_string()] = std::move(contents);
  }
  if (ec) spdlog::warn("web root {}: {}", root, ec.message());
  if (!files->files_.contains(kIndex)) return nullptr;
  return files;
}

std::optional<StaticReply> StaticFiles::serve(std::string_view path) const {
  if (path == "/v1" || path.starts_with("/v1/")) return std::nullopt;
  auto clean = clean_path(path);
  if (!clean) return make_reply(400, "text/plain; charset=utf-8", "no-store", "bad path\n");
  std::string_view name = *clean;
  if (name == "/") name = kIndex;
  if (auto it = files_.find(name); it != files_.end()) {
    const bool hashed = name.starts_with(kAssets);
    return make_reply(200, content_type_for(name),
                      hashed ? "public, max-age=31536000, immutable" : "no-cache", it->second);
  }
  // A name with a known file extension is a missing file; anything else is a route of the app (user ids may
  // hold dots, so "has a dot" is not enough).
  const bool names_a_file = content_type_for(name) != "application/octet-stream";
  if (name.starts_with(kAssets) || names_a_file) {
    return make_reply(404, "text/plain; charset=utf-8", "no-store", "not found\n");
  }
  return make_reply(200, content_type_for(kIndex), "no-cache", files_.find(kIndex)->second);
}

}  // namespace parley::server
