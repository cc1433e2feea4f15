#include "server/media/processor.h"

#include <magic.h>

#include <algorithm>
#include <stdexcept>

#include "common/random.h"

namespace parley::media {
namespace {

std::string top_level(std::string_view mime) { return std::string(mime.substr(0, mime.find('/'))); }

bool allowed(const std::string& mime, const std::vector<std::string>& prefixes) {
  for (const auto& p : prefixes) {
    if (p == "*" || mime.starts_with(p)) return true;
  }
  return false;
}

// libmagic cookies are not thread-safe: one per thread, loaded once.
struct MagicCookie {
  magic_t cookie = magic_open(MAGIC_MIME_TYPE | MAGIC_ERROR | MAGIC_NO_CHECK_COMPRESS);
  MagicCookie() {
    if (cookie && magic_load(cookie, nullptr) != 0) {
      magic_close(cookie);
      cookie = nullptr;
    }
  }
  ~MagicCookie() {
    if (cookie) magic_close(cookie);
  }
};

}  // namespace

std::string detect_mime(const std::filesystem::path& file) {
  thread_local MagicCookie magic;
  if (!magic.cookie) return "application/octet-stream";
  const char* type = magic_file(magic.cookie, file.c_str());
  if (!type) return "application/octet-stream";
  std::string mime = type;
  if (mime == "audio/x-wav" || mime == "audio/wav") mime = "audio/wav";
  return mime;
}

std::vector<std::string> split_list(std::string_view list) {
  std::vector<std::string> out;
  while (!list.empty()) {
    auto comma = list.find(',');
    std::string_view item = list.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty()) out.emplace_back(item);
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return out;
}

std::vector<uint32_t> parse_sizes(std::string_view list) {
  std::vector<uint32_t> sizes;
  for (const auto& item : split_list(list)) {
    uint32_t v = 0;
    for (char c : item) {
      if (c < '0' || c > '9' || v > 100000) throw std::runtime_error("thumbnail size '" + item + "' is not a number");
      v = v * 10 + static_cast<uint32_t>(c - '0');
    }
    if (v < 16 || v > 4096) throw std::runtime_error("thumbnail sizes must be 16-4096 pixels");
    sizes.push_back(v);
  }
  std::sort(sizes.begin(), sizes.end());
  sizes.erase(std::unique(sizes.begin(), sizes.end()), sizes.end());
  return sizes;
}

Result<Processed> process_media(const std::filesystem::path& input, std::string_view claimed_type,
                                const ProcessOptions& options, const std::filesystem::path& scratch) {
  std::string mime = detect_mime(input);
  if (!claimed_type.empty() && claimed_type != "application/octet-stream") {
    std::string claimed_top = top_level(claimed_type);
    bool media_claim = claimed_top == "image" || claimed_top == "video" || claimed_top == "audio";
    if (media_claim && claimed_top != top_level(mime)) {
      return fail(v1::INVALID_ARGUMENT, "the content is " + mime + ", not " + std::string(claimed_type));
    }
  }
  if (!allowed(mime, options.allowed_types)) {
    return fail(v1::INVALID_ARGUMENT, "files of type " + mime + " are not accepted here");
  }
  Result<Processed> out;
  std::string top = top_level(mime);
  if (top == "image" && mime != "image/svg+xml") {
    out = process_image(input, mime, options, scratch);
  } else if (top == "video") {
    out = process_av(input, mime, true, options, scratch);
  } else if (top == "audio") {
    out = process_av(input, mime, false, options, scratch);
  } else {
    Processed p;
    p.file = input;
    out = std::move(p);
  }
  if (out) out->info.set_mime_type(mime);
  return out;
}

}  // namespace parley::media
