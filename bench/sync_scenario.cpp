// The sync scenario: seed the conversations, then time reconnect -> first screen and the full sync.
#include "sync_scenario.h"

#include <CLI/CLI.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <functional>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <unordered_map>

#include "parley/v1/envelope.pb.h"
#include "process_sampler.h"
#include "protocol/codec.h"
#include "report.h"
#include "ws_connection.h"

namespace parley::bench {
namespace {

namespace json = boost::json;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

struct Settings {
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  std::string token;
  std::string user;
  std::string peers_file;  // peer user ids, one a line: one direct conversation each
  int messages = 10000;
  int repetitions = 5;
  int in_flight = 8;       // pull requests in flight during the full sync
  std::optional<pid_t> server_pid;  // to read the server's CPU time (its share of each figure)
  std::string output;
};

// One connection with request/response matching by req_id. Everything runs on `io`.
class Session {
 public:
  using Reply = std::function<void(const v1::ServerFrame&)>;

  Session(boost::asio::io_context& io, const boost::asio::ip::tcp::endpoint& server) {
    connection_ = open_ws_connection(io, server, "/v1/ws",
                                     WsCallbacks{[this](boost::system::error_code ec) {
                                                   open_ = !ec;
                                                   failed_ = static_cast<bool>(ec);
                                                 },
                                                 [this](std::string_view payload) { on_message(payload); },
                                                 [this](boost::system::error_code) { failed_ = true; }});
  }
  // Starts the close; the object must outlive the io_context's remaining work (callbacks hold `this`).
  void close() { connection_->close(); }

  bool open() const { return open_; }
  bool failed() const { return failed_; }
  size_t waiting() const { return replies_.size(); }

  void request(v1::ClientFrame& frame, Reply reply) {
    frame.set_req_id(++next_req_id_);
    replies_[next_req_id_] = std::move(reply);
    connection_->send(protocol::encode(frame, protocol::Encoding::kBinary));
  }

 private:
  void on_message(std::string_view payload) {
    auto frame = protocol::decode_server_frame(payload, protocol::Encoding::kBinary);
    if (!frame) return;
    auto it = replies_.find(frame->req_id());
    if (it == replies_.end()) return;  // events (our own messages' echoes are not sent to the sending device)
    auto reply = std::move(it->second);
    replies_.erase(it);
    reply(*frame);
  }

  std::shared_ptr<WsConnection> connection_;
  bool open_ = false, failed_ = false;
  uint64_t next_req_id_ = 0;
  std::unordered_map<uint64_t, Reply> replies_;
};

// Runs `io` until `done()` or the deadline; false on timeout.
bool run_until(boost::asio::io_context& io, const std::function<bool()>& done, std::chrono::seconds limit) {
  const auto deadline = Clock::now() + limit;
  while (!done()) {
    if (Clock::now() > deadline) return false;
    io.run_for(1ms);
  }
  return true;
}

std::string direct_id(const std::string& a, const std::string& b) {
  const auto& [low, high] = std::minmax(a, b);
  return "d:" + low + ":" + high;
}

int run(const Settings& s) {
  boost::system::error_code ec;
  auto address = boost::asio::ip::make_address(s.host, ec);
  if (ec || !address.is_loopback()) return std::cerr << "parley-bench sync: --host must be loopback\n", 2;
  std::vector<std::string> peers;
  {
    std::ifstream in(s.peers_file);
    for (std::string p; std::getline(in, p);) {
      if (!p.empty()) peers.push_back(p);
    }
  }
  if (peers.empty()) return std::cerr << "parley-bench sync: no peers in " << s.peers_file << "\n", 2;
  const boost::asio::ip::tcp::endpoint server(address, s.port);
  boost::asio::io_context io;
  auto work = boost::asio::make_work_guard(io);
  std::vector<std::unique_ptr<Session>> closed;  // kept until the end: late callbacks may still reach them
  auto retire = [&](std::unique_ptr<Session>& session) {
    if (!session) return;
    session->close();
    closed.push_back(std::move(session));
  };
  std::string error;
  auto fail = [&](const std::string& what) {
    if (error.empty()) error = what;
  };

  auto authenticated_session = [&](std::unique_ptr<Session>& session) {
    session = std::make_unique<Session>(io, server);
    if (!run_until(io, [&] { return session->open() || session->failed(); }, 10s) || session->failed()) {
      fail("connect failed");
      return false;
    }
    bool done = false;
    v1::ClientFrame frame;
    frame.mutable_authenticate()->set_token(s.token);
    session->request(frame, [&](const v1::ServerFrame& r) {
      if (r.has_error()) fail("authenticate: " + r.error().message());
      done = true;
    });
    return run_until(io, [&] { return done; }, 10s) && error.empty();
  };

  // Seed: M messages over the C conversations, round-robin, a bounded number in flight.
  std::cerr << "parley-bench sync: sending " << s.messages << " messages into " << peers.size() << " conversations\n";
  {
    std::unique_ptr<Session> seeder;
    if (!authenticated_session(seeder)) {
      retire(seeder);
      return std::cerr << "parley-bench sync: " << error << "\n", 1;
    }
    int sent = 0, acked = 0;
    const std::string text(100, 'x');
    while (acked < s.messages && error.empty()) {
      while (sent < s.messages && seeder->waiting() < 512) {
        v1::ClientFrame frame;
        auto* m = frame.mutable_send_message();
        m->set_conversation_id(direct_id(s.user, peers[sent % peers.size()]));
        m->set_client_msg_id("seed-" + std::to_string(sent));
        m->set_text(text);
        ++sent;
        seeder->request(frame, [&](const v1::ServerFrame& r) {
          if (r.has_error()) fail("send_message: " + r.error().message());
          ++acked;
        });
      }
      if (!run_until(io, [&] { return (sent < s.messages && seeder->waiting() < 512) || acked == s.messages; }, 30s)) {
        fail("seeding stalled");
      }
    }
    retire(seeder);
    if (!error.empty()) return std::cerr << "parley-bench sync: " << error << "\n", 1;
  }

  json::array reps;
  std::vector<double> first_screen_ms, full_sync_ms, first_screen_server_ms, full_sync_server_ms;
  // The server's CPU time, all threads: what it spent on a figure, apart from the client and the loopback
  // round trips. -1 without --server-pid.
  auto server_cpu_ms = [&s] {
    auto sample = s.server_pid ? sample_process(*s.server_pid) : std::nullopt;
    return sample ? sample->cpu_seconds * 1000 : -1.0;
  };
  for (int rep = 0; rep < s.repetitions && error.empty(); ++rep) {
    const double cpu_at_start = server_cpu_ms();
    const auto start = Clock::now();
    std::unique_ptr<Session> session;
    if (!authenticated_session(session)) {
      retire(session);
      break;
    }
    const auto authenticated_at = Clock::now();
    // The conversation list: sync pages until has_more is false.
    std::vector<std::pair<std::string, uint64_t>> conversations;  // id, max_seq; newest change last
    uint64_t cursor = 0;
    bool more = true;
    while (more && error.empty()) {
      bool done = false;
      v1::ClientFrame frame;
      frame.mutable_sync()->set_cursor(cursor);
      session->request(frame, [&](const v1::ServerFrame& r) {
        done = true;
        if (r.has_error()) return fail("sync: " + r.error().message());
        for (const auto& c : r.sync().conversations()) conversations.emplace_back(c.conversation_id(), c.max_seq());
        cursor = r.sync().cursor();
        more = r.sync().has_more();
      });
      if (!run_until(io, [&] { return done; }, 30s)) fail("sync timed out");
    }
    if (!error.empty() || conversations.empty()) break;
    const auto listed_at = Clock::now();
    // The newest page of the most recently changed conversation.
    {
      bool done = false;
      v1::ClientFrame frame;
      auto* pull = frame.mutable_pull_messages();
      pull->set_conversation_id(conversations.back().first);
      pull->set_before_seq(conversations.back().second + 1);
      pull->set_limit(50);
      session->request(frame, [&](const v1::ServerFrame& r) {
        done = true;
        if (r.has_error()) fail("pull_messages: " + r.error().message());
      });
      if (!run_until(io, [&] { return done; }, 30s)) fail("pull timed out");
    }
    const auto first_screen_at = Clock::now();
    const double cpu_at_first_screen = server_cpu_ms();
    // Full sync: every conversation from seq 0, pages of 200, `in_flight` requests at once.
    size_t next = 0;
    uint64_t messages = 0;
    int active = 0;
    std::function<void(size_t, uint64_t)> pull_from = [&](size_t index, uint64_t after) {
      ++active;
      v1::ClientFrame frame;
      auto* pull = frame.mutable_pull_messages();
      pull->set_conversation_id(conversations[index].first);
      pull->set_after_seq(after);
      pull->set_limit(200);
      session->request(frame, [&, index](const v1::ServerFrame& r) {
        --active;
        if (r.has_error()) return fail("pull_messages: " + r.error().message());
        const auto& got = r.pull_messages().messages();
        messages += got.size();
        if (!r.pull_messages().end() && !got.empty()) pull_from(index, got.rbegin()->seq());
      });
    };
    while ((next < conversations.size() || active > 0) && error.empty()) {
      while (next < conversations.size() && active < s.in_flight) pull_from(next++, 0);
      if (!run_until(io, [&] { return (next < conversations.size() && active < s.in_flight) || active == 0; }, 60s)) {
        fail("full sync stalled");
      }
    }
    const auto synced_at = Clock::now();
    const double cpu_at_synced = server_cpu_ms();
    retire(session);
    if (messages != static_cast<uint64_t>(s.messages) || conversations.size() != peers.size()) {
      fail("the full sync returned " + std::to_string(messages) + " messages in " +
           std::to_string(conversations.size()) + " conversations; expected " + std::to_string(s.messages) + " in " +
           std::to_string(peers.size()));
    }
    auto ms = [](auto from, auto to) { return std::round(std::chrono::duration<double, std::milli>(to - from).count() * 100) / 100; };
    first_screen_ms.push_back(ms(start, first_screen_at));
    full_sync_ms.push_back(ms(first_screen_at, synced_at));
    const bool sampled = cpu_at_start >= 0 && cpu_at_synced >= 0;
    if (sampled) {
      first_screen_server_ms.push_back(cpu_at_first_screen - cpu_at_start);
      full_sync_server_ms.push_back(cpu_at_synced - cpu_at_first_screen);
    }
    reps.push_back(json::object{{"connect_and_authenticate_ms", ms(start, authenticated_at)},
                                {"conversation_list_ms", ms(authenticated_at, listed_at)},
                                {"first_screen_ms", ms(start, first_screen_at)},
                                {"full_sync_ms", ms(first_screen_at, synced_at)},
                                {"first_screen_server_cpu_ms", sampled ? cpu_at_first_screen - cpu_at_start : -1},
                                {"full_sync_server_cpu_ms", sampled ? cpu_at_synced - cpu_at_first_screen : -1},
                                {"conversations", conversations.size()},
                                {"messages", messages}});
    std::cerr << "[sync] rep " << rep + 1 << ": " << conversations.size() << " conversations, first screen "
              << ms(start, first_screen_at) << " ms; " << messages << " messages in " << ms(first_screen_at, synced_at)
              << " ms\n";
  }
  if (!error.empty()) return std::cerr << "parley-bench sync: " << error << "\n", 1;
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0.0 : v[v.size() / 2];
  };
  auto cpu_cell = [&](const std::vector<double>& v) {
    if (v.empty()) return std::string("–");
    std::ostringstream out;
    out << std::fixed << std::setprecision(1) << median(v) << " ms";
    return out.str();
  };
  std::ostringstream md;
  md << "| figure (median of " << reps.size() << ") | client-observed on loopback | server CPU time (all threads) | goal |\n"
     << "|---|---|---|---|\n"
     << "| first screen: connect + authenticate + conversation list (" << peers.size()
     << " conversations) + newest page | " << median(first_screen_ms) << " ms | " << cpu_cell(first_screen_server_ms)
     << " | ≤ 100 ms |\n"
     << "| full sync of " << s.messages << " messages (pull_messages, pages of 200, " << s.in_flight
     << " in flight) | " << median(full_sync_ms) << " ms | " << cpu_cell(full_sync_server_ms)
     << " | ≤ 50 ms server time |\n";
  json::object doc{{"scenario", "sync"},        {"started_at", utc_now_iso8601()}, {"conversations", peers.size()},
                   {"messages", s.messages},    {"repetitions", std::move(reps)},
                   {"summary_markdown", md.str()}};
  std::ofstream(s.output + ".json") << pretty_json(doc);
  std::cerr << md.str() << "parley-bench sync: wrote " << s.output << ".json\n";
  work.reset();
  return 0;
}

}  // namespace

int run_sync_command(int argc, char** argv) {
  Settings s;
  CLI::App app{"parley-bench sync: reconnect with many conversations; first screen and full sync times"};
  app.add_option("--host", s.host)->capture_default_str();
  app.add_option("--port", s.port)->required();
  app.add_option("--token", s.token, "session token of the syncing user")->required();
  app.add_option("--user", s.user, "the syncing user's id")->required();
  app.add_option("--peers-file", s.peers_file, "peer user ids, one a line (one conversation each)")->required();
  app.add_option("--messages", s.messages)->capture_default_str();
  app.add_option("--repetitions", s.repetitions)->capture_default_str();
  app.add_option("--in-flight", s.in_flight, "pull requests in flight during the full sync")->capture_default_str();
  app.add_option("--server-pid", s.server_pid, "parleyd's pid: report its CPU time for each figure");
  app.add_option("--output", s.output, "results path prefix (<prefix>.json)")->required();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return run(s);
}

}  // namespace parley::bench
