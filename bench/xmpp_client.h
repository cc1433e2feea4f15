// A small non-blocking XMPP c2s client (RFC 6120/6121) over plain TCP: stream, optional in-band registration
// (XEP-0077), SASL PLAIN, resource binding, session, initial presence; then <message> stanzas out and in, and
// joining multi-user chat rooms (XEP-0045). No TLS (loopback benchmarks and tests only), no roster, no stream
// management. Used by the load generator and meant to drive Parley's own XMPP gateway in tests.
//
// Threading: lives on the io_context it was created with; call it and receive callbacks there only.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "tcp_link.h"

namespace parley::bench {

struct XmppAccount {
  std::string user;      // local part
  std::string domain;    // e.g. "localhost"
  std::string password;
  std::string resource = "bench";
  bool register_first = false;  // in-band registration before logging in; "already exists" counts as done
};

class XmppClient {
 public:
  using Done = std::function<void(std::optional<std::string> error)>;
  // A received <message> with a <body>: its from, type ("chat", "groupchat", ...) and body, unescaped.
  using OnMessage = std::function<void(std::string_view from, std::string_view type, std::string_view body)>;
  using OnClosed = std::function<void(std::string reason)>;

  XmppClient(boost::asio::io_context& io, boost::asio::ip::tcp::endpoint server, XmppAccount account);
  ~XmppClient();
  XmppClient(const XmppClient&) = delete;
  XmppClient& operator=(const XmppClient&) = delete;

  void on_message(OnMessage f) { on_message_ = std::move(f); }
  void on_closed(OnClosed f) { on_closed_ = std::move(f); }

  // Connects and logs in; `done` runs once, when the session is ready (presence sent) or on failure.
  void connect(Done done);
  // Joins room `room_jid` as `nick` without history; `done` once the room reflected our presence.
  void join_room(const std::string& room_jid, const std::string& nick, Done done);
  // Sends <message to type><body/></message>; false when not ready or the write buffer is full.
  bool send_message(std::string_view to, std::string_view type, std::string_view body);

  // The full JID the server bound ("" before that).
  const std::string& jid() const { return jid_; }
  bool is_ready() const { return stage_ == Stage::kReady && link_ && link_->is_open(); }
  size_t queued_bytes() const { return link_ ? link_->queued_bytes() : 0; }
  void disconnect();  // </stream:stream>, then close

 private:
  enum class Stage { kConnecting, kRegistering, kAuthenticating, kBinding, kSession, kReady, kClosed };

  size_t on_data(std::string_view unread);
  void on_stanza(std::string_view element);
  void on_features(std::string_view element);
  void on_iq(std::string_view element);
  void on_presence(std::string_view element);
  void open_stream();
  void send_auth();
  void finish_setup(std::optional<std::string> error);
  void fail(std::string reason);

  boost::asio::io_context& io_;
  boost::asio::ip::tcp::endpoint server_;
  XmppAccount account_;
  std::shared_ptr<TcpLink> link_;
  Stage stage_ = Stage::kConnecting;
  bool authenticated_ = false;
  bool session_offered_ = false;
  std::string jid_;
  Done setup_done_;
  std::map<std::string, Done> joining_;  // "room/nick" -> done
  OnMessage on_message_;
  OnClosed on_closed_;
};

}  // namespace parley::bench
