// The XMPP stanza splitter: a scan over tags that tracks depth and quoted attribute values.
#include "xmpp_stanza.h"

#include <cctype>
#include <charconv>

namespace parley::bench::xmpp {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// Index one past the '>' closing the tag that starts at `from` ('<'), honouring quotes; npos when incomplete.
size_t tag_end(std::string_view s, size_t from) {
  char quote = 0;
  for (size_t i = from + 1; i < s.size(); ++i) {
    const char c = s[i];
    if (quote) {
      if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '>') {
      return i + 1;
    }
  }
  return std::string_view::npos;
}

// The start tag of the first element `<name ...>` in `element` at or after `from`, as [begin, end).
std::optional<std::pair<size_t, size_t>> find_start_tag(std::string_view element, std::string_view name, size_t from) {
  size_t at = from;
  while ((at = element.find('<', at)) != std::string_view::npos) {
    if (element.compare(at + 1, name.size(), name) == 0) {
      const size_t after = at + 1 + name.size();
      if (after < element.size() && (is_space(element[after]) || element[after] == '/' || element[after] == '>')) {
        const size_t end = tag_end(element, at);
        if (end == std::string_view::npos) return std::nullopt;
        return std::pair{at, end};
      }
    }
    ++at;
  }
  return std::nullopt;
}

}  // namespace

std::expected<std::optional<Part>, std::string> next_part(std::string_view s, size_t max_size) {
  size_t at = 0;
  while (true) {
    while (at < s.size() && is_space(s[at])) ++at;
    if (at == s.size()) return std::nullopt;
    if (s[at] != '<') return std::unexpected("text outside any element");
    if (s.compare(at, 2, "<?") == 0) {  // the XML declaration
      const size_t end = s.find("?>", at);
      if (end == std::string_view::npos) return at > max_size ? std::unexpected("declaration too long")
                                                              : std::expected<std::optional<Part>, std::string>{};
      at = end + 2;
      continue;
    }
    break;
  }
  const size_t start = at;
  if (s.compare(start, 16, "</stream:stream>") == 0) return Part{PartKind::kStreamClose, s.substr(start, 16), start + 16};
  if (s.compare(start, 14, "<stream:stream") == 0) {
    const size_t end = tag_end(s, start);
    if (end == std::string_view::npos) {
      if (s.size() - start > max_size) return std::unexpected("stream header too long");
      return std::nullopt;
    }
    return Part{PartKind::kStreamOpen, s.substr(start, end - start), end};
  }
  int depth = 0;
  size_t i = start;
  while (i < s.size()) {
    if (i - start > max_size) return std::unexpected("element larger than " + std::to_string(max_size) + " bytes");
    if (s[i] != '<') {
      const size_t next = s.find('<', i);
      if (next == std::string_view::npos) return std::nullopt;
      i = next;
      continue;
    }
    if (s.compare(i, 4, "<!--") == 0 || s.compare(i, 2, "<!") == 0 || s.compare(i, 2, "<?") == 0) {
      return std::unexpected("comments, CDATA and processing instructions are not supported");
    }
    const size_t end = tag_end(s, i);
    if (end == std::string_view::npos) return std::nullopt;
    if (s[i + 1] == '/') {
      --depth;
    } else if (s[end - 2] != '/') {
      ++depth;
    }
    i = end;
    if (depth == 0) return Part{PartKind::kElement, s.substr(start, i - start), i};
    if (depth < 0) return std::unexpected("unbalanced end tag");
  }
  if (i - start > max_size) return std::unexpected("element larger than " + std::to_string(max_size) + " bytes");
  return std::nullopt;
}

std::string_view element_name(std::string_view element) {
  if (element.size() < 2 || element[0] != '<') return {};
  size_t end = 1;
  while (end < element.size() && !is_space(element[end]) && element[end] != '>' && element[end] != '/') ++end;
  return element.substr(1, end - 1);
}

std::optional<std::string> attribute(std::string_view element, std::string_view name) {
  const size_t end = tag_end(element, 0);
  if (end == std::string_view::npos) return std::nullopt;
  const std::string_view tag = element.substr(0, end);
  size_t at = 1 + element_name(element).size();
  while (at < tag.size()) {
    while (at < tag.size() && is_space(tag[at])) ++at;
    const size_t eq = tag.find('=', at);
    if (eq == std::string_view::npos) return std::nullopt;
    std::string_view key = tag.substr(at, eq - at);
    while (!key.empty() && is_space(key.back())) key.remove_suffix(1);
    size_t q = eq + 1;
    while (q < tag.size() && is_space(tag[q])) ++q;
    if (q >= tag.size() || (tag[q] != '"' && tag[q] != '\'')) return std::nullopt;
    const size_t close = tag.find(tag[q], q + 1);
    if (close == std::string_view::npos) return std::nullopt;
    if (key == name) return unescape(tag.substr(q + 1, close - q - 1));
    at = close + 1;
  }
  return std::nullopt;
}

std::optional<std::string> child_text(std::string_view element, std::string_view child) {
  const auto tag = find_start_tag(element, child, 1);
  if (!tag) return std::nullopt;
  if (element[tag->second - 2] == '/') return std::string();
  const std::string closing = "</" + std::string(child) + ">";
  const size_t close = element.find(closing, tag->second);
  if (close == std::string_view::npos) return std::nullopt;
  return unescape(element.substr(tag->second, close - tag->second));
}

bool has_child(std::string_view element, std::string_view child) {
  return find_start_tag(element, child, 1).has_value();
}

std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

std::string unescape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '&') {
      out.push_back(text[i]);
      continue;
    }
    const size_t semi = text.find(';', i);
    if (semi == std::string_view::npos) {
      out.push_back('&');
      continue;
    }
    const std::string_view entity = text.substr(i + 1, semi - i - 1);
    if (entity == "amp") out.push_back('&');
    else if (entity == "lt") out.push_back('<');
    else if (entity == "gt") out.push_back('>');
    else if (entity == "quot") out.push_back('"');
    else if (entity == "apos") out.push_back('\'');
    else if (!entity.empty() && entity[0] == '#') {
      unsigned code = 0;
      const bool hex = entity.size() > 1 && (entity[1] == 'x' || entity[1] == 'X');
      const char* first = entity.data() + (hex ? 2 : 1);
      auto [p, ec] = std::from_chars(first, entity.data() + entity.size(), code, hex ? 16 : 10);
      if (ec != std::errc() || code == 0) {
        out.append(text.substr(i, semi - i + 1));
      } else if (code < 0x80) {
        out.push_back(static_cast<char>(code));
      } else if (code < 0x800) {
        out.push_back(static_cast<char>(0xc0 | (code >> 6)));
        out.push_back(static_cast<char>(0x80 | (code & 0x3f)));
      } else if (code < 0x10000) {
        out.push_back(static_cast<char>(0xe0 | (code >> 12)));
        out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3f)));
        out.push_back(static_cast<char>(0x80 | (code & 0x3f)));
      } else {
        out.push_back(static_cast<char>(0xf0 | (code >> 18)));
        out.push_back(static_cast<char>(0x80 | ((code >> 12) & 0x3f)));
        out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3f)));
        out.push_back(static_cast<char>(0x80 | (code & 0x3f)));
      }
    } else {
      out.append(text.substr(i, semi - i + 1));
    }
    i = semi;
  }
  return out;
}

}  // namespace parley::bench::xmpp
