// Parsers for the untrusted HTTP header values the media endpoints read: Range, the tus Upload-* headers, and
// Content-Disposition file names. Pure functions, no I/O; fuzzed by fuzz/media_fields_fuzzer.cpp.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace parley::media {

struct ByteRange {
  uint64_t first = 0;
  uint64_t last = 0;  // inclusive
  uint64_t length() const { return last - first + 1; }
};

enum class RangeOutcome { kNone, kRange, kUnsatisfiable };
struct RangeResult {
  RangeOutcome outcome = RangeOutcome::kNone;
  ByteRange range;
};

// One "bytes=a-b", "bytes=a-" or "bytes=-n" range against a resource of `size` bytes (RFC 9110 §14.1.2).
// kNone: serve the whole resource (absent, malformed, or multiple ranges, which we do not serve as
// multipart). kUnsatisfiable: answer 416. kRange: answer 206 with the clamped range.
RangeResult parse_range(std::string_view header, uint64_t size);

// A decimal unsigned number without sign, spaces or leading '+', at most 19 digits. nullopt otherwise.
std::optional<uint64_t> parse_u64(std::string_view text);

// tus Upload-Metadata: "key base64value,key2 base64value2,key3". Keys are 1-64 of [A-Za-z0-9_.-]; at most
// 16 pairs; values at most 1024 bytes decoded. nullopt when malformed.
std::optional<std::map<std::string, std::string>> parse_upload_metadata(std::string_view header);

// A file name safe to show and to offer for saving: the last path component, control characters, quotes,
// backslashes and slashes removed, leading dots removed, at most 200 bytes (on a UTF-8 boundary). Empty
// names become "file".
std::string safe_file_name(std::string_view name);

// Content-Disposition: attachment with an ASCII fallback and an RFC 5987 filename* for the UTF-8 name.
std::string content_disposition(std::string_view disposition, std::string_view file_name);

// Percent-encoding for query values and decoding of them; decoding fails on bad escapes.
std::string url_encode(std::string_view s);
std::optional<std::string> url_decode(std::string_view s);

// The value of `key` in a query string "a=1&b=2" (decoded), or nullopt.
std::optional<std::string> query_param(std::string_view query, std::string_view key);

}  // namespace parley::media
