// The three ChatClient adapters: Parley (protobuf over WebSocket, via BenchUser), MQTT (MqttClient) and XMPP
// (XmppClient). Each maps the scenario's "channel" to its protocol's addressing and its acks to on_ack.
#include <random>
#include <unordered_set>

#include "bench_user.h"
#include "chat_client.h"
#include "mqtt_client.h"
#include "protocol/codec.h"
#include "xmpp_client.h"

namespace parley::bench {
namespace {

// ------------------------------------------------------------------------------------------- Parley

const std::string& run_nonce() {
  static const std::string nonce = [] {
    std::random_device random;
    return std::to_string(random() & 0xffffff) + "-";
  }();
  return nonce;
}

class ParleyChatClient final : public ChatClient {
 public:
  ParleyChatClient(boost::asio::io_context& io, const ChatClientOptions& options, std::string user)
      : ChatClient(user), bench_user_(io, options.server, user, options.password) {
    if (options.tokens) {
      if (auto it = options.tokens->find(user_); it != options.tokens->end()) bench_user_.use_token(it->second);
    }
    if (options.source) bench_user_.use_source(*options.source);
    bench_user_.on_frame([this](v1::ServerFrame& frame) { on_frame(frame); });
    bench_user_.on_lost([this] {
      if (on_lost_) on_lost_();
    });
  }

  void set_up(Done done) override { bench_user_.set_up(std::move(done)); }
  void listen_direct(Done done) override { done(std::nullopt); }

  std::string direct_channel(const std::string& to) const override {
    const auto& [low, high] = std::minmax(user_, to);
    return "d:" + low + ":" + high;
  }

  void create_group(const std::string& name, const std::vector<std::string>& members, ChannelDone done) override {
    v1::ClientFrame frame;
    auto* group = frame.mutable_create_group();
    group->set_name(name);
    for (const auto& m : members) group->add_member_ids(m);
    group_req_id_ = bench_user_.send(frame);
    group_done_ = std::move(done);
  }

  // create_group added us already; a member is ready once the group's first message (GROUP_CREATED) reached
  // it, so that a big group's creation events (each lists every member) are not read during the first step.
  void join_group(const std::string& channel, Done done) override {
    if (groups_seen_.contains(channel)) return done(std::nullopt);
    join_channel_ = channel;
    join_done_ = std::move(done);
  }

  std::optional<uint64_t> send(const std::string& channel, std::string_view payload) override {
    if (!bench_user_.is_open()) return std::nullopt;
    if (bench_user_.queued_messages() >= kMaxQueuedFrames) return std::nullopt;
    auto* message = send_frame_.mutable_send_message();
    message->set_conversation_id(channel);
    // Unique across runs too: the same user may send again in a later run (ids from --tokens-file), and a
    // reused client_msg_id is a duplicate to the server (CONFLICT).
    message->set_client_msg_id(run_nonce() + std::to_string(++client_msg_counter_));
    message->set_text(payload.data(), payload.size());
    const uint64_t req_id = bench_user_.send(send_frame_);
    unanswered_.insert(req_id);
    return req_id;
  }

  bool is_open() const override { return bench_user_.is_open(); }
  size_t queued_bytes() const override { return bench_user_.queued_messages(); }  // frames, not bytes
  void close() override { bench_user_.close(); }

 private:
  static constexpr size_t kMaxQueuedFrames = 20000;
  static constexpr size_t kMaxGroupsSeen = 64;  // the scenarios put a client in one group

  void on_frame(const v1::ServerFrame& frame) {
    if (frame.has_event()) {
      if (!frame.event().has_message()) return;
      const auto& message = frame.event().message();
      if (message.kind() == v1::SYSTEM && message.conversation_id().starts_with("g:")) {
        if (groups_seen_.size() < kMaxGroupsSeen) groups_seen_.insert(message.conversation_id());
        if (join_done_ && message.conversation_id() == join_channel_) std::exchange(join_done_, nullptr)(std::nullopt);
        return;
      }
      if (!message.text().empty() && on_text_) on_text_(message.text());
      return;
    }
    if (frame.req_id() == group_req_id_ && group_done_) {
      auto done = std::exchange(group_done_, nullptr);
      if (frame.has_error()) return done(std::nullopt, "create_group: " + frame.error().message());
      return done(frame.create_group().conversation().conversation_id(), "");
    }
    if (unanswered_.erase(frame.req_id()) == 0) return;
    if (!on_ack_) return;
    if (frame.has_error()) return on_ack_(frame.req_id(), code_name(frame.error().code()));
    on_ack_(frame.req_id(), {});
  }

  BenchUser bench_user_;
  v1::ClientFrame send_frame_;
  uint64_t client_msg_counter_ = 0;
  std::unordered_set<uint64_t> unanswered_;
  uint64_t group_req_id_ = 0;
  ChannelDone group_done_;
  std::unordered_set<std::string> groups_seen_;  // groups whose GROUP_CREATED (or other system) message arrived
  std::string join_channel_;
  Done join_done_;
};

// ------------------------------------------------------------------------------------------- MQTT

class MqttChatClient final : public ChatClient {
 public:
  MqttChatClient(boost::asio::io_context& io, const ChatClientOptions& options, std::string user)
      : ChatClient(user), qos_(options.mqtt_qos), client_(io, options.server, user) {
    client_.on_message([this](std::string_view, std::string_view payload) {
      if (on_text_) on_text_(payload);
    });
    client_.on_puback([this](uint16_t id) {
      if (on_ack_) on_ack_(id, {});
    });
    client_.on_closed([this](const std::string&) {
      if (on_lost_) on_lost_();
    });
  }

  void set_up(Done done) override { client_.connect(std::move(done)); }
  void listen_direct(Done done) override { client_.subscribe("u/" + user_, qos_, std::move(done)); }
  std::string direct_channel(const std::string& to) const override { return "u/" + to; }
  void create_group(const std::string& name, const std::vector<std::string>&, ChannelDone done) override {
    done("g/" + name, "");  // a topic needs no creation; members subscribe in join_group
  }
  void join_group(const std::string& channel, Done done) override { client_.subscribe(channel, qos_, std::move(done)); }

  std::optional<uint64_t> send(const std::string& channel, std::string_view payload) override {
    auto id = client_.publish(channel, payload, qos_);
    if (!id) return std::nullopt;
    return *id;  // 0 for QoS 0: no ack
  }

  bool is_open() const override { return client_.is_connected(); }
  size_t queued_bytes() const override { return client_.queued_bytes(); }
  void close() override { client_.disconnect(); }

 private:
  uint8_t qos_;
  MqttClient client_;
};

// ------------------------------------------------------------------------------------------- XMPP

class XmppChatClient final : public ChatClient {
 public:
  XmppChatClient(boost::asio::io_context& io, const ChatClientOptions& options, std::string user)
      : ChatClient(user),
        domain_(options.xmpp_domain),
        muc_domain_(options.xmpp_muc_domain),
        client_(io, options.server,
                XmppAccount{user, options.xmpp_domain, options.password, "bench", options.xmpp_register}) {
    client_.on_message([this](std::string_view from, std::string_view type, std::string_view body) {
      // A room reflects our own groupchat messages back to us: only other senders' messages count.
      if (type == "groupchat" && from.ends_with("/" + user_)) return;
      if (on_text_) on_text_(body);
    });
    client_.on_closed([this](const std::string&) {
      if (on_lost_) on_lost_();
    });
  }

  void set_up(Done done) override { client_.connect(std::move(done)); }
  void listen_direct(Done done) override { done(std::nullopt); }
  // The full JID: a bare JID would go to the resources by presence priority (the same here, one resource).
  std::string direct_channel(const std::string& to) const override { return to + "@" + domain_ + "/bench"; }

  void create_group(const std::string& name, const std::vector<std::string>&, ChannelDone done) override {
    // The first occupant creates the room (rooms are configured unlocked by bench/run-peers).
    const std::string room = name + "@" + muc_domain_;
    client_.join_room(room, user_, [room, done = std::move(done)](std::optional<std::string> error) {
      if (error) return done(std::nullopt, *error);
      done(room, "");
    });
  }
  void join_group(const std::string& channel, Done done) override { client_.join_room(channel, user_, std::move(done)); }

  std::optional<uint64_t> send(const std::string& channel, std::string_view payload) override {
    const bool group = channel.find('@' + muc_domain_) != std::string::npos;
    if (!client_.send_message(channel, group ? "groupchat" : "chat", payload)) return std::nullopt;
    return 0;  // XMPP gives no per-message ack without stream management
  }

  bool is_open() const override { return client_.is_ready(); }
  size_t queued_bytes() const override { return client_.queued_bytes(); }
  void close() override { client_.disconnect(); }

 private:
  std::string domain_, muc_domain_;
  XmppClient client_;
};

}  // namespace

std::unique_ptr<ChatClient> make_chat_client(boost::asio::io_context& io, const ChatClientOptions& options,
                                             std::string user) {
  switch (options.protocol) {
    case Protocol::kParley: return std::make_unique<ParleyChatClient>(io, options, std::move(user));
    case Protocol::kMqtt: return std::make_unique<MqttChatClient>(io, options, std::move(user));
    case Protocol::kXmpp: return std::make_unique<XmppChatClient>(io, options, std::move(user));
  }
  return nullptr;
}

}  // namespace parley::bench
