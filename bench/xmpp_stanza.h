// Just enough XML for an XMPP c2s client: cuts a stream into its top-level parts (the stream header, then each
// stanza or stream-level element), and reads names, attributes and child text from one element. Not a
// general XML parser: no DTDs, no CDATA, comments or processing instructions after the XML declaration, and
// namespace prefixes are kept as written. Pure functions, no I/O.
#pragma once

#include <cstddef>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

namespace parley::bench::xmpp {

enum class PartKind {
  kStreamOpen,   // <stream:stream ...> (the element stays open for the whole stream)
  kStreamClose,  // </stream:stream>
  kElement,      // one complete top-level element inside the stream: a stanza, features, success, ...
};

struct Part {
  PartKind kind{};
  std::string_view text;  // the whole element (or tag) as received
  size_t size = 0;        // bytes consumed from the front of the input, leading whitespace included
};

// The next complete part at the front of `bytes` (skipping whitespace and an XML declaration), nullopt when
// more bytes are needed, an error for input that is not XML this splitter understands or a part larger than
// `max_size`.
std::expected<std::optional<Part>, std::string> next_part(std::string_view bytes, size_t max_size);

// The element's qualified name, e.g. "message", "stream:features".
std::string_view element_name(std::string_view element);
// An attribute of the element's start tag, unescaped; nullopt when absent.
std::optional<std::string> attribute(std::string_view element, std::string_view name);
// The text of the first descendant element called `child` (e.g. "body"), unescaped; nullopt when absent.
std::optional<std::string> child_text(std::string_view element, std::string_view child);
// Whether the element contains a descendant start tag `<child` (followed by space, '/' or '>').
bool has_child(std::string_view element, std::string_view child);

std::string escape(std::string_view text);  // for text and attribute values
std::string unescape(std::string_view text);

}  // namespace parley::bench::xmpp
