// The XMPP stanza splitter and accessors: stream header, nested and self-closing elements, quoted '>' in
// attributes, partial input, entities, limits.
#include "xmpp_stanza.h"

#include <gtest/gtest.h>

namespace parley::bench::xmpp {
namespace {

TEST(XmppStanza, SplitsHeaderFeaturesAndStanzas) {
  const std::string in =
      "<?xml version='1.0'?><stream:stream xmlns='jabber:client' from='localhost' id='x' version='1.0'>"
      "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism>"
      "</mechanisms></stream:features>\n"
      "<message from='a@localhost/r' to='b@localhost/r' type='chat'><body>1:2:x &amp; &lt;y&gt;</body></message>"
      "<presence from='room@muc/nick'/></stream:stream>";
  std::string_view rest = in;
  std::vector<Part> parts;
  while (true) {
    auto part = next_part(rest, 1 << 16);
    ASSERT_TRUE(part.has_value()) << part.error();
    if (!*part) break;
    parts.push_back(**part);
    rest.remove_prefix((*part)->size);
  }
  ASSERT_EQ(parts.size(), 5u);
  EXPECT_EQ(parts[0].kind, PartKind::kStreamOpen);
  EXPECT_EQ(element_name(parts[1].text), "stream:features");
  EXPECT_TRUE(has_child(parts[1].text, "mechanisms"));
  EXPECT_FALSE(has_child(parts[1].text, "bind"));
  EXPECT_EQ(element_name(parts[2].text), "message");
  EXPECT_EQ(attribute(parts[2].text, "type"), "chat");
  EXPECT_EQ(attribute(parts[2].text, "from"), "a@localhost/r");
  EXPECT_EQ(child_text(parts[2].text, "body"), "1:2:x & <y>");
  EXPECT_EQ(element_name(parts[3].text), "presence");
  EXPECT_EQ(attribute(parts[3].text, "from"), "room@muc/nick");
  EXPECT_EQ(parts[4].kind, PartKind::kStreamClose);
  EXPECT_TRUE(rest.empty());
}

TEST(XmppStanza, WaitsForTheWholeElement) {
  const std::string stanza = "<message to=\"a>b\" type='chat'><body>hi</body></message>";
  for (size_t cut = 0; cut < stanza.size(); ++cut) {
    auto part = next_part(std::string_view(stanza).substr(0, cut), 1 << 16);
    ASSERT_TRUE(part.has_value()) << cut;
    EXPECT_FALSE(part->has_value()) << cut;
  }
  auto whole = next_part(stanza, 1 << 16);
  ASSERT_TRUE(whole.has_value() && whole->has_value());
  EXPECT_EQ((*whole)->size, stanza.size());
  EXPECT_EQ(attribute((*whole)->text, "to"), "a>b");  // '>' inside quotes does not end the tag
}

TEST(XmppStanza, RefusesOversizedElementsAndUnbalancedInput) {
  const std::string big = "<message><body>" + std::string(5000, 'x') + "</body></message>";
  EXPECT_FALSE(next_part(big, 1000).has_value());
  EXPECT_FALSE(next_part("</message>", 1000).has_value());
  EXPECT_FALSE(next_part("text", 1000).has_value());
}

TEST(XmppStanza, EscapesAndUnescapes) {
  EXPECT_EQ(escape("a<b>&'\""), "a&lt;b&gt;&amp;&apos;&quot;");
  EXPECT_EQ(unescape("&#65;&#x42;&#xe9;&unknown;"), "AB\xc3\xa9&unknown;");
  EXPECT_EQ(unescape(escape("x<y>&z")), "x<y>&z");
}

TEST(XmppStanza, AttributesAreFoundOnlyInTheStartTag) {
  const std::string iq = "<iq type='result' id='bind'><bind><jid>u@localhost/bench</jid></bind></iq>";
  EXPECT_EQ(attribute(iq, "id"), "bind");
  EXPECT_EQ(attribute(iq, "jid"), std::nullopt);
  EXPECT_EQ(child_text(iq, "jid"), "u@localhost/bench");
  EXPECT_EQ(child_text(iq, "body"), std::nullopt);
}

}  // namespace
}  // namespace parley::bench::xmpp
