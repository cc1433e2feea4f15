// What the peer-comparison scenarios (load_scenario.h) need from a messaging protocol, so that one open-loop
// generator drives Parley, MQTT brokers and XMPP servers alike. Each protocol's own client (BenchUser,
// MqttClient, XmppClient) stays a plain protocol client; chat_clients.cpp adapts each to this interface.
//
// Addressing is protocol-specific and opaque to the scenario: a "channel" is what a sender sends to (a
// Parley conversation id, an MQTT topic, an XMPP JID or MUC room).
//
// Threading: a client lives on the io_context it was made with; call it and receive its callbacks there.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace parley::bench {

class ChatClient {
 public:
  // nullopt: done; otherwise what failed.
  using Done = std::function<void(std::optional<std::string> error)>;
  using ChannelDone = std::function<void(std::optional<std::string> channel, std::string error)>;
  using OnText = std::function<void(std::string_view payload)>;
  // The server acknowledged the send that returned `token`; `error` is empty on success.
  using OnAck = std::function<void(uint64_t token, std::string_view error)>;
  using OnLost = std::function<void()>;

  virtual ~ChatClient() = default;

  const std::string& user() const { return user_; }
  void on_text(OnText f) { on_text_ = std::move(f); }
  void on_ack(OnAck f) { on_ack_ = std::move(f); }
  void on_lost(OnLost f) { on_lost_ = std::move(f); }

  // Connects, creates the account where the protocol does it in-band, and logs in.
  virtual void set_up(Done done) = 0;
  // Makes this client receive direct messages (MQTT: subscribes to its own topic; others: nothing to do).
  virtual void listen_direct(Done done) = 0;
  // Where to send a direct message to `user`.
  virtual std::string direct_channel(const std::string& user) const = 0;
  // Creates a group called `name` with `members` (ids of clients already set up) and this client as its
  // sender; the channel then goes to every member's join_group.
  virtual void create_group(const std::string& name, const std::vector<std::string>& members, ChannelDone done) = 0;
  virtual void join_group(const std::string& channel, Done done) = 0;

  // Sends `payload` as one message. Returns the ack token (0 when the protocol gives no per-message ack), or
  // nullopt when the message was not queued (connection closed or its write buffer full).
  virtual std::optional<uint64_t> send(const std::string& channel, std::string_view payload) = 0;
  virtual bool is_open() const = 0;
  virtual size_t queued_bytes() const = 0;
  virtual void close() = 0;

 protected:
  explicit ChatClient(std::string user) : user_(std::move(user)) {}
  std::string user_;
  OnText on_text_;
  OnAck on_ack_;
  OnLost on_lost_;
};

enum class Protocol { kParley, kMqtt, kXmpp };

struct ChatClientOptions {
  Protocol protocol = Protocol::kParley;
  boost::asio::ip::tcp::endpoint server;
  std::string password = "bench-password";
  uint8_t mqtt_qos = 1;                        // QoS of publishes and subscriptions
  std::string xmpp_domain = "localhost";       // users are <user>@<domain>
  std::string xmpp_muc_domain = "conference.localhost";
  bool xmpp_register = true;                   // in-band registration (XEP-0077) before logging in
  // Parley: session tokens by user id (issued by the admin API). A user with a token authenticates with it
  // instead of registering and logging in (no password hashing: fast set-up of thousands of users).
  std::shared_ptr<const std::unordered_map<std::string, std::string>> tokens;
  // Parley: the local address to connect from (spreading connections over 127.0.0.x, each with its own
  // ephemeral port range); unset: the kernel picks.
  std::optional<boost::asio::ip::address> source;
};

std::unique_ptr<ChatClient> make_chat_client(boost::asio::io_context& io, const ChatClientOptions& options,
                                             std::string user);

}  // namespace parley::bench
