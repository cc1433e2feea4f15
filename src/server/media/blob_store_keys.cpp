// Blob keys: the only strings that ever become blob file names.
#include "server/media/blob_store.h"

namespace parley::media {
namespace {

bool is_hex64(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

bool is_valid_blob_key(std::string_view key) {
  auto dot = key.find('.');
  if (!is_hex64(key.substr(0, dot))) return false;
  if (dot == std::string_view::npos) return true;
  auto variant = key.substr(dot + 1);
  if (variant.empty() || variant.size() > 16) return false;
  for (char c : variant) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z'))) return false;
  }
  return true;
}

std::string_view blob_id_of(std::string_view key) { return key.substr(0, key.find('.')); }

}  // namespace parley::media
