#include "server/net/coalescing_stream.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <gtest/gtest.h>

#include <thread>

namespace parley::server {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using protocol::Encoding;

struct Connected {
  asio::io_context ioc;
  tcp::acceptor acceptor{ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)};
  std::unique_ptr<tcp::socket> client = std::make_unique<tcp::socket>(ioc);
  std::unique_ptr<CoalescingStream> stream;
  std::atomic<uint64_t> socket_writes{0};

  Connected() {
    client->connect(acceptor.local_endpoint());
    stream = std::make_unique<CoalescingStream>(NetStream(acceptor.accept()));
    stream->count_writes_in(&socket_writes);
  }
  // Reads `n` bytes on the client side while the io_context writes them.
  std::string receive(size_t n) {
    std::string received(n, '\0');
    std::thread reader([&] { asio::read(*client, asio::buffer(received)); });
    ioc.restart();
    ioc.run_for(std::chrono::seconds(5));  // returns as soon as everything queued is written
    reader.join();
    return received;
  }
};

protocol::SharedFrame text_event(const std::string& text) {
  v1::ServerFrame f;
  f.mutable_event()->mutable_message()->set_text(text);
  return protocol::make_shared_frame(std::move(f));
}

TEST(CoalescingStream, QueuedFramesLeaveInOneWriteAsValidWebSocketFrames) {
  Connected c;
  constexpr int kFrames = 100;
  auto shared = text_event(std::string(300, 'x'));  // one encoding shared by every frame (a fan-out)
  std::string expected;
  for (int i = 0; i < kFrames; ++i) {
    Encoding enc = i % 2 ? Encoding::kJson : Encoding::kBinary;
    c.stream->write_frame(shared, enc);
    const std::string& payload = shared->bytes(enc);
    std::array<uint8_t, protocol::kMaxWsHeaderSize> header;
    size_t n = protocol::encode_ws_frame_header(enc == Encoding::kJson ? protocol::WsOpcode::kText
                                                                       : protocol::WsOpcode::kBinary,
                                                payload.size(), header);
    expected.append(reinterpret_cast<const char*>(header.data()), n).append(payload);
  }
  EXPECT_EQ(c.stream->buffered_bytes(), expected.size());
  EXPECT_EQ(c.receive(expected.size()), expected);
  EXPECT_EQ(c.socket_writes.load(), 1u);  // everything queued in one turn of the loop: one write
  EXPECT_EQ(c.stream->buffered_bytes(), 0u);
}

TEST(CoalescingStream, BeastWritesAndFramesKeepTheirOrder) {
  Connected c;
  std::string expected;
  int completed = 0;
  for (int i = 0; i < 20; ++i) {
    std::string raw = "beast-" + std::to_string(i);  // short: exercises small-string storage
    expected += raw;
    c.stream->async_write_some(asio::buffer(raw), [&](boost::system::error_code ec, size_t n) {
      EXPECT_FALSE(ec);
      ++completed;
    });
    auto frame = text_event("f" + std::to_string(i));
    c.stream->write_frame(frame, Encoding::kBinary);
    const std::string& payload = frame->bytes(Encoding::kBinary);
    expected += static_cast<char>(0x82);
    expected += static_cast<char>(payload.size());
    expected += payload;
  }
  EXPECT_EQ(c.receive(expected.size()), expected);
  EXPECT_EQ(completed, 20);
}

TEST(CoalescingStream, WritesFailAfterThePeerIsGone) {
  Connected c;
  c.client.reset();
  std::string big(1 << 20, 'x');
  boost::system::error_code last;
  for (int i = 0; i < 50 && !last; ++i) {
    c.stream->async_write_some(asio::buffer(big), [&](boost::system::error_code ec, size_t) { last = ec; });
    c.ioc.restart();
    c.ioc.run_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(last);  // a broken connection surfaces as a write error, not an ever-growing buffer
  EXPECT_EQ(c.stream->buffered_bytes(), 0u);
}

TEST(WsFrame, HeaderLengthEncodings) {
  std::array<uint8_t, protocol::kMaxWsHeaderSize> h;
  ASSERT_EQ(protocol::encode_ws_frame_header(protocol::WsOpcode::kText, 125, h), 2u);
  EXPECT_EQ(h[0], 0x81);
  EXPECT_EQ(h[1], 125);
  ASSERT_EQ(protocol::encode_ws_frame_header(protocol::WsOpcode::kBinary, 126, h), 4u);
  EXPECT_EQ(h[0], 0x82);
  EXPECT_EQ(h[1], 126);
  EXPECT_EQ((h[2] << 8) | h[3], 126);
  ASSERT_EQ(protocol::encode_ws_frame_header(protocol::WsOpcode::kBinary, 65536, h), 10u);
  EXPECT_EQ(h[1], 127);
  uint64_t len = 0;
  for (int i = 0; i < 8; ++i) len = (len << 8) | h[2 + i];
  EXPECT_EQ(len, 65536u);
}

}  // namespace
}  // namespace parley::server
