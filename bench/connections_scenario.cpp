// The connections scenario: open, authenticate, idle, sample; JSON results with a Markdown summary inside.
#include "connections_scenario.h"

#include <CLI/CLI.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include <cmath>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <thread>

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
  std::string port_file;
  std::optional<pid_t> server_pid;
  std::string tokens_file;
  int connections = 19000;
  int checkpoint_every = 2000;
  int concurrency = 256;      // connects + authenticates in flight
  int source_addresses = 1;   // spread connections over 127.0.0.1 .. 127.0.0.N (each has its own port range)
  double settle_s = 2, idle_sample_s = 3;
  std::string output;
};

// One idle client: connect, authenticate, then hold the connection.
struct IdleClient {
  std::shared_ptr<WsConnection> connection;
  bool done = false, ok = false, lost = false;
};

// Kernel TCP socket figures for the whole machine (/proc/net/sockstat): sockets in use and pages of buffer memory.
struct SockStat {
  long inuse = 0, mem_pages = 0;
};
SockStat read_sockstat() {
  std::ifstream in("/proc/net/sockstat");
  std::string line;
  SockStat s;
  while (std::getline(in, line)) {
    if (line.rfind("TCP:", 0) != 0) continue;
    std::istringstream words(line.substr(4));
    std::string key;
    long value;
    while (words >> key >> value) {
      if (key == "inuse") s.inuse = value;
      if (key == "mem") s.mem_pages = value;
    }
  }
  return s;
}

// Slab memory the kernel holds for TCP sockets (whole machine) in bytes, from /proc/slabinfo when readable.
double tcp_slab_bytes() {
  std::ifstream in("/proc/slabinfo");
  std::string line;
  double bytes = 0;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string name;
    long active = 0, total = 0, size = 0;
    if (!(words >> name >> active >> total >> size)) continue;
    if (name == "TCP" || name == "tcp_bind_bucket" || name == "request_sock_TCP" || name == "sock_inode_cache" ||
        name == "dentry" || name == "filp" || name == "eventpoll_epi" || name == "eventpoll_pwq") {
      bytes += static_cast<double>(active) * size;
    }
  }
  return bytes;
}

double mib(double bytes) { return std::round(bytes / 1048576.0 * 10) / 10; }

int run(const Settings& s) {
  boost::system::error_code ec;
  auto address = boost::asio::ip::make_address(s.host, ec);
  if (ec || !address.is_loopback()) {
    std::cerr << "parley-bench connections: --host must be a loopback address\n";
    return 2;
  }
  uint16_t port = s.port;
  if (!s.port_file.empty()) std::ifstream(s.port_file) >> port;
  std::vector<std::string> tokens;
  {
    std::ifstream in(s.tokens_file);
    for (std::string t; std::getline(in, t);) {
      if (!t.empty()) tokens.push_back(t);
    }
  }
  if (port == 0 || tokens.empty() || !s.server_pid) {
    std::cerr << "parley-bench connections: give --port/--port-file, --server-pid and a non-empty --tokens-file\n";
    return 2;
  }
  const boost::asio::ip::tcp::endpoint server(address, port);
  boost::asio::io_context io;
  auto work = boost::asio::make_work_guard(io);  // run_for() must not find the context stopped between phases
  std::deque<IdleClient> clients;  // stable addresses
  int in_flight = 0, opened = 0, failed = 0, lost = 0;
  std::string first_error;

  auto open_one = [&](int index) {
    clients.emplace_back();
    IdleClient* c = &clients.back();
    ++in_flight;
    const std::string token = tokens[index % tokens.size()];
    std::optional<boost::asio::ip::address> source;
    if (s.source_addresses > 1) {
      source = boost::asio::ip::address_v4(0x7f000001u + static_cast<uint32_t>(index % s.source_addresses));
    }
    c->connection = open_ws_connection(
        io, server, "/v1/ws",
        WsCallbacks{[&, c, token](boost::system::error_code e) {
                      if (e) {
                        c->done = true;
                        --in_flight;
                        ++failed;
                        if (first_error.empty()) first_error = "connect: " + e.message();
                        return;
                      }
                      v1::ClientFrame frame;
                      frame.set_req_id(1);
                      frame.mutable_authenticate()->set_token(token);
                      c->connection->send(protocol::encode(frame, protocol::Encoding::kBinary));
                    },
                    [&, c](std::string_view payload) {
                      if (c->done) return;
                      auto frame = protocol::decode_server_frame(payload, protocol::Encoding::kBinary);
                      if (!frame || frame->req_id() != 1) return;
                      c->done = true;
                      --in_flight;
                      if (frame->has_error()) {
                        ++failed;
                        if (first_error.empty()) first_error = "authenticate: " + frame->error().message();
                        return;
                      }
                      c->ok = true;
                      ++opened;
                    },
                    [&, c](boost::system::error_code) {
                      if (!c->done) {
                        c->done = true;
                        --in_flight;
                        ++failed;
                        if (first_error.empty()) first_error = "closed during authenticate";
                      } else if (c->ok) {
                        c->lost = true;
                        ++lost;
                      }
                    }},
        source);
  };

  // Idle baseline.
  auto sample = [&](int n, double connect_rate) {
    std::this_thread::sleep_for(std::chrono::duration<double>(s.settle_s));
    io.poll();
    const auto before = sample_process(*s.server_pid);
    const auto t0 = Clock::now();
    while (Clock::now() - t0 < std::chrono::duration<double>(s.idle_sample_s)) {
      io.run_for(100ms);
    }
    const auto after = sample_process(*s.server_pid);
    const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    const SockStat sock = read_sockstat();
    json::object point{{"connections", n},
                       {"connect_per_s", std::round(connect_rate)},
                       {"server_rss_mib", after ? mib(static_cast<double>(after->rss_bytes)) : 0.0},
                       {"server_idle_cpu_percent",
                        before && after ? std::round((after->cpu_seconds - before->cpu_seconds) / seconds * 1000) / 10 : 0.0},
                       {"tcp_sockets_in_use", sock.inuse},
                       {"kernel_socket_mib", mib(static_cast<double>(sock.mem_pages) * 4096)},
                       {"kernel_slab_mib", mib(tcp_slab_bytes())},
                       {"lost", lost}};
    std::cerr << "[connections] " << n << " open: server RSS " << point["server_rss_mib"].as_double() << " MiB, idle CPU "
              << point["server_idle_cpu_percent"].as_double() << " %, TCP sockets " << sock.inuse << ", connect rate "
              << std::round(connect_rate) << "/s\n";
    return point;
  };

  json::array points;
  points.push_back(sample(0, 0));
  int next = 0;
  double connect_seconds = 0;  // time spent opening connections, sampling pauses excluded
  while (next < s.connections) {
    const int target = std::min(s.connections, next + s.checkpoint_every);
    const auto phase_start = Clock::now();
    const int opened_before = opened;
    while ((next < target || in_flight > 0) && failed == 0) {
      while (next < target && in_flight < s.concurrency) open_one(next++);
      io.run_for(10ms);
    }
    if (failed > 0) break;
    const double seconds = std::chrono::duration<double>(Clock::now() - phase_start).count();
    connect_seconds += seconds;
    points.push_back(sample(opened, (opened - opened_before) / seconds));
  }

  // Per connection: the slope between the idle baseline and the last checkpoint.
  const auto& first = points.front().as_object();
  const auto& last = points.back().as_object();
  const double n = last.at("connections").to_number<double>();
  const auto per = [&](const char* key) {
    return n > 0 ? (last.at(key).to_number<double>() - first.at(key).to_number<double>()) * 1048576.0 / n : 0.0;
  };
  const double rss_per = per("server_rss_mib"), kernel_per = per("kernel_socket_mib"), slab_per = per("kernel_slab_mib");
  std::ostringstream md;
  md.setf(std::ios::fixed);
  md.precision(0);
  md << "| figure | value |\n|---|---|\n"
     << "| authenticated idle connections held | " << n << " (" << failed << " failed, " << lost << " lost) |\n"
     << "| server RSS per connection (slope from idle) | " << rss_per << " bytes |\n"
     << "| kernel TCP buffer memory per connection (sockstat `mem`, both ends on this machine) | " << kernel_per
     << " bytes |\n"
     << "| kernel slab (TCP, sockets, files, epoll) per connection, both ends | " << slab_per << " bytes |\n"
     << "| connect + authenticate rate (" << s.concurrency << " in flight, sampling pauses excluded) | "
     << (connect_seconds > 0 ? n / connect_seconds : 0) << " /s |\n"
     << "| server idle CPU with all connections open | " << last.at("server_idle_cpu_percent").to_number<double>()
     << " % of one core |\n";
  md.precision(1);
  md << "| extrapolated to 1,000,000 connections: server RSS | " << rss_per * 1e6 / 1073741824.0 << " GiB |\n"
     << "| extrapolated to 1,000,000 connections: kernel slab (server side ≈ half) | " << slab_per * 1e6 / 2 / 1073741824.0
     << " GiB |\n";
  json::object doc{{"scenario", "connections"},
                   {"source_addresses", s.source_addresses},
                   {"started_at", utc_now_iso8601()},
                   {"tokens", tokens.size()},
                   {"points", std::move(points)},
                   {"per_connection_bytes", {{"server_rss", std::round(rss_per)}, {"kernel_socket_buffers", std::round(kernel_per)}, {"kernel_slab_both_ends", std::round(slab_per)}}},
                   {"failed", failed},
                   {"first_error", first_error},
                   {"summary_markdown", md.str()}};
  std::cerr << md.str();
  if (!first_error.empty()) std::cerr << "parley-bench connections: first error: " << first_error << "\n";
  const std::string path = s.output + ".json";
  std::ofstream out(path);
  out << pretty_json(doc);
  if (!out) {
    std::cerr << "parley-bench connections: cannot write " << path << "\n";
    return 1;
  }
  std::cerr << "parley-bench connections: wrote " << path << "\n";
  for (auto& c : clients) {
    if (c.connection) c.connection->close();
  }
  work.reset();
  io.run_for(500ms);
  return failed > 0 ? 1 : 0;
}

}  // namespace

int run_connections_command(int argc, char** argv) {
  Settings s;
  CLI::App app{"parley-bench connections: N authenticated idle connections; memory, connect rate, idle CPU"};
  app.add_option("--host", s.host)->capture_default_str();
  app.add_option("--port", s.port);
  app.add_option("--port-file", s.port_file);
  app.add_option("--server-pid", s.server_pid, "parleyd's pid (required)");
  app.add_option("--tokens-file", s.tokens_file, "session tokens, one a line; connections use them round-robin")->required();
  app.add_option("--connections", s.connections, "connections to open (the open-file limit is 20,000)")->capture_default_str();
  app.add_option("--checkpoint-every", s.checkpoint_every, "sample after this many more connections")->capture_default_str();
  app.add_option("--concurrency", s.concurrency, "connects in flight")->capture_default_str();
  app.add_option("--source-addresses", s.source_addresses, "connect from 127.0.0.1 .. 127.0.0.N")
      ->check(CLI::Range(1, 254))
      ->capture_default_str();
  app.add_option("--settle", s.settle_s, "seconds to wait before sampling")->capture_default_str();
  app.add_option("--idle-sample", s.idle_sample_s, "seconds over which idle CPU is measured")->capture_default_str();
  app.add_option("--output", s.output, "results path prefix (<prefix>.json)")->required();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return run(s);
}

}  // namespace parley::bench
