// Images with libvips: header first (dimensions, pixel limit) before any pixel is decoded, then an upright,
// metadata-free copy and the thumbnails.
#include <vips/vips8>

#include <system_error>

#include "common/random.h"
#include "server/media/processor.h"

namespace parley::media {
namespace fs = std::filesystem;
using vips::VImage;

namespace {

std::string scratch_name(const fs::path& scratch, const char* suffix) {
  return (scratch / ("p-" + random_token(12) + suffix)).string();
}

// The saver for re-encoding a stored image in its own format; empty: store the original bytes.
const char* reencode_suffix(const std::string& mime) {
  if (mime == "image/jpeg") return ".jpg";
  if (mime == "image/png") return ".png";
  if (mime == "image/webp") return ".webp";
  if (mime == "image/tiff") return ".tif";
  return nullptr;
}

struct Cleanup {
  std::vector<fs::path> files;
  bool keep = false;
  ~Cleanup() {
    if (keep) return;
    std::error_code ec;
    for (auto& f : files) fs::remove(f, ec);
  }
};

Error bad_image(const std::string& mime, const vips::VError& e) {
  std::string what = e.what();
  if (auto nl = what.find('\n'); nl != std::string::npos && nl + 1 < what.size()) what = what.substr(0, nl);
  vips_error_clear();
  return Error{v1::INVALID_ARGUMENT, "the " + mime + " image cannot be decoded (corrupt or truncated): " + what};
}

vips::VOption* load_options() {
  return VImage::option()->set("fail_on", VIPS_FAIL_ON_TRUNCATED);
}

}  // namespace

Result<std::vector<ThumbnailFile>> thumbnails_of_image(const VImage& image, const ProcessOptions& options,
                                                       const fs::path& scratch, Cleanup& cleanup) {
  std::vector<ThumbnailFile> out;
  for (uint32_t size : options.thumbnail_sizes) {
    VImage thumb = image.thumbnail_image(static_cast<int>(size), VImage::option()
                                                                     ->set("height", static_cast<int>(size))
                                                                     ->set("size", VIPS_SIZE_DOWN));
    if (thumb.bands() > 4 || thumb.interpretation() == VIPS_INTERPRETATION_CMYK) {
      thumb = thumb.colourspace(VIPS_INTERPRETATION_sRGB);
    }
    ThumbnailFile t;
    t.variant = "t" + std::to_string(size);
    t.file = scratch_name(scratch, options.webp_thumbnails ? ".webp" : ".jpg");
    cleanup.files.push_back(t.file);
    if (options.webp_thumbnails) {
      thumb.webpsave(t.file.c_str(), VImage::option()->set("Q", 80)->set("strip", true));
    } else {
      if (thumb.has_alpha()) thumb = thumb.flatten(VImage::option()->set("background", std::vector<double>{255, 255, 255}));
      thumb.jpegsave(t.file.c_str(), VImage::option()->set("Q", 80)->set("strip", true));
    }
    t.info.set_width(static_cast<uint32_t>(thumb.width()));
    t.info.set_height(static_cast<uint32_t>(thumb.height()));
    t.info.set_mime_type(options.webp_thumbnails ? "image/webp" : "image/jpeg");
    t.info.set_size_bytes(fs::file_size(t.file));
    out.push_back(std::move(t));
  }
  return out;
}

Result<Processed> process_image(const fs::path& input, const std::string& mime, const ProcessOptions& options,
                                const fs::path& scratch) {
  Cleanup cleanup;
  try {
    VImage header = VImage::new_from_file(input.c_str(), load_options());
    uint64_t pixels = static_cast<uint64_t>(header.width()) * static_cast<uint64_t>(header.height());
    if (pixels > options.max_pixels) {
      return fail(v1::TOO_LARGE, "the image has " + std::to_string(pixels) + " pixels; at most " +
                                     std::to_string(options.max_pixels) + " are accepted");
    }
    // Decode everything once now, so a truncated or corrupt file fails here rather than half way through a save.
    VImage image = header.autorot().copy_memory();
    Processed p;
    p.file = input;
    const char* suffix = reencode_suffix(mime);
    if (options.strip_metadata && suffix) {
      fs::path cleaned = scratch_name(scratch, suffix);
      cleanup.files.push_back(cleaned);
      auto strip = VImage::option()->set("strip", true);
      if (mime == "image/jpeg") image.jpegsave(cleaned.c_str(), strip->set("Q", 90));
      else if (mime == "image/png") image.pngsave(cleaned.c_str(), strip);
      else if (mime == "image/webp") image.webpsave(cleaned.c_str(), strip->set("Q", 90));
      else image.tiffsave(cleaned.c_str(), strip);
      p.file = cleaned;
    }
    p.info.set_width(static_cast<uint32_t>(image.width()));
    p.info.set_height(static_cast<uint32_t>(image.height()));
    auto thumbs = thumbnails_of_image(image, options, scratch, cleanup);
    if (!thumbs) return std::unexpected(thumbs.error());
    p.thumbnails = std::move(*thumbs);
    cleanup.keep = true;
    return p;
  } catch (const vips::VError& e) {
    return std::unexpected(bad_image(mime, e));
  }
}

Result<std::vector<ThumbnailFile>> thumbnails_of_rgb(const unsigned char* rgb, int width, int height, int stride,
                                                     const ProcessOptions& options, const fs::path& scratch) {
  Cleanup cleanup;
  try {
    std::vector<unsigned char> packed(static_cast<size_t>(width) * static_cast<size_t>(height) * 3);
    for (int y = 0; y < height; ++y) {
      std::copy_n(rgb + static_cast<size_t>(y) * static_cast<size_t>(stride), static_cast<size_t>(width) * 3,
                  packed.data() + static_cast<size_t>(y) * static_cast<size_t>(width) * 3);
    }
    VImage frame = VImage::new_from_memory(packed.data(), packed.size(), width, height, 3, VIPS_FORMAT_UCHAR)
                       .copy(VImage::option()->set("interpretation", VIPS_INTERPRETATION_sRGB))
                       .copy_memory();
    auto thumbs = thumbnails_of_image(frame, options, scratch, cleanup);
    if (thumbs) cleanup.keep = true;
    return thumbs;
  } catch (const vips::VError& e) {
    return std::unexpected(bad_image("video", e));
  }
}

bool init_processing(const char* argv0) {
  if (VIPS_INIT(argv0 ? argv0 : "parleyd") != 0) return false;
  vips_cache_set_max(0);      // every file is seen once: no operation cache
  vips_concurrency_set(1);    // parallelism comes from the media worker pool, not inside one image
  return true;
}

}  // namespace parley::media
