#include "server/core/message_rules.h"

#include <boost/json/parse.hpp>
#include <cmath>

#include "server/core/ids.h"

namespace parley::core {
namespace {

Status invalid(std::string message) { return fail(v1::INVALID_ARGUMENT, std::move(message)); }

constexpr size_t kMaxIdBytes = 128, kMaxNameBytes = 255, kMaxMimeBytes = 128, kMaxCustomType = 64;

Status check_text(std::string_view text, const MessageLimits& limits, const char* what) {
  if (text.size() > limits.max_text_bytes) {
    return fail(v1::TOO_LARGE, std::string(what) + " is longer than " + std::to_string(limits.max_text_bytes) + " bytes");
  }
  if (!is_valid_utf8(text)) return invalid(std::string(what) + " is not valid UTF-8");
  return {};
}

Status check_media(const v1::Media& media) {
  if (media.blob_id().empty() || media.blob_id().size() > kMaxIdBytes) return invalid("media.blob_id must be 1-128 bytes");
  if (media.mime_type().size() > kMaxMimeBytes) return invalid("media.mime_type is too long");
  const auto& name = media.file_name();
  if (name.size() > kMaxNameBytes || !is_valid_utf8(name)) return invalid("media.file_name must be at most 255 bytes of UTF-8");
  // A name, not a path: no separators and no parent references, so nobody downloads "../../etc/passwd".
  if (name.find('/') != std::string::npos || name.find('\\') != std::string::npos || name == "." || name == "..") {
    return invalid("media.file_name must not contain a path");
  }
  if (media.thumbnail_blob_id().size() > kMaxIdBytes) return invalid("media.thumbnail_blob_id is too long");
  return {};
}

}  // namespace

bool is_valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t n;
    uint32_t cp;
    if ((c & 0xE0) == 0xC0) {
      n = 1, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3, cp = c & 0x07;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;
    for (size_t k = 1; k <= n; ++k) {
      const unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    // Overlong forms, surrogates and code points past U+10FFFF are not UTF-8.
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += n + 1;
  }
  return true;
}

bool is_valid_json(std::string_view s) {
  boost::system::error_code ec;
  boost::json::parse(s, ec);
  return !ec;
}

Status validate_message(const v1::Message& m, const MessageLimits& limits) {
  const v1::MessageKind kind = m.kind();
  if (kind == v1::MESSAGE_KIND_UNSPECIFIED) return invalid("message.kind is missing");
  if (kind == v1::SYSTEM) return invalid("SYSTEM messages are made by the server");
  if (kind == v1::EDIT || kind == v1::REVOKE || kind == v1::REACTION) {
    return invalid("use edit_message, revoke_message or react for operations on a message");
  }
  if (auto ok = check_text(m.text(), limits, "text"); !ok) return ok;
  if (m.custom_data().size() > limits.max_text_bytes) return fail(v1::TOO_LARGE, "custom_data is too long");
  if (!m.custom_data().empty() && !is_valid_json(m.custom_data())) return invalid("custom_data must be JSON");
  if (static_cast<uint32_t>(m.mentions_size()) > limits.max_mentions) return fail(v1::TOO_LARGE, "too many mentions");
  for (const auto& id : m.mentions()) {
    if (!is_valid_name(id)) return invalid("mention '" + id + "' is not a valid user id");
  }
  if (m.has_forwarded_from() && (m.forwarded_from().conversation_id().empty() || m.forwarded_from().seq() == 0)) {
    return invalid("forwarded_from needs conversation_id and seq");
  }
  if (m.has_reply_to() && m.reply_to().seq() == 0) return invalid("reply_to needs seq");
  if (m.has_forwarded_from()) return {};  // the content is the source's, copied by the server
  switch (kind) {
    case v1::TEXT:
      if (m.text().empty()) return invalid("text must not be empty");
      return {};
    case v1::IMAGE:
    case v1::AUDIO:
    case v1::VIDEO:
    case v1::FILE:
      return check_media(m.media());
    case v1::LOCATION: {
      const auto& l = m.location();
      if (!std::isfinite(l.latitude()) || !std::isfinite(l.longitude()) || std::abs(l.latitude()) > 90 ||
          std::abs(l.longitude()) > 180) {
        return invalid("location needs a latitude in [-90, 90] and a longitude in [-180, 180]");
      }
      if (l.name().size() > kMaxNameBytes || l.address().size() > 2 * kMaxNameBytes) return invalid("location name or address is too long");
      return {};
    }
    case v1::CONTACT:
      if (!is_valid_name(m.contact().user_id())) return invalid("contact.user_id is not a valid user id");
      if (m.contact().display_name().size() > kMaxNameBytes) return invalid("contact.display_name is too long");
      return {};
    case v1::CUSTOM:
      if (m.custom_type().empty() || m.custom_type().size() > kMaxCustomType) return invalid("custom_type must be 1-64 bytes");
      return {};
    case v1::MERGED_FORWARD:
      if (m.merged().empty() || static_cast<uint32_t>(m.merged_size()) > limits.max_merged) {
        return invalid("merged must hold 1 to " + std::to_string(limits.max_merged) + " messages");
      }
      for (const auto& entry : m.merged()) {
        if (entry.conversation_id().empty() || entry.seq() == 0) return invalid("each merged entry needs conversation_id and seq");
      }
      return {};
    default:
      return {};  // a kind from a newer client: stored and delivered unchanged
  }
}

Status validate_edit(std::string_view text, std::string_view custom_data, int mentions, const MessageLimits& limits) {
  if (text.empty() && custom_data.empty()) return invalid("an edit needs text or custom_data");
  if (auto ok = check_text(text, limits, "text"); !ok) return ok;
  if (custom_data.size() > limits.max_text_bytes) return fail(v1::TOO_LARGE, "custom_data is too long");
  if (!custom_data.empty() && !is_valid_json(custom_data)) return invalid("custom_data must be JSON");
  if (static_cast<uint32_t>(mentions) > limits.max_mentions) return fail(v1::TOO_LARGE, "too many mentions");
  return {};
}

Status validate_emoji(std::string_view emoji) {
  if (emoji.empty() || emoji.size() > 32 || !is_valid_utf8(emoji)) return invalid("emoji must be 1-32 bytes of UTF-8");
  for (unsigned char c : emoji) {
    if (c < 0x20 || c == 0x7f) return invalid("emoji must not contain control characters");
  }
  return {};
}

}  // namespace parley::core
