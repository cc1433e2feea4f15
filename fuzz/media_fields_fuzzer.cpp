// libFuzzer target for the media HTTP header parsers (server/media/http_fields.h) and blob keys: whatever a
// client sends as Range, Upload-Offset, Upload-Metadata, a query string or a file name must parse to a
// consistent answer without crashing. Input: the first byte picks a size, the rest is the header text.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "server/media/blob_store.h"
#include "server/media/http_fields.h"

namespace media = parley::media;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint64_t resource = uint64_t{data[0]} * 977;  // 0 .. ~250 KB, including 0
  std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);

  auto range = media::parse_range(input, resource);
  if (range.outcome == media::RangeOutcome::kRange) {
    // A served range always lies inside the resource and is not empty.
    if (range.range.first > range.range.last || range.range.last >= resource) std::abort();
  }
  if (auto n = media::parse_u64(input); n && input.size() > 19) std::abort();
  (void)media::parse_upload_metadata(input);

  std::string name = media::safe_file_name(input);
  if (name.empty() || name.size() > 200 || name.find('/') != std::string::npos ||
      name.find('\\') != std::string::npos || name.front() == '.') {
    std::abort();
  }
  std::string disposition = media::content_disposition("attachment", input);
  if (disposition.find('\n') != std::string::npos || disposition.find('\r') != std::string::npos) std::abort();

  // Encoding then decoding is the identity.
  auto decoded = media::url_decode(media::url_encode(input));
  if (!decoded || *decoded != input) std::abort();
  (void)media::query_param(input, "sig");

  if (media::is_valid_blob_key(input)) {
    if (input.find('/') != std::string_view::npos || input.size() < 64 || input.size() > 64 + 17) std::abort();
  }
  return 0;
}
