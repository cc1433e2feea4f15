// The loopback ceiling: connected socket pairs, the writer, relay and reader threads, and the results files.
#include "ceiling_command.h"

#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

#include "report.h"

namespace parley::bench {
namespace {

namespace json = boost::json;
using Clock = std::chrono::steady_clock;

constexpr uint64_t kWindowRounds = 8;  // frames in flight per socket, at most
constexpr size_t kReadBuffer = 64 * 1024;
constexpr int kEpollBatch = 1024;
constexpr int kEpollWaitMs = 50;

struct Settings {
  std::vector<int> fanout = {100, 1000};  // receiving sockets, one row each
  std::vector<int> relay = {50};          // sender/receiver pairs, one row each
  size_t frame_bytes = 160;  // about a message event carrying 100 bytes of text
  double seconds = 5, warmup = 1;
  std::string output;
};

[[noreturn]] void fail_errno(const std::string& what) { throw std::runtime_error(what + ": " + std::strerror(errno)); }

// A socket descriptor that closes itself.
class Socket {
 public:
  explicit Socket(int fd = -1) : fd_(fd) {}
  Socket(Socket&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Socket& operator=(Socket&& other) noexcept {
    std::swap(fd_, other.fd_);
    return *this;
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  int fd() const { return fd_; }

 private:
  int fd_;
};

void set_nodelay(int fd) {
  int one = 1;
  if (::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0) fail_errno("TCP_NODELAY");
}

void set_nonblocking(int fd) {
  if (::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK) != 0) fail_errno("O_NONBLOCK");
}

// `count` connected TCP pairs on 127.0.0.1: first the connecting end, second the accepted end.
std::vector<std::pair<Socket, Socket>> connected_pairs(int count) {
  Socket listener(::socket(AF_INET, SOCK_STREAM, 0));
  if (listener.fd() < 0) fail_errno("socket");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (::bind(listener.fd(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) fail_errno("bind");
  if (::listen(listener.fd(), 1024) != 0) fail_errno("listen");
  if (::getsockname(listener.fd(), reinterpret_cast<sockaddr*>(&address), &length) != 0) fail_errno("getsockname");
  std::vector<std::pair<Socket, Socket>> pairs;
  pairs.reserve(count);
  for (int i = 0; i < count; ++i) {
    Socket client(::socket(AF_INET, SOCK_STREAM, 0));
    if (client.fd() < 0) fail_errno("socket (is the open-file limit too low?)");
    if (::connect(client.fd(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) fail_errno("connect");
    Socket accepted(::accept(listener.fd(), nullptr, nullptr));
    if (accepted.fd() < 0) fail_errno("accept");
    set_nodelay(client.fd());
    set_nodelay(accepted.fd());
    pairs.emplace_back(std::move(client), std::move(accepted));
  }
  return pairs;
}

void send_all(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail_errno("send");
    data += n;
    size -= static_cast<size_t>(n);
  }
}

// Reads every socket in `fds` (made non-blocking) until `stop`; counts whole frames received in `frames`, and
// wakes whoever waits on it. With `forward_to`, what arrives on fds[i] is sent on to forward_to[i] (the relay).
void pump(const std::vector<int>& fds, const std::vector<int>* forward_to, size_t frame_bytes,
          std::atomic<uint64_t>& frames, const std::atomic<bool>& stop) {
  Socket epoll(::epoll_create1(0));
  if (epoll.fd() < 0) fail_errno("epoll_create1");
  for (size_t i = 0; i < fds.size(); ++i) {
    set_nonblocking(fds[i]);
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u64 = i;
    if (::epoll_ctl(epoll.fd(), EPOLL_CTL_ADD, fds[i], &event) != 0) fail_errno("epoll_ctl");
  }
  std::vector<epoll_event> events(kEpollBatch);
  std::vector<char> buffer(kReadBuffer);
  uint64_t bytes = 0;
  while (!stop.load(std::memory_order_relaxed)) {
    int ready = ::epoll_wait(epoll.fd(), events.data(), kEpollBatch, kEpollWaitMs);
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) fail_errno("epoll_wait");
    for (int k = 0; k < ready; ++k) {
      const size_t i = events[k].data.u64;
      for (;;) {
        ssize_t n = ::recv(fds[i], buffer.data(), buffer.size(), 0);
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) break;
        if (n <= 0) return;  // the other end closed: the run is over
        if (forward_to) send_all((*forward_to)[i], buffer.data(), static_cast<size_t>(n));
        bytes += static_cast<size_t>(n);
        if (static_cast<size_t>(n) < buffer.size()) break;
      }
    }
    if (ready > 0 && !forward_to) {
      frames.store(bytes / frame_bytes, std::memory_order_release);
      frames.notify_all();
    }
  }
}

// Sends one frame to each of `fds` per round, never more than kWindowRounds rounds ahead of `received`.
void write_rounds(const std::vector<int>& fds, size_t frame_bytes, const std::atomic<uint64_t>& received,
                  const std::atomic<bool>& stop) {
  const std::string frame(frame_bytes, 'x');
  const uint64_t window = kWindowRounds * fds.size();
  uint64_t sent = 0;
  while (!stop.load(std::memory_order_relaxed)) {
    uint64_t got = received.load(std::memory_order_acquire);
    if (sent - got > window) {
      received.wait(got, std::memory_order_acquire);
      continue;
    }
    for (int fd : fds) send_all(fd, frame.data(), frame.size());
    sent += fds.size();
  }
}

double cpu_seconds() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](timeval t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

struct Measurement {
  std::string shape;
  int connections = 0;
  double per_second = 0;   // deliveries (fanout) or messages (relay)
  double cpu_percent = 0;  // this process, in % of one core
};

// Runs one shape on `n` connections (pairs); returns frames received per second over the window.
Measurement measure(const std::string& shape, int n, const Settings& s) {
  const bool relay = shape == "relay";
  auto first = connected_pairs(n);
  auto second = relay ? connected_pairs(n) : std::vector<std::pair<Socket, Socket>>{};
  // fanout: write on the accepted ends, read on the connecting ends.
  // relay: send on first.client -> relay reads first.accepted, writes second.accepted -> read second.client.
  std::vector<int> writers, readers, relay_in, relay_out;
  for (int i = 0; i < n; ++i) {
    if (relay) {
      writers.push_back(first[i].first.fd());
      relay_in.push_back(first[i].second.fd());
      relay_out.push_back(second[i].second.fd());
      readers.push_back(second[i].first.fd());
    } else {
      writers.push_back(first[i].second.fd());
      readers.push_back(first[i].first.fd());
    }
  }
  std::atomic<uint64_t> received{0}, relayed{0};
  std::atomic<bool> stop_writer{false}, stop_relay{false}, stop_reader{false}, writer_done{false};
  // A failed system call leaves the other threads blocked on sockets nobody serves: end the process.
  auto or_exit = [](auto body) {
    return [body] {
      try {
        body();
      } catch (const std::exception& e) {
        std::cerr << "ceiling: " << e.what() << "\n";
        std::_Exit(1);
      }
    };
  };
  std::thread reader(or_exit([&] { pump(readers, nullptr, s.frame_bytes, received, stop_reader); }));
  std::thread relayer;
  if (relay) relayer = std::thread(or_exit([&] { pump(relay_in, &relay_out, s.frame_bytes, relayed, stop_relay); }));
  std::thread writer(or_exit([&] {
    write_rounds(writers, s.frame_bytes, received, stop_writer);
    writer_done = true;
  }));

  std::this_thread::sleep_for(std::chrono::duration<double>(s.warmup));
  const uint64_t before = received.load();
  const double cpu_before = cpu_seconds();
  const auto start = Clock::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(s.seconds));
  const uint64_t after = received.load();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  const double cpu = cpu_seconds() - cpu_before;
  // Stop in the direction of the data, so that no thread is left blocked sending to one that stopped reading.
  // The writer may be waiting for the window: move `received` on until it notices.
  stop_writer = true;
  while (!writer_done) {
    received.fetch_add(kWindowRounds * static_cast<uint64_t>(n) + 1);
    received.notify_all();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  writer.join();
  stop_relay = true;
  if (relayer.joinable()) relayer.join();
  stop_reader = true;
  reader.join();
  return Measurement{shape, n, static_cast<double>(after - before) / elapsed, 100.0 * cpu / elapsed};
}

std::string markdown(const std::vector<Measurement>& results, const Settings& s) {
  std::ostringstream out;
  out << "# Loopback ceiling\n\n" << s.frame_bytes << "-byte frames, one send() per frame and socket, "
      << s.seconds << " s per row after " << s.warmup << " s of warm-up (`parley-bench ceiling`).\n\n"
      << "| shape | connections | frames received/s | process CPU % |\n|---|---|---|---|\n";
  for (const auto& m : results) {
    out << "| " << m.shape << " | " << m.connections << " | " << std::fixed << std::setprecision(0) << m.per_second
        << " | " << m.cpu_percent << " |\n";
  }
  return out.str();
}

}  // namespace

int run_ceiling_command(int argc, char** argv) {
  Settings s;
  CLI::App app{"parley-bench ceiling: loopback TCP with no work per message (fanout: deliveries/s; relay: msg/s)"};
  // fanout x N holds 2N descriptors, relay x N 4N; the sandbox allows 20,000 per process.
  app.add_option("--fanout", s.fanout, "fan-out rows: receiving sockets")
      ->delimiter(',')
      ->check(CLI::Range(1, 9000))
      ->capture_default_str();
  app.add_option("--relay", s.relay, "relay rows: sender/receiver pairs")
      ->delimiter(',')
      ->check(CLI::Range(1, 4500))
      ->capture_default_str();
  app.add_option("--frame-bytes", s.frame_bytes, "bytes per frame")->check(CLI::Range(1, 65536))->capture_default_str();
  app.add_option("--seconds", s.seconds, "measured seconds per row")->check(CLI::Range(0.5, 600.0))->capture_default_str();
  app.add_option("--warmup", s.warmup, "seconds before measuring")->check(CLI::Range(0.0, 60.0))->capture_default_str();
  app.add_option("--output", s.output, "results prefix (default bench/results/ceiling-<UTC time>)");
  CLI11_PARSE(app, argc, argv);
  if (s.output.empty()) s.output = "bench/results/ceiling-" + utc_stamp();

  std::vector<Measurement> results;
  try {
    for (const auto& [shape, rows] : {std::pair{"fanout", s.fanout}, std::pair{"relay", s.relay}}) {
      for (int n : rows) {
        results.push_back(measure(shape, n, s));
        std::cerr << shape << " x " << n << ": " << std::fixed << std::setprecision(0) << results.back().per_second
                  << " frames/s, " << results.back().cpu_percent << "% CPU\n";
      }
    }
  } catch (const std::exception& e) {
    std::cerr << "ceiling: " << e.what() << "\n";
    return 1;
  }
  json::array rows;
  for (const auto& m : results) {
    rows.push_back({{"shape", m.shape}, {"connections", m.connections}, {"per_second", m.per_second},
                    {"cpu_percent", m.cpu_percent}});
  }
  json::object document{{"scenario", "ceiling"},
                        {"started_at", utc_now_iso8601()},
                        {"config", {{"frame_bytes", s.frame_bytes}, {"seconds", s.seconds}, {"warmup", s.warmup},
                                    {"cpus", std::thread::hardware_concurrency()}}},
                        {"results", std::move(rows)}};
  std::ofstream(s.output + ".json") << pretty_json(document) << "\n";
  std::ofstream(s.output + ".md") << markdown(results, s);
  std::cout << markdown(results, s) << "\nwrote " << s.output << ".json and .md\n";
  return 0;
}

}  // namespace parley::bench
