// Media processing: what an uploaded file really is and what to keep of it. Runs on the media worker pool,
// never on an I/O thread. Every decoder runs with limits (pixel count, frames, output size) so a hostile file
// costs bounded time and memory and ends in an error, not a crash or a hang.
//
//  - Type: libmagic on the content. The client's claimed type is only checked: a different top-level type
//    (an "image/png" that is really a video) is refused; a different subtype is corrected silently.
//  - Images (libvips): dimensions after the EXIF orientation is applied; the stored copy is re-encoded upright
//    and without EXIF/GPS/XMP when stripping is on; thumbnails (longest side = each configured size).
//  - Video (FFmpeg's libraries): duration, dimensions, a poster frame as the thumbnails.
//  - Audio: duration and a 64-point waveform of peak levels.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "parley/v1/media.pb.h"

namespace parley::media {

struct ProcessOptions {
  std::vector<uint32_t> thumbnail_sizes{320};
  bool webp_thumbnails = true;     // false: JPEG
  uint64_t max_pixels = 50'000'000;
  bool strip_metadata = true;
  std::vector<std::string> allowed_types{"*"};  // prefixes of detected types
};

struct ThumbnailFile {
  std::string variant;             // "t320"
  std::filesystem::path file;
  v1::Thumbnail info;              // width, height, mime_type, size_bytes (blob_id set when stored)
};

struct Processed {
  std::filesystem::path file;      // what to store: `input` itself, or a cleaned re-encoding in the scratch dir
  v1::BlobInfo info;               // mime_type, width, height, duration_ms, waveform
  std::vector<ThumbnailFile> thumbnails;
};

// Processes `input`. Temporary files go to `scratch` (same file system as the blob store); they are removed on
// failure. INVALID_ARGUMENT for corrupt, truncated, disallowed or mismatched content; TOO_LARGE for too many
// pixels.
Result<Processed> process_media(const std::filesystem::path& input, std::string_view claimed_type,
                                const ProcessOptions& options, const std::filesystem::path& scratch);

// The MIME type libmagic reads from the file's content ("application/octet-stream" when unknown).
std::string detect_mime(const std::filesystem::path& file);

// Parses "320,640" into sizes (each 16-4096); throws std::runtime_error on a bad list.
std::vector<uint32_t> parse_sizes(std::string_view list);
std::vector<std::string> split_list(std::string_view list);

// Once per process, before any processing (libvips start-up). False when libvips cannot start.
bool init_processing(const char* argv0);

// Per-kind steps (image_processor.cpp, av_processor.cpp).
Result<Processed> process_image(const std::filesystem::path& input, const std::string& mime,
                                const ProcessOptions& options, const std::filesystem::path& scratch);
Result<Processed> process_av(const std::filesystem::path& input, const std::string& mime, bool video,
                             const ProcessOptions& options, const std::filesystem::path& scratch);

// A thumbnail of an RGB frame in memory (video posters), written into `scratch`.
Result<std::vector<ThumbnailFile>> thumbnails_of_rgb(const unsigned char* rgb, int width, int height, int stride,
                                                     const ProcessOptions& options,
                                                     const std::filesystem::path& scratch);

}  // namespace parley::media
