// The connection manager's timing rules against a real parleyd: the network_changed() hint, a server that
// stops answering (a dead link the socket does not report), and callbacks on a host-chosen executor.
#include <signal.h>

#include <deque>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include "sdk_test_support.h"
#include "server_process.h"

namespace parley::testing {
namespace {

// The pid of the parleyd serving `data_dir` (our own child), found through /proc.
pid_t server_pid(const ServerProcess& server) {
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(entry.path() / "cmdline");
    std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (cmdline.find("parleyd") != std::string::npos && cmdline.find(server.data_dir()) != std::string::npos) {
      return std::stoi(name);
    }
  }
  return -1;
}

bool use_token(Client& client, const std::string& token) {
  std::promise<bool> done;
  client.use_token(token, [&](ClientResult<SessionSummary> r) { done.set_value(r.has_value()); });
  auto f = done.get_future();
  return f.wait_for(20s) == std::future_status::ready && f.get();
}

TEST(SdkConnection, NetworkChangedReconnectsWithoutWaitingForTheBackoff) {
  const uint16_t port = free_loopback_port();
  ServerProcess server({"--listen", "127.0.0.1:" + std::to_string(port)});
  TempDir dir;
  Recorder r;
  auto options = fast_options(port, dir.file("a.db"), "a1");
  options.backoff_min = 20s;  // the scheduled retry is at least 10 s away
  options.backoff_max = 40s;
  auto client = make_client(options, r);
  ASSERT_TRUE(use_token(*client, admin_user_token(port, "alice", "a1")));
  ASSERT_TRUE(r.wait_state(ConnectionState::kConnected));
  server.terminate();
  ASSERT_TRUE(r.wait_state(ConnectionState::kOffline));
  server.start();
  auto hinted = std::chrono::steady_clock::now();
  client->network_changed();
  ASSERT_TRUE(r.wait_state(ConnectionState::kConnected, 8s));
  EXPECT_LT(std::chrono::steady_clock::now() - hinted, 9s);
}

TEST(SdkConnection, AServerThatStopsAnsweringIsDetectedAndLeft) {
  ServerProcess server;
  TempDir dir;
  Recorder r;
  auto options = fast_options(server.port(), dir.file("a.db"), "a1");
  options.heartbeat_min = 200ms;
  options.heartbeat_max = 400ms;
  options.request_timeout = 700ms;
  auto client = make_client(options, r);
  ASSERT_TRUE(use_token(*client, admin_user_token(server.port(), "alice", "a1")));
  ASSERT_TRUE(r.wait_state(ConnectionState::kConnected));
  pid_t pid = server_pid(server);
  ASSERT_GT(pid, 0);
  ::kill(pid, SIGSTOP);  // the socket stays open; nothing answers
  bool detected = r.wait(
      [&] {
        return !r.states.empty() && r.states.back() == ConnectionState::kOffline &&
               r.last_detail.find("did not answer") != std::string::npos;
      },
      10s);
  ::kill(pid, SIGCONT);
  ASSERT_TRUE(detected) << r.locked([&] { return r.last_detail; });
  ASSERT_TRUE(r.wait_state(ConnectionState::kConnected, 20s));
}

TEST(SdkConnection, CallbacksRunOnTheExecutorTheHostChose) {
  ServerProcess server;
  TempDir dir;
  // The host's "UI thread": a bounded loop draining a queue of posted callbacks.
  std::mutex mutex;
  std::condition_variable cv;
  std::deque<std::function<void()>> queue;
  bool quit = false;
  std::thread::id host_id;
  std::thread host([&] {
    host_id = std::this_thread::get_id();
    std::unique_lock lock(mutex);
    while (!quit) {
      cv.wait(lock, [&] { return quit || !queue.empty(); });
      while (!queue.empty()) {
        auto fn = std::move(queue.front());
        queue.pop_front();
        lock.unlock();
        fn();
        lock.lock();
      }
    }
  });
  std::promise<std::thread::id> state_thread;
  bool reported = false;
  Recorder r;
  ClientCallbacks callbacks = r.callbacks();
  auto record_state = callbacks.on_state;
  callbacks.on_state = [&, record_state](const StateUpdate& u) {
    if (!reported) {
      reported = true;
      state_thread.set_value(std::this_thread::get_id());
    }
    record_state(u);
  };
  auto options = fast_options(server.port(), dir.file("a.db"), "a1");
  options.callback_executor = [&](std::function<void()> fn) {
    {
      std::lock_guard lock(mutex);
      queue.push_back(std::move(fn));
    }
    cv.notify_one();
  };
  {
    auto client = Client::create(options, callbacks);
    ASSERT_TRUE(client);
    ASSERT_TRUE(use_token(**client, admin_user_token(server.port(), "alice", "a1")));
    ASSERT_TRUE(r.wait_state(ConnectionState::kConnected));
  }
  {
    std::lock_guard lock(mutex);
    quit = true;
  }
  cv.notify_one();
  host.join();
  EXPECT_EQ(state_thread.get_future().get(), host_id);
}

}  // namespace
}  // namespace parley::testing

namespace parley::testing {
namespace {

TEST(SdkConnection, AShortLivedSessionIsRenewedOnTheLiveConnection) {
  ServerProcess server({"--token-ttl-seconds", "2"});
  TempDir dir;
  Recorder r;
  auto client = make_client(fast_options(server.port(), dir.file("a.db"), "a1"), r);
  std::promise<bool> registered;
  client->register_and_login("alice", "alice-pass-1", "", [&](auto res) { registered.set_value(res.has_value()); });
  ASSERT_TRUE(registered.get_future().get());
  ASSERT_TRUE(r.wait_state(ConnectionState::kConnected));
  // Without renewal the server kicks the connection (EXPIRED) after 2 s and the client has to reconnect.
  bool dropped = r.wait(
      [&] {
        return std::any_of(r.states.begin(), r.states.end(), [](ConnectionState s) {
          return s == ConnectionState::kOffline || s == ConnectionState::kTokenExpired || s == ConnectionState::kKicked;
        });
      },
      5s);
  EXPECT_FALSE(dropped) << r.locked([&] { return r.last_detail; });
  auto id = client->send_text("d:alice:alice2", "still here");
  ASSERT_TRUE(id);
  ASSERT_TRUE(r.wait([&] { return r.sent.contains(*id) || r.failed.contains(*id); }));
}

}  // namespace
}  // namespace parley::testing
