// MqttClient: the connection state machine over TcpLink and mqtt_codec.
#include "mqtt_client.h"

namespace parley::bench {
namespace {
constexpr size_t kMaxPacket = 1 << 20;
}

MqttClient::MqttClient(boost::asio::io_context& io, boost::asio::ip::tcp::endpoint server, std::string client_id)
    : io_(io), server_(std::move(server)), client_id_(std::move(client_id)) {}

MqttClient::~MqttClient() {
  if (link_) link_->detach();
}

void MqttClient::connect(Done done, std::string_view username, std::string_view password) {
  connect_done_ = std::move(done);
  const std::string hello = mqtt::encode_connect(client_id_, 0, username, password);
  link_ = TcpLink::open(io_, server_,
                        TcpCallbacks{[this, hello](boost::system::error_code ec) {
                                       if (ec) {
                                         if (auto d = std::exchange(connect_done_, nullptr)) d("connect: " + ec.message());
                                         return;
                                       }
                                       link_->send(hello);
                                     },
                                     [this](std::string_view unread) { return on_data(unread); },
                                     [this](boost::system::error_code ec) {
                                       fail(ec ? ec.message() : "closed");
                                     }},
                        TcpLimits{kMaxPacket + 8, 64 << 20});
}

void MqttClient::subscribe(const std::string& topic, uint8_t qos, Done done) {
  const uint16_t id = next_packet_id();
  if (!is_connected() || !link_->send(mqtt::encode_subscribe(id, topic, qos))) return done("not connected");
  subscribe_done_[id] = std::move(done);
}

std::optional<uint16_t> MqttClient::publish(std::string_view topic, std::string_view payload, uint8_t qos) {
  if (!is_connected()) return std::nullopt;
  const uint16_t id = qos > 0 ? next_packet_id() : 0;
  if (!link_->send(mqtt::encode_publish(topic, payload, qos, id))) return std::nullopt;
  return id;
}

void MqttClient::disconnect() {
  if (!link_) return;
  on_closed_ = nullptr;  // an intended close is not a lost connection
  if (link_->is_open()) link_->send(mqtt::encode_disconnect());
  link_->close();
}

uint16_t MqttClient::next_packet_id() {
  if (++last_packet_id_ == 0) last_packet_id_ = 1;  // 0 is not a valid packet id
  return last_packet_id_;
}

size_t MqttClient::on_data(std::string_view unread) {
  size_t consumed = 0;
  while (true) {
    auto next = mqtt::next_packet(unread.substr(consumed), kMaxPacket);
    if (!next) {
      fail("bad packet from the broker: " + next.error());
      return consumed;
    }
    if (!*next) return consumed;
    consumed += (*next)->size;
    if (!on_packet(**next)) return consumed;
  }
}

bool MqttClient::on_packet(const mqtt::Packet& packet) {
  switch (packet.type) {
    case mqtt::PacketType::kConnack: {
      const bool accepted = packet.body.size() >= 2 && packet.body[1] == 0;
      connected_ = accepted;
      if (auto d = std::exchange(connect_done_, nullptr)) {
        d(accepted ? std::nullopt
                   : std::optional<std::string>("CONNACK refused, code " +
                                                std::to_string(packet.body.size() >= 2 ? packet.body[1] : -1)));
      }
      return accepted;
    }
    case mqtt::PacketType::kSuback: {
      auto id = mqtt::packet_id_of(packet);
      if (!id) return fail(id.error()), false;
      auto it = subscribe_done_.find(*id);
      if (it == subscribe_done_.end()) return true;
      auto done = std::move(it->second);
      subscribe_done_.erase(it);
      const bool granted = packet.body.size() >= 3 && static_cast<uint8_t>(packet.body[2]) != 0x80;
      done(granted ? std::nullopt : std::optional<std::string>("SUBACK refused the subscription"));
      return true;
    }
    case mqtt::PacketType::kPublish: {
      auto publish = mqtt::parse_publish(packet);
      if (!publish) return fail(publish.error()), false;
      if (publish->qos == 1) link_->send(mqtt::encode_puback(publish->packet_id));
      if (on_message_) on_message_(publish->topic, publish->payload);
      return true;
    }
    case mqtt::PacketType::kPuback: {
      auto id = mqtt::packet_id_of(packet);
      if (!id) return fail(id.error()), false;
      if (on_puback_) on_puback_(*id);
      return true;
    }
    case mqtt::PacketType::kPingresp:
      return true;
    default:
      fail("unexpected packet type " + std::to_string(static_cast<int>(packet.type)));
      return false;
  }
}

void MqttClient::fail(std::string reason) {
  const bool was_connected = connected_;
  connected_ = false;
  if (link_) link_->close();
  if (auto d = std::exchange(connect_done_, nullptr)) d(reason);
  for (auto& [id, done] : std::exchange(subscribe_done_, {})) done(reason);
  if (was_connected) {
    if (auto f = std::exchange(on_closed_, nullptr)) f(reason);
  }
}

}  // namespace parley::bench
