// MqttClient and XmppClient against scripted servers on 127.0.0.1 (a thread with blocking sockets playing
// the broker or the XMPP server), so the clients' state machines are tested without Mosquitto or ejabberd.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "mqtt_client.h"
#include "mqtt_codec.h"
#include "xmpp_client.h"

namespace parley::bench {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

// A one-connection scripted server; `script` runs on its own thread with the accepted socket.
class ScriptedServer {
 public:
  explicit ScriptedServer(std::function<void(tcp::socket&)> script)
      : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    done_ = std::async(std::launch::async, [this, script = std::move(script)] {
      tcp::socket socket(io_);
      acceptor_.accept(socket);
      script(socket);
    });
  }
  tcp::endpoint endpoint() const { return acceptor_.local_endpoint(); }
  void wait() { done_.get(); }  // rethrows a failed expectation thrown by the script

 private:
  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::future<void> done_;
};

// Reads until `needle` has arrived; returns everything read up to and including it (and keeps the rest).
std::string read_until(tcp::socket& s, std::string& buffer, std::string_view needle) {
  while (buffer.find(needle) == std::string::npos) {
    char chunk[4096];
    const size_t n = s.read_some(asio::buffer(chunk));
    buffer.append(chunk, n);
  }
  const size_t end = buffer.find(needle) + needle.size();
  std::string out = buffer.substr(0, end);
  buffer.erase(0, end);
  return out;
}

std::string read_mqtt_packet(tcp::socket& s, std::string& buffer, mqtt::PacketType expected) {
  while (true) {
    auto packet = mqtt::next_packet(buffer, 1 << 20);
    if (!packet) throw std::runtime_error(packet.error());
    if (*packet) {
      if ((*packet)->type != expected) throw std::runtime_error("unexpected MQTT packet type");
      std::string whole = buffer.substr(0, (*packet)->size);
      buffer.erase(0, (*packet)->size);
      return whole;
    }
    char chunk[4096];
    buffer.append(chunk, s.read_some(asio::buffer(chunk)));
  }
}

void run_until(asio::io_context& io, const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!done() && std::chrono::steady_clock::now() < deadline) io.run_for(10ms);
}

TEST(MqttClientTest, ConnectsSubscribesPublishesAndAcknowledges) {
  uint16_t client_publish_id = 0;
  ScriptedServer broker([&](tcp::socket& s) {
    std::string in;
    read_mqtt_packet(s, in, mqtt::PacketType::kConnect);
    asio::write(s, asio::buffer(std::string("\x20\x02\x00\x00", 4)));
    const std::string subscribe = read_mqtt_packet(s, in, mqtt::PacketType::kSubscribe);
    const std::string suback = {'\x90', 3, subscribe[2], subscribe[3], 1};
    asio::write(s, asio::buffer(suback));
    asio::write(s, asio::buffer(mqtt::encode_publish("u/me", "hello", 1, 5)));
    const std::string puback = read_mqtt_packet(s, in, mqtt::PacketType::kPuback);
    if (puback != mqtt::encode_puback(5)) throw std::runtime_error("wrong PUBACK from the client");
    const std::string publish = read_mqtt_packet(s, in, mqtt::PacketType::kPublish);
    auto parsed = mqtt::next_packet(publish, 1 << 20);
    auto fields = mqtt::parse_publish(**parsed);
    if (fields->topic != "u/you" || fields->payload != "ping" || fields->qos != 1) throw std::runtime_error("bad PUBLISH");
    client_publish_id = fields->packet_id;
    asio::write(s, asio::buffer(mqtt::encode_puback(fields->packet_id)));
    read_mqtt_packet(s, in, mqtt::PacketType::kDisconnect);
  });

  asio::io_context io;
  MqttClient client(io, broker.endpoint(), "me");
  std::optional<std::string> connect_error = "pending", subscribe_error = "pending";
  std::string received_topic, received_payload;
  std::optional<uint16_t> acked, published;
  client.on_message([&](std::string_view topic, std::string_view payload) {
    received_topic = topic;
    received_payload = payload;
    published = client.publish("u/you", "ping", 1);
  });
  client.on_puback([&](uint16_t id) { acked = id; });
  client.connect([&](auto e) {
    connect_error = e;
    if (!e) client.subscribe("u/me", 1, [&](auto e2) { subscribe_error = e2; });
  });
  run_until(io, [&] { return acked.has_value(); });
  EXPECT_EQ(connect_error, std::nullopt);
  EXPECT_EQ(subscribe_error, std::nullopt);
  EXPECT_EQ(received_topic, "u/me");
  EXPECT_EQ(received_payload, "hello");
  ASSERT_TRUE(published.has_value());
  EXPECT_EQ(acked, published);
  client.disconnect();
  for (int i = 0; i < 20; ++i) io.run_for(10ms);  // let the DISCONNECT go out
  broker.wait();
  EXPECT_EQ(client_publish_id, *published);
}

TEST(MqttClientTest, ReportsARefusedConnection) {
  ScriptedServer broker([](tcp::socket& s) {
    std::string in;
    read_mqtt_packet(s, in, mqtt::PacketType::kConnect);
    asio::write(s, asio::buffer(std::string("\x20\x02\x00\x05", 4)));  // not authorized
  });
  asio::io_context io;
  MqttClient client(io, broker.endpoint(), "me");
  std::optional<std::string> error;
  bool done = false;
  client.connect([&](auto e) {
    error = e;
    done = true;
  });
  run_until(io, [&] { return done; });
  broker.wait();
  ASSERT_TRUE(error.has_value());
  EXPECT_NE(error->find("refused"), std::string::npos);
}

TEST(XmppClientTest, RegistersLogsInBindsAndExchangesMessages) {
  std::string body_from_client;
  ScriptedServer server([&](tcp::socket& s) {
    std::string in;
    const std::string header = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
                               "xmlns:stream='http://etherx.jabber.org/streams' from='localhost' id='s1' version='1.0'>";
    read_until(s, in, "version='1.0'>");
    asio::write(s, asio::buffer(header + "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>"
                                         "<mechanism>PLAIN</mechanism></mechanisms></stream:features>"));
    const std::string reg = read_until(s, in, "</iq>");
    if (reg.find("<username>alice</username><password>p&amp;w</password>") == std::string::npos) {
      throw std::runtime_error("bad registration: " + reg);
    }
    asio::write(s, asio::buffer(std::string("<iq type='result' id='reg'/>")));
    const std::string auth = read_until(s, in, "</auth>");
    // base64("\0alice\0p&w")
    if (auth.find("mechanism='PLAIN'>AGFsaWNlAHAmdw==</auth>") == std::string::npos) throw std::runtime_error("bad auth: " + auth);
    asio::write(s, asio::buffer(std::string("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>")));
    read_until(s, in, "version='1.0'>");
    asio::write(s, asio::buffer(header + "<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>"
                                         "</stream:features>"));
    read_until(s, in, "</iq>");
    asio::write(s, asio::buffer(std::string("<iq type='result' id='bind'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
                                            "<jid>alice@localhost/bench</jid></bind></iq>")));
    read_until(s, in, "<presence/>");
    asio::write(s, asio::buffer(std::string("<message from='bob@localhost/x' type='chat'><body>hi &lt;3</body></message>")));
    body_from_client = read_until(s, in, "</message>");
  });

  asio::io_context io;
  XmppClient client(io, server.endpoint(), XmppAccount{"alice", "localhost", "p&w", "bench", true});
  std::optional<std::string> error = "pending";
  std::string from, type, body;
  client.on_message([&](std::string_view f, std::string_view t, std::string_view b) {
    from = f;
    type = t;
    body = b;
    client.send_message("bob@localhost/x", "chat", "back <at> you");
  });
  client.connect([&](auto e) { error = e; });
  run_until(io, [&] { return !body.empty(); });
  for (int i = 0; i < 20; ++i) io.run_for(10ms);  // the reply goes out
  server.wait();
  EXPECT_EQ(error, std::nullopt);
  EXPECT_EQ(client.jid(), "alice@localhost/bench");
  EXPECT_EQ(from, "bob@localhost/x");
  EXPECT_EQ(type, "chat");
  EXPECT_EQ(body, "hi <3");
  EXPECT_NE(body_from_client.find("<message to='bob@localhost/x' type='chat'><body>back &lt;at&gt; you</body></message>"),
            std::string::npos)
      << body_from_client;
}

TEST(XmppClientTest, ReportsAFailedAuthentication) {
  ScriptedServer server([](tcp::socket& s) {
    std::string in;
    read_until(s, in, "version='1.0'>");
    asio::write(s, asio::buffer(std::string(
                       "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
                       "version='1.0'><stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>"
                       "<mechanism>PLAIN</mechanism></mechanisms></stream:features>")));
    read_until(s, in, "</auth>");
    asio::write(s, asio::buffer(std::string("<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><not-authorized/></failure>")));
  });
  asio::io_context io;
  XmppClient client(io, server.endpoint(), XmppAccount{"alice", "localhost", "wrong"});
  std::optional<std::string> error;
  bool done = false;
  client.connect([&](auto e) {
    error = e;
    done = true;
  });
  run_until(io, [&] { return done; });
  server.wait();
  ASSERT_TRUE(error.has_value());
  EXPECT_NE(error->find("SASL"), std::string::npos);
}

}  // namespace
}  // namespace parley::bench
