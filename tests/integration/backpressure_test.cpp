// Backpressure as a user would notice it: a few members of a busy group stop reading; the server drops them
// with a reason instead of buffering for them without bound, and everybody else keeps getting every message.
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

#include "helpers.h"

namespace parley::testing {
namespace {

using protocol::Encoding;

double metric(uint16_t port, const std::string& name) {
  const std::string body = http_request(port, "GET", "/metrics").body;
  const auto at = body.find("\n" + name + " ");
  if (at == std::string::npos) return -1;
  return std::stod(body.substr(at + name.size() + 2));
}

// 200 members of one group; the last 5 stop reading as a member floods the group with 16 KB messages. The
// server closes exactly those 5 as slow consumers (metric 5; close 4008 with its reason, seen when they read
// again), and each of the 194 reading members gets every message, in order. The flood goes in small batches,
// each sent once every reader has the previous one, so a reader is never more than one batch behind.
TEST(Backpressure, MembersWhoStopReadingAreClosedAndTheOthersGetEveryMessageInOrder) {
  ServerProcess server({"--max-queued-bytes", "131072", "--requests-per-second", "100000", "--max-inflight-requests",
                        "4096", "--user-messages-per-second", "0", "--conversation-messages-per-second", "0",
                        "--max-connections-per-address", "0", "--max-groups-per-day", "0"});
  constexpr int kClients = 200, kStalled = 5, kReaders = kClients - 1 - kStalled;
  constexpr int kBatch = 4, kMaxBatches = 600;  // at most ~38 MB to each member
  std::vector<std::unique_ptr<WsClient>> clients;
  for (int i = 0; i < kClients; ++i) clients.push_back(connect_as(server, "m" + std::to_string(i), "d"));

  v1::ClientFrame create;
  create.mutable_create_group()->set_name("busy");
  for (int i = 1; i < kClients; ++i) create.mutable_create_group()->add_member_ids("m" + std::to_string(i));
  auto created = clients[0]->call(create);
  ASSERT_TRUE(created.has_create_group()) << created.DebugString();
  const std::string group = created.create_group().conversation().conversation_id();
  for (int i = 1; i < kClients; ++i) {
    auto first = clients[i]->wait_message();  // GROUP_CREATED, seq 1
    ASSERT_TRUE(first && first->seq() == 1) << "member " << i;
  }

  // Readers: one thread each, reading until the "end" message.
  std::mutex mu;
  std::condition_variable progress;
  std::vector<int> received(kReaders, 0);
  std::vector<std::string> failures;
  std::vector<std::thread> threads;
  struct Joiner {  // a failed ASSERT returns early: the readers end by their own timeout
    std::vector<std::thread>& threads;
    ~Joiner() {
      for (auto& t : threads) if (t.joinable()) t.join();
    }
  } joiner{threads};
  for (int r = 0; r < kReaders; ++r) {
    threads.emplace_back([&, r] {
      WsClient& c = *clients[1 + r];
      uint64_t expect_seq = 2;
      for (;;) {
        auto m = c.wait_message(10s);
        std::lock_guard lock(mu);
        if (!m) {
          failures.push_back("reader " + std::to_string(r) + ": no message after " + std::to_string(received[r]));
          break;
        }
        if (m->seq() != expect_seq) {
          failures.push_back("reader " + std::to_string(r) + ": seq " + std::to_string(m->seq()) + ", expected " +
                             std::to_string(expect_seq));
        }
        expect_seq = m->seq() + 1;
        if (m->text() == "end") break;
        ++received[r];
        progress.notify_all();
      }
      progress.notify_all();
    });
  }

  for (int i = kClients - kStalled; i < kClients; ++i) clients[i]->stop_reading();
  const std::string big(16000, 'f');
  int sent = 0;
  double closed = 0;
  for (int b = 0; b < kMaxBatches && closed < kStalled; ++b) {
    std::set<uint64_t> pending;
    for (int k = 0; k < kBatch; ++k) {
      v1::ClientFrame f;
      f.mutable_send_message()->set_conversation_id(group);
      f.mutable_send_message()->set_text(big);
      f.mutable_send_message()->set_client_msg_id("f" + std::to_string(sent + k));
      pending.insert(clients[0]->send(f));
    }
    while (!pending.empty()) {
      auto f = clients[0]->next_frame();
      ASSERT_TRUE(f) << "no ack";
      if (f->has_event()) continue;
      ASSERT_FALSE(f->has_error()) << f->DebugString();
      pending.erase(f->req_id());
    }
    sent += kBatch;
    {
      std::unique_lock lock(mu);
      const bool caught_up = progress.wait_for(lock, 10s, [&] {
        return !failures.empty() || std::all_of(received.begin(), received.end(), [&](int n) { return n >= sent; });
      });
      ASSERT_TRUE(caught_up && failures.empty()) << (failures.empty() ? "readers fell behind" : failures[0]);
    }
    closed = metric(server.port(), "parley_slow_consumers_closed_total");
  }
  ASSERT_EQ(closed, kStalled) << "after " << sent << " messages";
  clients[0]->send_text(group, "end");
  for (auto& t : threads) t.join();

  EXPECT_TRUE(failures.empty()) << failures[0];
  for (int r = 0; r < kReaders; ++r) {
    EXPECT_EQ(received[r], sent) << "reader " << r;
    EXPECT_FALSE(clients[1 + r]->is_closed()) << "reader " << r;
  }
  EXPECT_EQ(metric(server.port(), "parley_slow_consumers_closed_total"), kStalled);  // nobody else

  // The stalled clients read again: the frames already in the socket, then the close frame with the reason
  // (the server waits handshake_timeout_seconds for the closing handshake before it cuts the connection).
  for (int i = kClients - kStalled; i < kClients; ++i) {
    clients[i]->resume_reading();
    EXPECT_EQ(clients[i]->wait_closed(10s), 4008) << "member " << i;
    EXPECT_NE(clients[i]->close_reason().find("too slow"), std::string::npos) << clients[i]->close_reason();
  }
  EXPECT_NE(server.log().find("closed as a slow consumer"), std::string::npos);
}

}  // namespace
}  // namespace parley::testing
