#include "server/media/http_fields.h"

#include <sodium.h>

namespace parley::media {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool is_key_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
         c == '-';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<uint64_t> parse_u64(std::string_view text) {
  if (text.empty() || text.size() > 19) return std::nullopt;
  uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return v;
}

RangeResult parse_range(std::string_view header, uint64_t size) {
  header = trim(header);
  if (!header.starts_with("bytes=")) return {};
  std::string_view spec = trim(header.substr(6));
  if (spec.find(',') != std::string_view::npos) return {};
  auto dash = spec.find('-');
  if (dash == std::string_view::npos) return {};
  std::string_view a = trim(spec.substr(0, dash)), b = trim(spec.substr(dash + 1));
  if (a.empty()) {  // suffix: the last n bytes
    auto n = parse_u64(b);
    if (!n) return {};
    if (*n == 0 || size == 0) return {RangeOutcome::kUnsatisfiable, {}};
    uint64_t len = std::min(*n, size);
    return {RangeOutcome::kRange, {size - len, size - 1}};
  }
  auto first = parse_u64(a);
  if (!first) return {};
  std::optional<uint64_t> last;
  if (!b.empty()) {
    last = parse_u64(b);
    if (!last || *last < *first) return {};
  }
  if (*first >= size) return {RangeOutcome::kUnsatisfiable, {}};
  uint64_t end = last ? std::min(*last, size - 1) : size - 1;
  return {RangeOutcome::kRange, {*first, end}};
}

std::optional<std::map<std::string, std::string>> parse_upload_metadata(std::string_view header) {
  std::map<std::string, std::string> out;
  header = trim(header);
  if (header.empty()) return out;
  while (true) {
    auto comma = header.find(',');
    std::string_view pair = trim(header.substr(0, comma));
    auto space = pair.find(' ');
    std::string_view key = pair.substr(0, space);
    std::string_view value = space == std::string_view::npos ? std::string_view() : trim(pair.substr(space + 1));
    if (key.empty() || key.size() > 64) return std::nullopt;
    for (char c : key) {
      if (!is_key_char(c)) return std::nullopt;
    }
    if (value.size() > 1400) return std::nullopt;
    std::string decoded(value.size(), '\0');
    size_t decoded_len = 0;
    const char* end = nullptr;
    if (!value.empty() &&
        (sodium_base642bin(reinterpret_cast<unsigned char*>(decoded.data()), decoded.size(), value.data(),
                           value.size(), nullptr, &decoded_len, &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
         end != value.data() + value.size())) {
      return std::nullopt;
    }
    decoded.resize(decoded_len);
    if (decoded.size() > 1024) return std::nullopt;
    if (!out.emplace(std::string(key), std::move(decoded)).second) return std::nullopt;  // duplicate key
    if (out.size() > 16) return std::nullopt;
    if (comma == std::string_view::npos) break;
    header = header.substr(comma + 1);
  }
  return out;
}

std::string safe_file_name(std::string_view name) {
  auto slash = name.find_last_of("/\\");
  if (slash != std::string_view::npos) name = name.substr(slash + 1);
  // Valid UTF-8 only (invalid bytes dropped), without control characters and characters that mean something
  // to shells, file systems or the Content-Disposition header.
  std::string out;
  for (size_t i = 0; i < name.size();) {
    auto c = static_cast<unsigned char>(name[i]);
    size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    bool ok = len > 0 && i + len <= name.size();
    for (size_t k = 1; ok && k < len; ++k) ok = (static_cast<unsigned char>(name[i + k]) & 0xC0) == 0x80;
    if (!ok) {
      ++i;
      continue;
    }
    bool drop = len == 1 && (c < 0x20 || c == 0x7f || c == '"' || c == '\\' || c == '/' || c == ':' ||
                             c == '*' || c == '?' || c == '<' || c == '>' || c == '|');
    if (!drop) out.append(name.substr(i, len));
    i += len;
  }
  // No hidden files and no "..": leading dots and spaces go, after everything else was dropped.
  size_t lead = 0;
  while (lead < out.size() && (out[lead] == '.' || out[lead] == ' ')) ++lead;
  out.erase(0, lead);
  if (out.size() > 200) {
    size_t cut = 200;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;  // not inside a UTF-8 sequence
    out.resize(cut);
  }
  return out.empty() ? "file" : out;
}

std::string url_encode(std::string_view s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (is_key_char(c) || c == '~') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 15]);
    }
  }
  return out;
}

std::optional<std::string> url_decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (s[i] == '+') {
      out.push_back(' ');
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::optional<std::string> query_param(std::string_view query, std::string_view key) {
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    auto eq = pair.find('=');
    if (pair.substr(0, eq) == key) {
      return url_decode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

std::string content_disposition(std::string_view disposition, std::string_view file_name) {
  std::string safe = safe_file_name(file_name);
  std::string ascii;
  for (char c : safe) {
    auto u = static_cast<unsigned char>(c);
    ascii.push_back(u < 0x80 && c != '%' && c != ';' ? c : '_');
  }
  return std::string(disposition) + "; filename=\"" + ascii + "\"; filename*=UTF-8''" + url_encode(safe);
}

}  // namespace parley::media
