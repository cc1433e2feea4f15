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

TEST(CoalescingStream, ManySmallWritesArriveInOrderInFewSocketWrites) {
  asio::io_context ioc;
  tcp::acceptor acceptor(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  tcp::socket client(ioc);
  client.connect(acceptor.local_endpoint());
  CoalescingStream stream(acceptor.accept());
  std::atomic<uint64_t> socket_writes{0};
  stream.count_writes_in(&socket_writes);

  constexpr int kFrames = 200;
  std::string expected;
  int completed = 0;
  for (int i = 0; i < kFrames; ++i) {
    std::string frame = "frame-" + std::to_string(i) + ";";
    expected += frame;
    // Like Beast: the next write starts only when the previous one completed.
    stream.async_write_some(asio::buffer(frame), [&](boost::system::error_code ec, size_t n) {
      EXPECT_FALSE(ec);
      ++completed;
    });
    ioc.restart();
    ioc.run_one();  // the write's completion (posted)
  }
  std::string received(expected.size(), '\0');
  std::thread reader([&] { asio::read(client, asio::buffer(received)); });
  ioc.run_for(std::chrono::seconds(5));  // returns as soon as the last buffered bytes are written
  reader.join();
  EXPECT_EQ(completed, kFrames);
  EXPECT_EQ(received, expected);
  EXPECT_LT(socket_writes.load(), static_cast<uint64_t>(kFrames));
  EXPECT_EQ(stream.buffered_bytes(), 0u);
}

TEST(CoalescingStream, WritesFailAfterThePeerIsGone) {
  asio::io_context ioc;
  tcp::acceptor acceptor(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  auto client = std::make_unique<tcp::socket>(ioc);
  client->connect(acceptor.local_endpoint());
  CoalescingStream stream(acceptor.accept());
  client.reset();
  std::string big(1 << 20, 'x');
  boost::system::error_code last;
  for (int i = 0; i < 50 && !last; ++i) {
    stream.async_write_some(asio::buffer(big), [&](boost::system::error_code ec, size_t) { last = ec; });
    ioc.restart();
    ioc.run_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(last);  // a broken connection surfaces as a write error, not an ever-growing buffer
}

}  // namespace
}  // namespace parley::server
