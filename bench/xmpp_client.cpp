// XmppClient: the c2s login state machine and stanza dispatch over TcpLink and xmpp_stanza.
#include "xmpp_client.h"

#include "xmpp_stanza.h"

namespace parley::bench {
namespace {

constexpr size_t kMaxStanza = 256 * 1024;

std::string base64(std::string_view in) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    out += {kAlphabet[v >> 18], kAlphabet[(v >> 12) & 63], kAlphabet[(v >> 6) & 63], kAlphabet[v & 63]};
  }
  if (i + 1 == in.size()) {
    const uint32_t v = uint8_t(in[i]) << 16;
    out += {kAlphabet[v >> 18], kAlphabet[(v >> 12) & 63], '=', '='};
  } else if (i + 2 == in.size()) {
    const uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out += {kAlphabet[v >> 18], kAlphabet[(v >> 12) & 63], kAlphabet[(v >> 6) & 63], '='};
  }
  return out;
}

}  // namespace

XmppClient::XmppClient(boost::asio::io_context& io, boost::asio::ip::tcp::endpoint server, XmppAccount account)
    : io_(io), server_(std::move(server)), account_(std::move(account)) {}

XmppClient::~XmppClient() {
  if (link_) link_->detach();
}

void XmppClient::connect(Done done) {
  setup_done_ = std::move(done);
  stage_ = Stage::kConnecting;
  link_ = TcpLink::open(io_, server_,
                        TcpCallbacks{[this](boost::system::error_code ec) {
                                       if (ec) return finish_setup("connect: " + ec.message());
                                       open_stream();
                                     },
                                     [this](std::string_view unread) { return on_data(unread); },
                                     [this](boost::system::error_code ec) { fail(ec ? ec.message() : "closed"); }},
                        TcpLimits{kMaxStanza + 4096, 64 << 20});
}

void XmppClient::open_stream() {
  link_->send("<?xml version='1.0'?><stream:stream to='" + xmpp::escape(account_.domain) +
              "' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>");
}

void XmppClient::join_room(const std::string& room_jid, const std::string& nick, Done done) {
  const std::string occupant = room_jid + "/" + nick;
  if (!is_ready()) return done("not connected");
  link_->send("<presence to='" + xmpp::escape(occupant) +
              "'><x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='0'/></x></presence>");
  joining_[occupant] = std::move(done);
}

bool XmppClient::send_message(std::string_view to, std::string_view type, std::string_view body) {
  if (!is_ready()) return false;
  std::string stanza;
  stanza.reserve(body.size() + to.size() + 64);
  stanza.append("<message to='").append(xmpp::escape(to)).append("' type='").append(type).append("'><body>");
  stanza.append(xmpp::escape(body)).append("</body></message>");
  return link_->send(stanza);
}

void XmppClient::disconnect() {
  if (!link_) return;
  on_closed_ = nullptr;  // an intended close is not a lost connection
  if (link_->is_open()) link_->send("</stream:stream>");
  stage_ = Stage::kClosed;
  link_->close();
}

size_t XmppClient::on_data(std::string_view unread) {
  size_t consumed = 0;
  while (stage_ != Stage::kClosed) {
    auto part = xmpp::next_part(unread.substr(consumed), kMaxStanza);
    if (!part) {
      fail("bad XML from the server: " + part.error());
      return consumed;
    }
    if (!*part) return consumed;
    consumed += (*part)->size;
    switch ((*part)->kind) {
      case xmpp::PartKind::kStreamOpen:
        break;  // features follow
      case xmpp::PartKind::kStreamClose:
        fail("the server closed the stream");
        return consumed;
      case xmpp::PartKind::kElement:
        on_stanza((*part)->text);
        break;
    }
  }
  return consumed;
}

void XmppClient::on_stanza(std::string_view element) {
  const std::string_view name = xmpp::element_name(element);
  if (name == "message") {
    if (!on_message_) return;
    auto body = xmpp::child_text(element, "body");
    if (!body) return;
    const auto from = xmpp::attribute(element, "from").value_or("");
    const auto type = xmpp::attribute(element, "type").value_or("normal");
    on_message_(from, type, *body);
  } else if (name == "presence") {
    on_presence(element);
  } else if (name == "iq") {
    on_iq(element);
  } else if (name == "stream:features") {
    on_features(element);
  } else if (name == "success") {
    authenticated_ = true;
    stage_ = Stage::kBinding;
    open_stream();  // RFC 6120 6.4.6: a new stream after SASL success (the splitter's state is per part)
  } else if (name == "failure") {
    finish_setup("SASL authentication failed: " + std::string(element.substr(0, 200)));
  } else if (name == "stream:error") {
    fail("stream error: " + std::string(element.substr(0, 200)));
  }
}

void XmppClient::on_features(std::string_view element) {
  if (!authenticated_) {
    if (account_.register_first && stage_ == Stage::kConnecting) {
      stage_ = Stage::kRegistering;
      link_->send("<iq type='set' id='reg'><query xmlns='jabber:iq:register'><username>" +
                  xmpp::escape(account_.user) + "</username><password>" + xmpp::escape(account_.password) +
                  "</password></query></iq>");
      return;
    }
    if (!xmpp::has_child(element, "mechanisms")) return finish_setup("the server offers no SASL mechanisms");
    return send_auth();
  }
  session_offered_ = xmpp::has_child(element, "session") && !xmpp::has_child(element, "optional");
  link_->send("<iq type='set' id='bind'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>" +
              xmpp::escape(account_.resource) + "</resource></bind></iq>");
}

void XmppClient::send_auth() {
  stage_ = Stage::kAuthenticating;
  std::string credentials;
  credentials.push_back('\0');
  credentials += account_.user;
  credentials.push_back('\0');
  credentials += account_.password;
  link_->send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>" + base64(credentials) + "</auth>");
}

void XmppClient::on_iq(std::string_view element) {
  const auto type = xmpp::attribute(element, "type").value_or("");
  const auto id = xmpp::attribute(element, "id").value_or("");
  if (type == "get" || type == "set") {  // e.g. a server ping: answer every request with an empty result
    std::string answer = "<iq type='result' id='" + xmpp::escape(id) + "'";
    if (auto from = xmpp::attribute(element, "from")) answer += " to='" + xmpp::escape(*from) + "'";
    link_->send(answer + "/>");
    return;
  }
  if (id == "reg" && stage_ == Stage::kRegistering) {
    if (type == "result" || xmpp::has_child(element, "conflict")) return send_auth();
    return finish_setup("in-band registration failed: " + std::string(element.substr(0, 300)));
  }
  if (id == "bind" && stage_ == Stage::kBinding) {
    if (type != "result") return finish_setup("resource binding failed: " + std::string(element.substr(0, 300)));
    jid_ = xmpp::child_text(element, "jid").value_or("");
    if (session_offered_) {
      stage_ = Stage::kSession;
      link_->send("<iq type='set' id='sess'><session xmlns='urn:ietf:params:xml:ns:xmpp-session'/></iq>");
      return;
    }
    link_->send("<presence/>");
    return finish_setup(std::nullopt);
  }
  if (id == "sess" && stage_ == Stage::kSession) {
    if (type != "result") return finish_setup("session failed: " + std::string(element.substr(0, 300)));
    link_->send("<presence/>");
    return finish_setup(std::nullopt);
  }
}

void XmppClient::on_presence(std::string_view element) {
  if (joining_.empty()) return;
  const auto from = xmpp::attribute(element, "from").value_or("");
  auto it = joining_.find(from);
  if (it == joining_.end()) return;
  auto done = std::move(it->second);
  joining_.erase(it);
  if (xmpp::attribute(element, "type").value_or("") == "error") {
    return done("joining " + from + " failed: " + std::string(element.substr(0, 300)));
  }
  done(std::nullopt);
}

void XmppClient::finish_setup(std::optional<std::string> error) {
  auto done = std::exchange(setup_done_, nullptr);
  if (!error) {
    stage_ = Stage::kReady;
  } else {
    stage_ = Stage::kClosed;
    if (link_) link_->close();
  }
  if (done) done(std::move(error));
}

void XmppClient::fail(std::string reason) {
  const bool was_ready = stage_ == Stage::kReady;
  stage_ = Stage::kClosed;
  if (link_) link_->close();
  if (auto done = std::exchange(setup_done_, nullptr)) done(reason);
  for (auto& [room, done] : std::exchange(joining_, {})) done(reason);
  if (was_ready) {
    if (auto f = std::exchange(on_closed_, nullptr)) f(reason);
  }
}

}  // namespace parley::bench
