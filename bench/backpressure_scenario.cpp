// The backpressure scenario: set-up (connect and authenticate every user, create the groups), then one
// open-loop schedule of small group messages plus a steady flood of large messages into the hot group, over
// the phases warm-up, baseline, stall, after; results as JSON and Markdown.
#include "backpressure_scenario.h"

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/error.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <memory>
#include <random>
#include <sstream>
#include <thread>
#include <unordered_map>
#include <vector>

#include "bench_user.h"
#include "latency_histogram.h"
#include "metrics_scraper.h"
#include "bounded_setup.h"
#include "process_sampler.h"
#include "protocol/codec.h"
#include "report.h"
#include "user_tokens.h"

namespace parley::bench {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

struct Settings {
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  std::string port_file;
  std::optional<pid_t> server_pid;
  std::string tokens_file;  // "<user id> <token>" per line: the users
  int group_size = 100;
  double rate = 200;  // small group messages/s, all groups together
  uint32_t text_bytes = 100;
  int stalled = 100;      // users that stop reading
  int hot_readers = 100;  // readers in the hot group with them
  double flood_rate = 25;  // large messages/s into the hot group
  uint32_t flood_bytes = 16000;
  double warmup_s = 5, baseline_s = 20, stall_s = 40, after_s = 15, drain_s = 3;
  int source_addresses = 4;
  uint32_t tick_us = 1000;
  int setup_concurrency = 64;
  int setup_timeout_s = 600;
  uint32_t seed = 7;
  std::string output;
};

enum Phase { kWarmup = 0, kBaseline, kStall, kAfter, kPhases };
constexpr std::array<const char*, kPhases> kPhaseNames = {"warmup", "baseline", "stall", "after"};

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}
double ms(uint64_t ns) { return std::round(static_cast<double>(ns) / 1e3) / 1e3; }
double mib(uint64_t bytes) { return std::round(static_cast<double>(bytes) / 1048576.0 * 10) / 10; }
double ratio(double a, double b) { return b > 0 ? std::round(a / b * 100) / 100 : 0; }
json::object latency_json(const LatencyHistogram& h) {
  return {{"count", h.count()},
          {"p50_ms", ms(h.percentile(0.5))},
          {"p99_ms", ms(h.percentile(0.99))},
          {"p999_ms", ms(h.percentile(0.999))},
          {"max_ms", ms(h.max())}};
}

struct PhaseStats {
  uint64_t sent = 0, flood_sent = 0, acked_ok = 0, expected = 0, delivered = 0, backlog = 0;
  std::map<std::string, uint64_t> errors;
  LatencyHistogram background, flood, ack;
  std::vector<uint64_t> rss;  // one sample per second
};

struct Pending {
  int64_t scheduled = 0;
  Phase phase = kWarmup;
  bool flood = false;
  int remaining = 0;
};

class Backpressure {
 public:
  explicit Backpressure(Settings s) : s_(std::move(s)), ticker_(io_), rng_(s_.seed) {}

  int run() {
    boost::system::error_code ec;
    auto address = asio::ip::make_address(s_.host, ec);
    if (ec || !address.is_loopback()) return fail_usage("--host must be a loopback address");
    uint16_t port = s_.port;
    if (!s_.port_file.empty()) std::ifstream(s_.port_file) >> port;
    for (auto& [user, token] : read_user_tokens(s_.tokens_file)) {
      users_.emplace_back();
      users_.back().id = std::move(user);
      users_.back().token = std::move(token);
    }
    const int n = static_cast<int>(users_.size());
    if (port == 0 || s_.rate <= 0 || s_.group_size < 2 || s_.stalled < 1 || s_.hot_readers < 1 ||
        n < 2 * (s_.stalled + s_.hot_readers)) {
      return fail_usage("give --port/--port-file, a positive --rate, and a --tokens-file with at least twice "
                        "--stalled + --hot-readers users");
    }
    server_ = {address, port};
    build_topology();
    std::cerr << "parley-bench backpressure: " << n << " users, " << groups_.size() - 1 << " groups of ~"
              << s_.group_size << " and a hot group of " << s_.stalled << " stalling + " << s_.hot_readers
              << " reading members; setting up...\n";
    const auto setup_start = Clock::now();
    if (auto error = set_up()) {
      std::cerr << "parley-bench backpressure: set-up failed: " << *error << "\n";
      return 1;
    }
    setup_seconds_ = std::chrono::duration<double>(Clock::now() - setup_start).count();
    std::cerr << "parley-bench backpressure: set-up took " << setup_seconds_ << " s\n";
    run_load();
    return write_results();
  }

 private:
  struct User {
    std::string id, token;
    int group = -1;
    bool stalled = false, hot = false;
    std::unique_ptr<BenchUser> client;
    bool ready = false;
    std::unordered_map<std::string, uint64_t> last_seq;  // per conversation: the order check
    std::unordered_map<uint64_t, std::pair<int64_t, Phase>> unacked;
    uint64_t frames_after_resume = 0;
    bool lost = false;
    int64_t lost_at = 0;
  };
  struct Group {
    std::vector<int> members;
    std::string conversation;
  };

  static int fail_usage(const std::string& why) {
    std::cerr << "parley-bench backpressure: " << why << "\n";
    return 2;
  }

  // Groups of group_size consecutive users (groups_[1..]); the stalled users spread evenly over them, each
  // followed by a hot reader while there are some; groups_[0] is the hot group: stalled users + hot readers.
  void build_topology() {
    const int n = static_cast<int>(users_.size());
    const int group_count = std::max(1, n / s_.group_size);
    groups_.resize(group_count + 1);
    for (int i = 0; i < n; ++i) {
      users_[i].group = 1 + std::min(i / s_.group_size, group_count - 1);
      groups_[users_[i].group].members.push_back(i);
    }
    const int stride = n / std::max(s_.stalled, s_.hot_readers);
    for (int k = 0; k < s_.hot_readers; ++k) {
      users_[k * stride + 1].hot = true;
      hot_readers_.push_back(k * stride + 1);
      groups_[0].members.push_back(k * stride + 1);  // a reader creates the hot group
    }
    for (int k = 0; k < s_.stalled; ++k) {
      users_[k * stride].stalled = true;
      stalled_.push_back(k * stride);
      groups_[0].members.push_back(k * stride);
    }
  }

  std::optional<asio::ip::address> source_for(int i) const {
    if (s_.source_addresses <= 1) return std::nullopt;
    return asio::ip::address_v4(0x7f000001u + static_cast<uint32_t>(i % s_.source_addresses));
  }

  Phase phase_at(int64_t t) const {
    if (t < baseline_from_) return kWarmup;
    if (t < stall_from_) return kBaseline;
    if (t < after_from_) return kStall;
    return kAfter;
  }

  // ----------------------------------------------------------------------------------------- set-up

  void connect(int i, std::function<void(std::optional<std::string>)> done) {
    User& u = users_[i];
    u.client = std::make_unique<BenchUser>(io_, server_, u.id, "unused");
    u.client->use_token(u.token);
    if (auto source = source_for(i)) u.client->use_source(*source);
    u.client->on_frame([this, i](v1::ServerFrame& f) { on_frame(i, f); });
    u.client->on_lost([this, i] { on_lost(i); });
    u.client->set_up([this, i, done = std::move(done)](std::optional<std::string> error) {
      if (!error) users_[i].ready = true;
      done(std::move(error));
    });
  }

  std::optional<std::string> set_up() {
    const auto deadline = Clock::now() + std::chrono::seconds(s_.setup_timeout_s);
    size_t reported = 0;
    auto failure = run_bounded(
        io_, users_.size(), static_cast<size_t>(s_.setup_concurrency), deadline,
        [this](size_t i, StepDone done) { connect(static_cast<int>(i), std::move(done)); },
        [&reported](size_t finished) {
          if (finished < reported + 2000) return;
          reported = finished;
          std::cerr << "parley-bench backpressure: " << finished << " connected\n";
        });
    if (failure) return "connecting the users: " + *failure;
    size_t created = 0;
    for (size_t g = 0; g < groups_.size(); ++g) {
      const int owner = groups_[g].members[0];
      v1::ClientFrame frame;
      frame.mutable_create_group()->set_name(g == 0 ? "hot" : "bp-" + std::to_string(g));
      for (size_t k = 1; k < groups_[g].members.size(); ++k) {
        frame.mutable_create_group()->add_member_ids(users_[groups_[g].members[k]].id);
      }
      const uint64_t req = users_[owner].client->send(frame);
      waiting_[{owner, req}] = [&, g](const v1::ServerFrame& answer) {
        if (answer.has_error()) {
          failure = "create_group: " + answer.error().message();
          return;
        }
        groups_[g].conversation = answer.create_group().conversation().conversation_id();
        ++created;
      };
    }
    while (!failure && created < groups_.size() && Clock::now() < deadline) io_.run_for(50ms);
    if (failure) return failure;
    if (created < groups_.size()) return "timed out creating the groups";
    io_.run_for(1s);  // the GROUP_CREATED events reach every member
    return std::nullopt;
  }

  // ----------------------------------------------------------------------------------------- the load

  void run_load() {
    const int64_t start = now_ns() + 100'000'000;
    baseline_from_ = start + static_cast<int64_t>(s_.warmup_s * 1e9);
    stall_from_ = baseline_from_ + static_cast<int64_t>(s_.baseline_s * 1e9);
    after_from_ = stall_from_ + static_cast<int64_t>(s_.stall_s * 1e9);
    end_ = after_from_ + static_cast<int64_t>(s_.after_s * 1e9);
    const int64_t drain_until = end_ + static_cast<int64_t>(s_.drain_s * 1e9);
    next_message_ns_ = next_flood_ns_ = start;
    ResourceWindow resources(s_.server_pid);
    resources.begin();
    int64_t next_sample = start + 1'000'000'000;
    Phase current = kWarmup;
    uint64_t last_sent = 0, last_delivered = 0;
    arm_ticker();
    while (true) {
      io_.run_for(20ms);
      const int64_t now = now_ns();
      const Phase phase = phase_at(now);
      if (phase != current) {
        enter(phase);
        current = phase;
      }
      if (now >= next_sample && next_sample <= end_) {
        const auto u = resources.interval();
        const Phase sampled = phase_at(next_sample - 1);
        // /metrics on loopback answers in milliseconds; a slow answer shows as client lag, not as a gap.
        const auto m = scrape_metrics(server_, 500ms);
        const double closed = m ? m->value("parley_slow_consumers_closed_total") : -1;
        const double connections = m ? m->value("parley_connections") : -1;
        if ((sampled == kStall || sampled == kAfter) && metrics_[1] && closed >= 0) {
          const double since_stall = std::round((next_sample - stall_from_) / 1e8) / 10;
          const double new_closes = closed - metrics_[1]->value("parley_slow_consumers_closed_total");
          if (new_closes > 0 && first_close_s_ < 0) first_close_s_ = since_stall;
          if (new_closes >= s_.stalled && all_closed_s_ < 0) all_closed_s_ = since_stall;
        }
        stats_[sampled].rss.push_back(u.server_rss_bytes);
        timeline_.push_back(json::object{{"second", timeline_.size() + 1},
                                         {"phase", kPhaseNames[sampled]},
                                         {"sent", sent_total_ - last_sent},
                                         {"delivered", delivered_total_ - last_delivered},
                                         {"server_cpu_percent", std::round(u.server_cpu_percent)},
                                         {"server_rss_mib", mib(u.server_rss_bytes)},
                                         {"slow_consumers_closed", closed},
                                         {"server_connections", connections},
                                         {"bench_cpu_percent", std::round(u.bench_cpu_percent)},
                                         {"other_cpu_percent", std::round(u.other_cpu_percent)}});
        std::cerr << "[backpressure " << kPhaseNames[sampled] << "] sent " << sent_total_ - last_sent
                  << "  delivered " << delivered_total_ - last_delivered << "  slow closed " << closed
                  << "  connections " << connections << "  stalled saw close " << stalled_lost_
                  << "  readers lost " << readers_lost_ << "  | server " << std::lround(u.server_cpu_percent)
                  << "% cpu " << u.server_rss_bytes / 1048576 << " MiB  bench " << std::lround(u.bench_cpu_percent)
                  << "%  other " << std::lround(u.other_cpu_percent) << "%\n";
        last_sent = sent_total_;
        last_delivered = delivered_total_;
        next_sample += 1'000'000'000;
      }
      if (now >= end_ && (pending_.empty() || now >= drain_until)) break;
    }
    ticker_.cancel();
    metrics_[kPhases - 1] = scrape();  // after the drain: closes that happened late in the run
    for (const auto& [id, p] : pending_) undelivered_[p.phase] += p.remaining;
    for (auto& u : users_) {
      if (u.client) u.client->close();
    }
    io_.run_for(500ms);  // the close handshakes
  }

  std::optional<MetricsSnapshot> scrape() { return scrape_metrics(server_, 2000ms); }

  // Phase boundaries: the baseline begins with a /metrics reading, the stall stops the stalled users'
  // reads, the last phase lets them read again to see how their connection ended.
  void enter(Phase phase) {
    if (phase == kBaseline) metrics_[0] = scrape();
    if (phase == kStall) {
      metrics_[1] = scrape();
      for (int i : stalled_) users_[i].client->pause_reading();
    }
    if (phase == kAfter) {
      metrics_[2] = scrape();
      for (int i : stalled_) users_[i].client->resume_reading();
    }
  }

  void arm_ticker() {
    ticker_.expires_after(std::chrono::microseconds(s_.tick_us));
    ticker_.async_wait([this](boost::system::error_code ec) {
      if (ec) return;
      on_tick();
      if (now_ns() < end_) arm_ticker();
    });
  }

  void on_tick() {
    const int64_t now = now_ns();
    const auto interval = static_cast<int64_t>(1e9 / s_.rate);
    while (next_message_ns_ <= now && next_message_ns_ < end_) {
      const int g = 1 + std::uniform_int_distribution<int>(0, static_cast<int>(groups_.size()) - 2)(rng_);
      const auto& members = groups_[g].members;
      int sender = members[std::uniform_int_distribution<size_t>(0, members.size() - 1)(rng_)];
      for (int tries = 0; tries < 8 && (users_[sender].stalled || !users_[sender].ready); ++tries) {
        sender = members[std::uniform_int_distribution<size_t>(0, members.size() - 1)(rng_)];
      }
      if (!users_[sender].stalled && users_[sender].ready) send(sender, g, next_message_ns_, false);
      next_message_ns_ += interval;
    }
    if (s_.flood_rate > 0) {
      const auto flood_interval = static_cast<int64_t>(1e9 / s_.flood_rate);
      while (next_flood_ns_ <= now && next_flood_ns_ < end_) {
        const int sender = hot_readers_[flood_counter_++ % hot_readers_.size()];
        if (users_[sender].ready) send(sender, 0, next_flood_ns_, true);
        next_flood_ns_ += flood_interval;
      }
    }
  }

  void send(int sender, int g, int64_t scheduled, bool flood) {
    const Phase phase = phase_at(scheduled);
    PhaseStats& st = stats_[phase];
    User& u = users_[sender];
    if (u.client->queued_messages() > 1000) {
      ++st.backlog;
      return;
    }
    const uint64_t id = ++message_counter_;
    std::string text = std::to_string(id) + ":" + std::to_string(scheduled) + ":";
    const uint32_t size = flood ? s_.flood_bytes : s_.text_bytes;
    if (text.size() < size) text.append(size - text.size(), 'x');
    v1::ClientFrame frame;
    auto* m = frame.mutable_send_message();
    m->set_conversation_id(groups_[g].conversation);
    m->set_client_msg_id("b" + std::to_string(id));
    m->set_text(std::move(text));
    const uint64_t req = u.client->send(frame);
    u.unacked[req] = {scheduled, phase};
    int expected = 0;
    for (int member : groups_[g].members) {
      const User& r = users_[member];
      if (member != sender && !r.stalled && r.ready) ++expected;
    }
    if (expected > 0) pending_[id] = Pending{scheduled, phase, flood, expected};
    ++(flood ? st.flood_sent : st.sent);
    st.expected += expected;
    ++sent_total_;
  }

  void on_lost(int i) {
    User& u = users_[i];
    u.ready = false;
    u.lost = true;
    u.lost_at = now_ns();
    if (u.stalled) {
      ++stalled_lost_;
      const int code = u.client->close_code();
      const auto error = u.client->close_error();
      std::string how;
      if (code != 0) {
        how = "close frame " + std::to_string(code);
        close_reasons_[code] = u.client->close_reason();
      } else if (error == asio::error::eof || error == asio::error::connection_reset ||
                 error == asio::error::not_connected) {
        // The server closed the socket (its closing handshake timed out): what the kernel held, then the end
        // of the stream (EOF, a reset, or ENOTCONN when Beast shuts the dead socket down).
        how = "cut without a close frame (" + error.message() + ")";
      } else {
        how = "error: " + error.message();
      }
      ++outcomes_[how];
    } else {
      ++readers_lost_;
    }
  }

  void on_frame(int i, const v1::ServerFrame& f) {
    User& u = users_[i];
    if (f.has_event()) {
      if (u.stalled) {
        if (phase_at(now_ns()) == kAfter) ++u.frames_after_resume;
        return;  // stalled users are not measured
      }
      if (!f.event().has_message()) return;
      const v1::Message& m = f.event().message();
      // In order: each seq above the last one seen. (Not +1: a sender is not sent its own messages.) That
      // every expected delivery arrived is counted per phase.
      uint64_t& last = u.last_seq[m.conversation_id()];
      if (m.seq() <= last) ++steps_back_;
      last = std::max(last, m.seq());
      if (m.sender_id() != u.id) on_delivery(m.text());
      return;
    }
    if (auto w = waiting_.find({i, f.req_id()}); w != waiting_.end()) {
      auto handler = std::move(w->second);
      waiting_.erase(w);
      return handler(f);
    }
    auto it = u.unacked.find(f.req_id());
    if (it == u.unacked.end()) return;
    const auto [scheduled, phase] = it->second;
    u.unacked.erase(it);
    PhaseStats& st = stats_[phase];
    if (f.has_error()) {
      ++st.errors[code_name(f.error().code())];
    } else {
      ++st.acked_ok;
      st.ack.record(static_cast<uint64_t>(now_ns() - scheduled));
    }
  }

  void on_delivery(std::string_view text) {
    uint64_t id = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
    auto it = ec == std::errc() ? pending_.find(id) : pending_.end();
    if (it == pending_.end()) {
      ++unexpected_;
      return;
    }
    Pending& p = it->second;
    PhaseStats& st = stats_[p.phase];
    ++st.delivered;
    ++delivered_total_;
    (p.flood ? st.flood : st.background).record(static_cast<uint64_t>(now_ns() - p.scheduled));
    if (--p.remaining == 0) pending_.erase(it);
  }

  static std::string code_name(v1::ErrorCode code) { return v1::ErrorCode_Name(code); }

  // ----------------------------------------------------------------------------------------- results

  double metric_delta(int from, int to, const std::string& key) const {
    if (!metrics_[from] || !metrics_[to]) return -1;
    return metrics_[to]->value(key) - metrics_[from]->value(key);
  }

  static uint64_t max_of(const std::vector<uint64_t>& v, size_t from, size_t to) {
    uint64_t m = 0;
    for (size_t i = from; i < std::min(to, v.size()); ++i) m = std::max(m, v[i]);
    return m;
  }

  int write_results() {
    const std::string slow = "parley_slow_consumers_closed_total";
    const double closed_in_stall = metric_delta(1, 2, slow);
    const double closed_total = metric_delta(0, 3, slow);
    uint64_t after_resume_frames = 0, still_open = 0;
    for (int i : stalled_) {
      after_resume_frames += users_[i].frames_after_resume;
      if (!users_[i].lost) ++still_open;
    }
    const PhaseStats& base = stats_[kBaseline];
    const PhaseStats& stall = stats_[kStall];
    const PhaseStats& after = stats_[kAfter];
    // RSS: the baseline's last second, the stall's maximum, and the stall's last third against its middle
    // third (a plateau shows a ratio near 1; growth with time shows above it).
    const uint64_t rss_before = base.rss.empty() ? 0 : base.rss.back();
    const uint64_t rss_stall_max = max_of(stall.rss, 0, stall.rss.size());
    const size_t third = stall.rss.size() / 3;
    const uint64_t rss_mid = max_of(stall.rss, third, 2 * third);
    const uint64_t rss_last = max_of(stall.rss, 2 * third, stall.rss.size());
    const uint64_t rss_after = after.rss.empty() ? 0 : after.rss.back();

    std::vector<std::string> warnings;
    if (readers_lost_) warnings.push_back(std::to_string(readers_lost_) + " reading clients lost their connection");
    if (steps_back_) warnings.push_back(std::to_string(steps_back_) + " steps back (or repeats) in a reading client's seqs");
    if (closed_total >= 0 && closed_total != static_cast<double>(s_.stalled)) {
      warnings.push_back("the server closed " + std::to_string(std::lround(closed_total)) + " slow consumers, not " +
                         std::to_string(s_.stalled));
    }
    for (Phase p : {kBaseline, kStall, kAfter}) {
      if (stats_[p].expected != stats_[p].delivered) {
        warnings.push_back(std::string(kPhaseNames[p]) + ": " + std::to_string(stats_[p].delivered) + " of " +
                           std::to_string(stats_[p].expected) + " expected deliveries arrived");
      }
    }

    json::array phases;
    for (Phase p : {kBaseline, kStall, kAfter}) {
      const PhaseStats& st = stats_[p];
      json::object errors;
      for (const auto& [code, count] : st.errors) errors[code] = count;
      phases.push_back(json::object{
          {"phase", kPhaseNames[p]},
          {"sent", st.sent},
          {"flood_sent", st.flood_sent},
          {"client_backlog", st.backlog},
          {"acked_ok", st.acked_ok},
          {"errors", std::move(errors)},
          {"expected_deliveries", st.expected},
          {"delivered", st.delivered},
          {"undelivered", undelivered_[p]},
          {"latency",
           {{"send_to_delivery", latency_json(st.background)},
            {"hot_group_send_to_delivery", latency_json(st.flood)},
            {"send_to_ack", latency_json(st.ack)}}},
          {"server_rss_max_mib", mib(max_of(st.rss, 0, st.rss.size()))}});
    }
    json::object outcomes, reasons;
    for (const auto& [how, count] : outcomes_) outcomes[how] = count;
    for (const auto& [code, reason] : close_reasons_) reasons[std::to_string(code)] = reason;
    const double p99_ratio = ratio(stall.background.percentile(0.99), base.background.percentile(0.99));
    const double p50_ratio = ratio(stall.background.percentile(0.5), base.background.percentile(0.5));
    const double hot_p99_ratio = ratio(stall.flood.percentile(0.99), base.flood.percentile(0.99));
    const double after_p99_ratio = ratio(after.background.percentile(0.99), base.background.percentile(0.99));

    std::ostringstream md;
    md.setf(std::ios::fixed);
    md.precision(2);
    md << "# Backpressure: " << users_.size() << " clients, " << s_.stalled << " stop reading\n\n"
       << "Groups of ~" << s_.group_size << " (" << groups_.size() - 1 << "), " << s_.rate << " messages/s of "
       << s_.text_bytes << " B; hot group of " << s_.stalled << " stalling + " << s_.hot_readers
       << " reading members receiving " << s_.flood_rate << " messages/s of " << s_.flood_bytes << " B. Phases: "
       << s_.baseline_s << " s baseline, " << s_.stall_s << " s with the " << s_.stalled << " not reading, "
       << s_.after_s << " s after (they read again). Set-up " << std::setprecision(0) << setup_seconds_ << " s.\n\n"
       << std::setprecision(2)
       << "| phase | msgs sent (+hot) | deliveries expected / arrived | send→deliver p50 / p99 / max ms | "
          "hot group p99 ms | ack p99 ms | errors | server RSS max MiB |\n|---|---|---|---|---|---|---|---|\n";
    for (Phase p : {kBaseline, kStall, kAfter}) {
      const PhaseStats& st = stats_[p];
      uint64_t errors = 0;
      for (const auto& [code, count] : st.errors) errors += count;
      md << "| " << kPhaseNames[p] << " | " << st.sent << " (+" << st.flood_sent << ") | " << st.expected << " / "
         << st.delivered << " | " << ms(st.background.percentile(0.5)) << " / " << ms(st.background.percentile(0.99))
         << " / " << ms(st.background.max()) << " | " << ms(st.flood.percentile(0.99)) << " | "
         << ms(st.ack.percentile(0.99)) << " | " << errors << " | " << mib(max_of(st.rss, 0, st.rss.size())) << " |\n";
    }
    md << "\n- **Latency of the reading clients**: p99 with stalled readers / without = **" << p99_ratio
       << "** (p50: " << p50_ratio << "; hot group's readers, who share every frame with the stalled: "
       << hot_p99_ratio << "; after: " << after_p99_ratio << ").\n"
       << "- **Server RSS**: " << mib(rss_before) << " MiB at the end of the baseline, at most " << mib(rss_stall_max)
       << " MiB during the stall (×" << ratio(rss_stall_max, rss_before) << "), last third of the stall against its "
       << "middle third ×" << ratio(rss_last, rss_mid) << " (1 = plateau), " << mib(rss_after) << " MiB at the end.\n"
       << "- **Slow consumers closed** (`parley_slow_consumers_closed_total`): " << closed_in_stall
       << " during the stall, " << closed_total << " in the whole run, of " << s_.stalled << " stalled; the first "
       << "by " << first_close_s_ << " s into the stall, all by " << all_closed_s_ << " s (-1: not seen).\n"
       << "- **What the stalled clients saw** when they read again: ";
    for (const auto& [how, count] : outcomes_) md << how << ": " << count << "; ";
    md << "still open: " << still_open << "; " << after_resume_frames << " frames read after resuming.";
    for (const auto& [code, reason] : close_reasons_) md << " Close " << code << " reason \"" << reason << "\".";
    md << "\n- Reading clients lost: " << readers_lost_ << "; seq steps back: " << steps_back_ << ".\n";
    for (const auto& w : warnings) md << "\n**Warning:** " << w << ".\n";

    json::array warning_list;
    for (const auto& w : warnings) warning_list.push_back(json::string(w));
    json::object doc{
        {"scenario", "backpressure"},
        {"started_at", utc_now_iso8601()},
        {"setup_seconds", std::round(setup_seconds_ * 10) / 10},
        {"config",
         {{"users", users_.size()}, {"groups", groups_.size() - 1}, {"group_size", s_.group_size},
          {"rate", s_.rate}, {"text_bytes", s_.text_bytes}, {"stalled", s_.stalled}, {"hot_readers", s_.hot_readers},
          {"flood_rate", s_.flood_rate}, {"flood_bytes", s_.flood_bytes}, {"warmup_s", s_.warmup_s},
          {"baseline_s", s_.baseline_s}, {"stall_s", s_.stall_s}, {"after_s", s_.after_s},
          {"source_addresses", s_.source_addresses}, {"cpus", std::thread::hardware_concurrency()}}},
        {"phases", std::move(phases)},
        {"ratios",
         {{"p99_stall_over_baseline", p99_ratio}, {"p50_stall_over_baseline", p50_ratio},
          {"hot_group_p99_stall_over_baseline", hot_p99_ratio}, {"p99_after_over_baseline", after_p99_ratio},
          {"rss_stall_max_over_baseline", ratio(rss_stall_max, rss_before)},
          {"rss_stall_last_third_over_middle_third", ratio(rss_last, rss_mid)}}},
        {"server_rss_mib",
         {{"baseline_end", mib(rss_before)}, {"stall_max", mib(rss_stall_max)}, {"after_end", mib(rss_after)}}},
        {"slow_consumers",
         {{"closed_during_stall", closed_in_stall}, {"closed_in_run", closed_total},
          {"first_closed_s_into_stall", first_close_s_}, {"all_closed_s_into_stall", all_closed_s_},
          {"client_outcomes", std::move(outcomes)}, {"close_reasons", std::move(reasons)},
          {"still_open", still_open}, {"frames_read_after_resume", after_resume_frames}}},
        {"readers_lost", readers_lost_},
        {"seq_steps_back", steps_back_},
        {"unexpected_deliveries", unexpected_},
        {"warnings", std::move(warning_list)},
        {"timeline", std::move(timeline_)},
        {"summary_markdown", md.str()}};
    std::ofstream out(s_.output + ".json");
    out << pretty_json(doc);
    std::ofstream out_md(s_.output + ".md");
    out_md << md.str();
    if (!out || !out_md) {
      std::cerr << "parley-bench backpressure: cannot write " << s_.output << ".{json,md}\n";
      return 1;
    }
    std::cerr << md.str() << "parley-bench backpressure: wrote " << s_.output << ".json and .md\n";
    return warnings.empty() ? 0 : 3;
  }

  struct PairHash {
    size_t operator()(const std::pair<int, uint64_t>& p) const {
      return std::hash<uint64_t>()(p.second * 1000003u + p.first);
    }
  };

  Settings s_;
  asio::io_context io_;
  asio::ip::tcp::endpoint server_;
  asio::steady_timer ticker_;
  std::mt19937 rng_;
  std::vector<User> users_;
  std::vector<Group> groups_;
  std::vector<int> stalled_, hot_readers_;
  std::unordered_map<std::pair<int, uint64_t>, std::function<void(const v1::ServerFrame&)>, PairHash> waiting_;
  std::unordered_map<uint64_t, Pending> pending_;  // bounded by the run's messages
  uint64_t message_counter_ = 0, flood_counter_ = 0, sent_total_ = 0, delivered_total_ = 0;
  uint64_t stalled_lost_ = 0, readers_lost_ = 0, steps_back_ = 0, unexpected_ = 0;
  std::array<uint64_t, kPhases> undelivered_{};
  int64_t baseline_from_ = 0, stall_from_ = 0, after_from_ = 0, end_ = 0;
  int64_t next_message_ns_ = 0, next_flood_ns_ = 0;
  double setup_seconds_ = 0;
  double first_close_s_ = -1, all_closed_s_ = -1;  // seconds into the stall (per-second /metrics readings)
  std::array<PhaseStats, kPhases> stats_;
  std::array<std::optional<MetricsSnapshot>, kPhases> metrics_;  // at baseline, stall, after, end
  std::map<std::string, uint64_t> outcomes_;
  std::map<int, std::string> close_reasons_;
  json::array timeline_;
};

}  // namespace

int run_backpressure_command(int argc, char** argv) {
  Settings s;
  CLI::App app{"parley-bench backpressure: N clients under steady group traffic, S of them stop reading"};
  app.add_option("--host", s.host, "server address; loopback only")->capture_default_str();
  app.add_option("--port", s.port, "server port");
  app.add_option("--port-file", s.port_file, "read the port from this file");
  app.add_option("--server-pid", s.server_pid, "the server's pid, to sample its CPU and RSS");
  app.add_option("--tokens-file", s.tokens_file, "'<user id> <token>' lines: the users (bench/admin-tokens)")
      ->required();
  app.add_option("--group-size", s.group_size, "members per group")->capture_default_str();
  app.add_option("--rate", s.rate, "small group messages/s, all groups together")->capture_default_str();
  app.add_option("--text-bytes", s.text_bytes, "text length of those")->capture_default_str();
  app.add_option("--stalled", s.stalled, "users that stop reading during the stall phase")->capture_default_str();
  app.add_option("--hot-readers", s.hot_readers, "reading members of the hot group")->capture_default_str();
  app.add_option("--flood-rate", s.flood_rate, "large messages/s into the hot group")->capture_default_str();
  app.add_option("--flood-bytes", s.flood_bytes, "text length of those")->capture_default_str();
  app.add_option("--warmup", s.warmup_s, "seconds of load before the baseline")->capture_default_str();
  app.add_option("--baseline", s.baseline_s, "seconds with everybody reading")->capture_default_str();
  app.add_option("--stall", s.stall_s, "seconds with the stalled users not reading")->capture_default_str();
  app.add_option("--after", s.after_s, "seconds after they read again")->capture_default_str();
  app.add_option("--drain", s.drain_s, "at most this many seconds for stragglers")->capture_default_str();
  app.add_option("--source-addresses", s.source_addresses, "connect from 127.0.0.1 .. 127.0.0.N")
      ->capture_default_str();
  app.add_option("--tick-us", s.tick_us, "schedule granularity")->capture_default_str();
  app.add_option("--setup-concurrency", s.setup_concurrency, "connections authenticating at once")
      ->capture_default_str();
  app.add_option("--setup-timeout", s.setup_timeout_s, "seconds")->capture_default_str();
  app.add_option("--seed", s.seed, "random seed (who sends when)")->capture_default_str();
  app.add_option("--output", s.output, "results path prefix (writes <prefix>.json and <prefix>.md)")->required();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return Backpressure(std::move(s)).run();
}

}  // namespace parley::bench
