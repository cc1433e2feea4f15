// The mixed scenario: set-up (connect and authenticate every user, create the groups, subscribe presence),
// then one open-loop schedule of messages, typing, presence changes and reconnects; results as JSON with a
// Markdown summary inside.
#include "mixed_scenario.h"

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <deque>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <memory>
#include <random>
#include <sstream>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "bench_user.h"
#include "latency_histogram.h"
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
  std::string tokens_file;       // "<user id> <token>" per line: the users
  double rate = 500;             // messages/s, all kinds together
  double duration_s = 60, warmup_s = 5, drain_s = 3;
  int group_size = 50;
  double direct_share = 0.7;     // the rest goes to groups
  double typing_share = 0.5;     // messages preceded by a `typing` request
  int contacts = 3;              // presence subscriptions (and direct partners) per user
  double presence_period_s = 30; // each user flips AWAY/ONLINE about this often
  double reconnect_per_min = 0.1;  // share of the clients reconnecting per minute
  int source_addresses = 4;
  uint32_t text_bytes = 100;
  uint32_t tick_us = 1000;
  int setup_concurrency = 64;
  int setup_timeout_s = 300;
  uint32_t seed = 7;
  std::string output;
};

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}
double ms(uint64_t ns) { return std::round(static_cast<double>(ns) / 1e3) / 1e3; }
json::object latency_json(const LatencyHistogram& h) {
  return {{"count", h.count()},      {"p50_ms", ms(h.percentile(0.5))}, {"p99_ms", ms(h.percentile(0.99))},
          {"p999_ms", ms(h.percentile(0.999))}, {"max_ms", ms(h.max())}};
}

enum class Kind { kDirect, kGroup };

struct PendingMessage {
  int64_t scheduled = 0;
  Kind kind = Kind::kDirect;
  int remaining = 0;
  bool measured = false;
};

struct Counters {
  uint64_t offered = 0, sent = 0, direct = 0, group = 0, skipped_offline = 0, backlog = 0;
  uint64_t acked_ok = 0, expected_deliveries = 0, delivered = 0, deliveries_in_window = 0, unexpected = 0;
  uint64_t typing_sent = 0, typing_events = 0, presence_set = 0, presence_events = 0, presence_subscribed = 0;
  uint64_t reconnects = 0, reconnect_failures = 0, lost = 0;
  std::map<std::string, uint64_t> errors;
  LatencyHistogram ack, direct_delivery, group_delivery, group_last, all_delivery, reconnect;
};

class Mixed {
 public:
  explicit Mixed(Settings s) : s_(std::move(s)), ticker_(io_), rng_(s_.seed) {}

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
    if (port == 0 || users_.size() < 4 || s_.rate <= 0 || s_.group_size < 2) {
      return fail_usage("give --port/--port-file, a --tokens-file of at least 4 users, a positive --rate");
    }
    server_ = {address, port};
    build_topology();

    std::cerr << "parley-bench mixed: " << users_.size() << " users, " << groups_.size() << " groups of ~"
              << s_.group_size << ", setting up...\n";
    const auto setup_start = Clock::now();
    if (auto error = set_up()) {
      std::cerr << "parley-bench mixed: set-up failed: " << *error << "\n";
      return 1;
    }
    setup_seconds_ = std::chrono::duration<double>(Clock::now() - setup_start).count();
    std::cerr << "parley-bench mixed: set-up took " << setup_seconds_ << " s\n";
    run_load();
    return write_results();
  }

 private:
  struct User {
    std::string id, token;
    int group = -1;
    std::vector<int> contacts;
    std::unique_ptr<BenchUser> client;
    bool ready = false, away = false, reconnecting = false;
    int64_t reconnect_started = 0;
    std::unordered_map<uint64_t, int64_t> unacked;  // send_message req_id -> scheduled ns
  };
  struct Group {
    std::vector<int> members;
    std::string conversation;
  };

  static int fail_usage(const std::string& why) {
    std::cerr << "parley-bench mixed: " << why << "\n";
    return 2;
  }

  // Groups of group_size consecutive users; contacts: the next `contacts` members of the user's own group.
  void build_topology() {
    const int n = static_cast<int>(users_.size());
    const int group_count = std::max(1, n / s_.group_size);
    groups_.resize(group_count);
    for (int i = 0; i < n; ++i) {
      users_[i].group = std::min(i / s_.group_size, group_count - 1);
      groups_[users_[i].group].members.push_back(i);
    }
    for (auto& g : groups_) {
      const int m = static_cast<int>(g.members.size());
      for (int k = 0; k < m; ++k) {
        for (int c = 1; c <= std::min(s_.contacts, m - 1); ++c) users_[g.members[k]].contacts.push_back(g.members[(k + c) % m]);
      }
    }
  }

  std::optional<boost::asio::ip::address> source_for(int i) const {
    if (s_.source_addresses <= 1) return std::nullopt;
    return asio::ip::address_v4(0x7f000001u + static_cast<uint32_t>(i % s_.source_addresses));
  }

  // Connects and authenticates user i on a new connection; then subscribes to its contacts' presence.
  // `done(error)` after the subscription's answer.
  void connect(int i, std::function<void(std::optional<std::string>)> done) {
    User& u = users_[i];
    if (u.client) retired_.push_back(std::move(u.client));  // its callbacks may still run; bounded by the reconnects
    u.client = std::make_unique<BenchUser>(io_, server_, u.id, "unused");
    u.client->use_token(u.token);
    if (auto source = source_for(i)) u.client->use_source(*source);
    u.unacked.clear();
    u.away = false;
    BenchUser* client = u.client.get();
    // A retired connection's late frames and close are not the user's current connection's business.
    client->on_frame([this, i, client](v1::ServerFrame& f) {
      if (users_[i].client.get() == client) on_frame(i, f);
    });
    client->on_lost([this, i, client] {
      if (users_[i].client.get() != client) return;
      users_[i].ready = false;
      ++c_.lost;
    });
    client->set_up([this, i, client, done = std::move(done)](std::optional<std::string> error) mutable {
      if (error) return done(error);
      User& u = users_[i];
      v1::ClientFrame frame;
      for (int c : u.contacts) frame.mutable_subscribe_presence()->add_user_ids(users_[c].id);
      const uint64_t req = client->send(frame);
      waiting_[{i, req}] = [this, i, done = std::move(done)](const v1::ServerFrame& answer) {
        if (answer.has_error()) return done("subscribe_presence: " + answer.error().message());
        c_.presence_subscribed += answer.subscribe_presence().presences_size();
        users_[i].ready = true;
        done(std::nullopt);
      };
    });
  }

  std::optional<std::string> set_up() {
    const auto deadline = Clock::now() + std::chrono::seconds(s_.setup_timeout_s);
    auto failure = run_bounded(io_, users_.size(), static_cast<size_t>(s_.setup_concurrency), deadline,
                               [this](size_t i, StepDone done) { connect(static_cast<int>(i), std::move(done)); });
    if (failure) return "connecting the users: " + *failure;
    // Groups: the first member creates each with the others.
    size_t created = 0;
    for (size_t g = 0; g < groups_.size(); ++g) {
      const int owner = groups_[g].members[0];
      v1::ClientFrame frame;
      frame.mutable_create_group()->set_name("mixed-" + std::to_string(g));
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
    // Presence subscriptions were answered before the groups existed: co-members were not visible then.
    // Subscribe again now that they share a group.
    size_t answered = 0;
    c_.presence_subscribed = 0;
    for (size_t i = 0; i < users_.size(); ++i) {
      v1::ClientFrame frame;
      for (int c : users_[i].contacts) frame.mutable_subscribe_presence()->add_user_ids(users_[c].id);
      const uint64_t req = users_[i].client->send(frame);
      waiting_[{static_cast<int>(i), req}] = [&](const v1::ServerFrame& answer) {
        if (!answer.has_error()) c_.presence_subscribed += answer.subscribe_presence().presences_size();
        ++answered;
      };
    }
    while (answered < users_.size() && Clock::now() < deadline) io_.run_for(50ms);
    io_.run_for(500ms);  // group-creation events and presence answers settle
    const uint64_t subscribed = c_.presence_subscribed;
    c_ = Counters{};
    c_.presence_subscribed = subscribed;
    return std::nullopt;
  }

  // ----------------------------------------------------------------------------------------- the load

  void run_load() {
    start_ns_ = now_ns() + 100'000'000;
    measure_from_ns_ = start_ns_ + static_cast<int64_t>(s_.warmup_s * 1e9);
    measure_until_ns_ = measure_from_ns_ + static_cast<int64_t>(s_.duration_s * 1e9);
    const int64_t drain_until = measure_until_ns_ + static_cast<int64_t>(s_.drain_s * 1e9);
    next_message_ns_ = next_presence_ns_ = next_reconnect_ns_ = start_ns_;
    const double n = static_cast<double>(users_.size());
    presence_interval_ns_ = static_cast<int64_t>(1e9 * s_.presence_period_s / n);
    reconnect_interval_ns_ = s_.reconnect_per_min > 0 ? static_cast<int64_t>(60e9 / (s_.reconnect_per_min * n)) : 0;
    ResourceWindow resources(s_.server_pid);
    bool began = false;
    int64_t next_sample = measure_from_ns_;
    Counters last;
    arm_ticker();
    while (true) {
      io_.run_for(20ms);
      const int64_t now = now_ns();
      if (!began && now >= measure_from_ns_) {
        resources.begin();
        began = true;
        next_sample = measure_from_ns_ + 1'000'000'000;
      } else if (began && now >= next_sample && next_sample <= measure_until_ns_) {
        const auto u = resources.interval();
        timeline_.push_back(json::object{
            {"second", timeline_.size() + 1},
            {"sent", c_.sent - last.sent},
            {"delivered", c_.delivered - last.delivered},
            {"server_cpu_percent", std::round(u.server_cpu_percent)},
            {"server_rss_mib", std::round(u.server_rss_bytes / 1048576.0 * 10) / 10},
            {"bench_cpu_percent", std::round(u.bench_cpu_percent)},
            {"other_cpu_percent", std::round(u.other_cpu_percent)}});
        std::cerr << "[mixed " << s_.rate << "/s] sent " << c_.sent - last.sent << "  delivered "
                  << c_.delivered - last.delivered << "  typing " << c_.typing_sent - last.typing_sent
                  << "  reconnects " << c_.reconnects << "  errors " << error_count() << "  | server "
                  << std::lround(u.server_cpu_percent) << "% cpu " << u.server_rss_bytes / 1048576 << " MiB  bench "
                  << std::lround(u.bench_cpu_percent) << "%  other " << std::lround(u.other_cpu_percent) << "%\n";
        last = c_;
        next_sample += 1'000'000'000;
        if (next_sample > measure_until_ns_) usage_ = resources.total();
      }
      if (now >= measure_until_ns_ && (pending_.empty() || now >= drain_until)) break;
    }
    if (!usage_) usage_ = began ? resources.total() : ResourceUsage{};
    ticker_.cancel();
    for (const auto& [id, p] : pending_) {
      if (p.measured) undelivered_ += p.remaining;
    }
    for (auto& u : users_) {
      if (u.client) u.client->close();
    }
    io_.run_for(300ms);  // the close handshakes
  }

  uint64_t error_count() const {
    uint64_t n = 0;
    for (const auto& [code, count] : c_.errors) n += count;
    return n;
  }

  void arm_ticker() {
    ticker_.expires_after(std::chrono::microseconds(s_.tick_us));
    ticker_.async_wait([this](boost::system::error_code ec) {
      if (ec) return;
      on_tick();
      if (now_ns() < measure_until_ns_) arm_ticker();
    });
  }

  bool in_window(int64_t t) const { return t >= measure_from_ns_ && t < measure_until_ns_; }

  int random_user() { return std::uniform_int_distribution<int>(0, static_cast<int>(users_.size()) - 1)(rng_); }

  void on_tick() {
    const int64_t now = now_ns();
    const int64_t message_interval = static_cast<int64_t>(1e9 / s_.rate);
    while (next_message_ns_ <= now && next_message_ns_ < measure_until_ns_) {
      send_message(next_message_ns_, now);
      next_message_ns_ += message_interval;
    }
    while (next_presence_ns_ <= now && next_presence_ns_ < measure_until_ns_) {
      flip_presence();
      next_presence_ns_ += presence_interval_ns_;
    }
    while (reconnect_interval_ns_ > 0 && next_reconnect_ns_ <= now && next_reconnect_ns_ < measure_until_ns_) {
      reconnect_one(now);
      next_reconnect_ns_ += reconnect_interval_ns_;
    }
  }

  void send_message(int64_t scheduled, int64_t now) {
    const bool measured = in_window(scheduled);
    if (measured) ++c_.offered;
    const bool direct = std::uniform_real_distribution<double>(0, 1)(rng_) < s_.direct_share;
    int sender = random_user();
    for (int tries = 0; tries < 8 && !users_[sender].ready; ++tries) sender = random_user();
    User& u = users_[sender];
    if (!u.ready) {
      if (measured) ++c_.skipped_offline;
      return;
    }
    if (u.client->queued_messages() > 1000) {
      if (measured) ++c_.backlog;
      return;
    }
    std::string conversation;
    int expected = 0;
    if (direct && !u.contacts.empty()) {
      const int to = u.contacts[std::uniform_int_distribution<size_t>(0, u.contacts.size() - 1)(rng_)];
      const auto& [low, high] = std::minmax(u.id, users_[to].id);
      conversation = "d:" + low + ":" + high;
      expected = users_[to].ready ? 1 : 0;
    } else {
      const Group& g = groups_[u.group];
      conversation = g.conversation;
      for (int m : g.members) expected += (m != sender && users_[m].ready) ? 1 : 0;
    }
    const Kind kind = direct && !u.contacts.empty() ? Kind::kDirect : Kind::kGroup;
    // Typing in a direct conversation needs it to exist (PERMISSION_DENIED before its first message).
    const bool can_type = kind == Kind::kGroup || started_directs_.contains(conversation);
    if (std::uniform_real_distribution<double>(0, 1)(rng_) < s_.typing_share && can_type) {
      v1::ClientFrame typing;
      typing.mutable_typing()->set_conversation_id(conversation);
      typing.mutable_typing()->set_typing(true);
      u.client->send(typing);
      ++c_.typing_sent;
    }
    const uint64_t id = ++message_counter_;
    std::string text = std::to_string(id) + ":" + std::to_string(scheduled) + ":";
    if (text.size() < s_.text_bytes) text.append(s_.text_bytes - text.size(), 'x');
    v1::ClientFrame frame;
    auto* m = frame.mutable_send_message();
    m->set_conversation_id(conversation);
    m->set_client_msg_id("m" + std::to_string(id));
    m->set_text(std::move(text));
    const uint64_t req = u.client->send(frame);
    u.unacked[req] = scheduled;
    if (kind == Kind::kDirect) started_directs_.insert(conversation);
    if (expected > 0) pending_[id] = PendingMessage{scheduled, kind, expected, measured};
    if (measured) {
      ++c_.sent;
      ++(kind == Kind::kDirect ? c_.direct : c_.group);
      c_.expected_deliveries += expected;
    }
    (void)now;
  }

  void flip_presence() {
    const int i = random_user();
    User& u = users_[i];
    if (!u.ready) return;
    u.away = !u.away;
    v1::ClientFrame frame;
    frame.mutable_set_presence()->set_state(u.away ? v1::AWAY : v1::ONLINE);
    u.client->send(frame);
    ++c_.presence_set;
  }

  void reconnect_one(int64_t now) {
    int i = random_user();
    for (int tries = 0; tries < 8 && !users_[i].ready; ++tries) i = random_user();
    if (!users_[i].ready) return;
    users_[i].ready = false;
    users_[i].client->close();
    const int64_t started = now;
    connect(i, [this, started](std::optional<std::string> error) {
      if (error) {
        ++c_.reconnect_failures;
        return;
      }
      ++c_.reconnects;
      c_.reconnect.record(static_cast<uint64_t>(now_ns() - started));
    });
  }

  void on_frame(int i, const v1::ServerFrame& f) {
    if (f.has_event()) {
      const auto& e = f.event();
      if (e.has_typing()) ++c_.typing_events;
      else if (e.has_presence()) ++c_.presence_events;
      else if (e.has_message() && e.message().sender_id() != users_[i].id) on_delivery(e.message().text());
      return;
    }
    if (auto w = waiting_.find({i, f.req_id()}); w != waiting_.end()) {
      auto handler = std::move(w->second);
      waiting_.erase(w);
      return handler(f);
    }
    if (f.has_error()) ++c_.errors[code_name(f.error().code())];
    User& u = users_[i];
    auto it = u.unacked.find(f.req_id());
    if (it == u.unacked.end()) return;
    const int64_t scheduled = it->second;
    u.unacked.erase(it);
    if (!f.has_error() && in_window(scheduled)) {
      ++c_.acked_ok;
      c_.ack.record(static_cast<uint64_t>(now_ns() - scheduled));
    }
  }

  void on_delivery(std::string_view text) {
    const int64_t now = now_ns();
    uint64_t id = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
    auto it = ec == std::errc() ? pending_.find(id) : pending_.end();
    if (it == pending_.end()) {
      ++c_.unexpected;  // a late or duplicate delivery, or a recipient we did not count (it reconnected meanwhile)
      return;
    }
    PendingMessage& p = it->second;
    const auto latency = static_cast<uint64_t>(now - p.scheduled);
    if (in_window(now)) ++c_.deliveries_in_window;
    if (p.measured) {
      ++c_.delivered;
      c_.all_delivery.record(latency);
      (p.kind == Kind::kDirect ? c_.direct_delivery : c_.group_delivery).record(latency);
    }
    if (--p.remaining == 0) {
      if (p.measured && p.kind == Kind::kGroup) c_.group_last.record(latency);
      pending_.erase(it);
    }
  }

  // ----------------------------------------------------------------------------------------- results

  int write_results() {
    const double seconds = s_.duration_s;
    const ResourceUsage u = usage_ ? *usage_ : ResourceUsage{};
    json::object errors;
    for (const auto& [code, n] : c_.errors) errors[code] = n;
    const double p99 = c_.all_delivery.percentile(0.99) / 1e6;
    const double delivered_ratio = c_.expected_deliveries ? static_cast<double>(c_.delivered) / c_.expected_deliveries : 0;
    std::vector<std::string> warnings;
    if (c_.offered == 0 || c_.sent < 0.95 * c_.offered) warnings.push_back("sent fewer than 95 % of the offered messages");
    if (delivered_ratio < 0.99) warnings.push_back("fewer than 99 % of the expected deliveries arrived");
    if (c_.reconnect_failures) warnings.push_back(std::to_string(c_.reconnect_failures) + " reconnects failed");
    if (!c_.errors.empty()) warnings.push_back("the server answered some requests with errors (see counts.errors)");
    json::array warning_list;
    for (const auto& w : warnings) warning_list.push_back(json::string(w));

    std::ostringstream md;
    md.setf(std::ios::fixed);
    md.precision(1);
    md << "| users (connections) | groups × members | offered msg/s | direct / group msgs | deliveries/s | "
          "send→deliver p50 / p99 / p99.9 ms | direct p99 | group p99 | group last recipient p99 | ack p99 | "
          "server CPU % | server RSS MiB | bench CPU % | other CPU % |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n";
    md << "| " << users_.size() << " | " << groups_.size() << " × ~" << s_.group_size << " | "
       << std::lround(c_.offered / seconds) << " | " << c_.direct << " / " << c_.group << " | "
       << std::lround(c_.deliveries_in_window / seconds) << " | " << ms(c_.all_delivery.percentile(0.5)) << " / "
       << ms(c_.all_delivery.percentile(0.99)) << " / " << ms(c_.all_delivery.percentile(0.999)) << " | "
       << ms(c_.direct_delivery.percentile(0.99)) << " | " << ms(c_.group_delivery.percentile(0.99)) << " | "
       << ms(c_.group_last.percentile(0.99)) << " | " << ms(c_.ack.percentile(0.99)) << " | "
       << std::lround(u.server_cpu_percent) << " | " << std::round(u.server_rss_bytes / 1048576.0) << " | "
       << std::lround(u.bench_cpu_percent) << " | " << std::lround(u.other_cpu_percent) << " |\n\n";
    md << "Besides the messages, in " << s_.duration_s << " s: " << c_.typing_sent << " `typing` requests ("
       << c_.typing_events << " typing events delivered), " << c_.presence_set << " `set_presence` AWAY/ONLINE changes ("
       << c_.presence_events << " presence events; " << c_.presence_subscribed << " presence subscriptions visible at "
       << "set-up), " << c_.reconnects << " reconnects (" << s_.reconnect_per_min * 100
       << " % of the clients per minute; connect + authenticate + subscribe_presence p50 / p99 "
       << ms(c_.reconnect.percentile(0.5)) << " / " << ms(c_.reconnect.percentile(0.99)) << " ms). Deliveries: "
       << c_.delivered << " of " << c_.expected_deliveries << " expected (" << std::setprecision(2)
       << delivered_ratio * 100 << " %; recipients offline at send time are not expected).\n";
    for (const auto& w : warnings) md << "\n**Warning:** " << w << ".\n";

    json::object doc{
        {"scenario", "mixed"},
        {"started_at", utc_now_iso8601()},
        {"setup_seconds", std::round(setup_seconds_ * 10) / 10},
        {"config",
         {{"users", users_.size()}, {"groups", groups_.size()}, {"group_size", s_.group_size}, {"rate", s_.rate},
          {"duration_s", s_.duration_s}, {"warmup_s", s_.warmup_s}, {"direct_share", s_.direct_share},
          {"typing_share", s_.typing_share}, {"contacts", s_.contacts}, {"presence_period_s", s_.presence_period_s},
          {"reconnect_per_min", s_.reconnect_per_min}, {"text_bytes", s_.text_bytes},
          {"source_addresses", s_.source_addresses}, {"cpus", std::thread::hardware_concurrency()}}},
        {"offered_per_s", std::round(c_.offered / seconds)},
        {"delivered_per_s", std::round(c_.deliveries_in_window / seconds)},
        {"counts",
         {{"offered", c_.offered}, {"sent", c_.sent}, {"direct", c_.direct}, {"group", c_.group},
          {"skipped_sender_offline", c_.skipped_offline}, {"client_backlog", c_.backlog}, {"acked_ok", c_.acked_ok},
          {"expected_deliveries", c_.expected_deliveries}, {"delivered", c_.delivered}, {"undelivered", undelivered_},
          {"unexpected", c_.unexpected}, {"typing_sent", c_.typing_sent}, {"typing_events", c_.typing_events},
          {"presence_set", c_.presence_set}, {"presence_events", c_.presence_events},
          {"presence_subscribed", c_.presence_subscribed}, {"reconnects", c_.reconnects},
          {"reconnect_failures", c_.reconnect_failures}, {"connections_lost", c_.lost}, {"errors", std::move(errors)}}},
        {"latency",
         {{"send_to_delivery", latency_json(c_.all_delivery)}, {"direct_send_to_delivery", latency_json(c_.direct_delivery)},
          {"group_send_to_delivery", latency_json(c_.group_delivery)},
          {"group_send_to_last_recipient", latency_json(c_.group_last)}, {"send_to_ack", latency_json(c_.ack)},
          {"reconnect", latency_json(c_.reconnect)}}},
        {"resources",
         {{"server_sampled", u.server_sampled}, {"server_cpu_percent", std::round(u.server_cpu_percent)},
          {"server_busiest_thread_cpu_percent", std::round(u.server_busiest_thread_cpu_percent)},
          {"server_rss_mib", std::round(u.server_rss_bytes / 1048576.0 * 10) / 10},
          {"server_rss_max_mib", std::round(u.server_rss_max_bytes / 1048576.0 * 10) / 10},
          {"bench_cpu_percent", std::round(u.bench_cpu_percent)}, {"other_cpu_percent", std::round(u.other_cpu_percent)}}},
        {"p99_ms", p99},
        {"warnings", std::move(warning_list)},
        {"timeline", std::move(timeline_)},
        {"summary_markdown", md.str()}};
    const std::string path = s_.output + ".json";
    std::ofstream out(path);
    out << pretty_json(doc);
    if (!out) {
      std::cerr << "parley-bench mixed: cannot write " << path << "\n";
      return 1;
    }
    std::cerr << md.str() << "parley-bench mixed: wrote " << path << "\n";
    return warnings.empty() ? 0 : 3;
  }

  struct PairHash {
    size_t operator()(const std::pair<int, uint64_t>& p) const { return std::hash<uint64_t>()(p.second * 1000003u + p.first); }
  };

  Settings s_;
  asio::io_context io_;
  asio::ip::tcp::endpoint server_;
  asio::steady_timer ticker_;
  std::mt19937 rng_;
  std::vector<User> users_;
  std::vector<Group> groups_;
  std::vector<std::unique_ptr<BenchUser>> retired_;
  std::unordered_map<std::pair<int, uint64_t>, std::function<void(const v1::ServerFrame&)>, PairHash> waiting_;
  std::unordered_map<uint64_t, PendingMessage> pending_;
  std::unordered_set<std::string> started_directs_;  // at most users x contacts
  uint64_t message_counter_ = 0, undelivered_ = 0;
  int64_t start_ns_ = 0, measure_from_ns_ = 0, measure_until_ns_ = 0;
  int64_t next_message_ns_ = 0, next_presence_ns_ = 0, next_reconnect_ns_ = 0;
  int64_t presence_interval_ns_ = 0, reconnect_interval_ns_ = 0;
  double setup_seconds_ = 0;
  Counters c_;
  json::array timeline_;
  std::optional<ResourceUsage> usage_;
};

}  // namespace

int run_mixed_command(int argc, char** argv) {
  Settings s;
  CLI::App app{"parley-bench mixed: direct and group messages, typing, presence and reconnects at a fixed rate"};
  app.add_option("--host", s.host, "server address; loopback only")->capture_default_str();
  app.add_option("--port", s.port, "server port");
  app.add_option("--port-file", s.port_file, "read the port from this file");
  app.add_option("--server-pid", s.server_pid, "the server's pid, to sample its CPU and RSS");
  app.add_option("--tokens-file", s.tokens_file, "'<user id> <token>' lines: the users (bench/admin-tokens)")->required();
  app.add_option("--rate", s.rate, "messages/s, direct and group together")->capture_default_str();
  app.add_option("--duration", s.duration_s, "seconds measured")->capture_default_str();
  app.add_option("--warmup", s.warmup_s, "seconds of load before the measurement")->capture_default_str();
  app.add_option("--drain", s.drain_s, "at most this many seconds for stragglers")->capture_default_str();
  app.add_option("--group-size", s.group_size, "members per group")->capture_default_str();
  app.add_option("--direct-share", s.direct_share, "share of messages that are direct")->check(CLI::Range(0.0, 1.0))->capture_default_str();
  app.add_option("--typing-share", s.typing_share, "share of messages preceded by a typing request")->check(CLI::Range(0.0, 1.0))->capture_default_str();
  app.add_option("--contacts", s.contacts, "presence subscriptions and direct partners per user")->capture_default_str();
  app.add_option("--presence-period", s.presence_period_s, "seconds between a user's AWAY/ONLINE flips (on average)")->capture_default_str();
  app.add_option("--reconnect-per-min", s.reconnect_per_min, "share of the clients reconnecting per minute")->capture_default_str();
  app.add_option("--source-addresses", s.source_addresses, "connect from 127.0.0.1 .. 127.0.0.N")->capture_default_str();
  app.add_option("--text-bytes", s.text_bytes, "message text length")->capture_default_str();
  app.add_option("--tick-us", s.tick_us, "schedule granularity")->capture_default_str();
  app.add_option("--setup-concurrency", s.setup_concurrency, "connections authenticating at once")->capture_default_str();
  app.add_option("--setup-timeout", s.setup_timeout_s, "seconds")->capture_default_str();
  app.add_option("--seed", s.seed, "random seed (who sends, what, when a user reconnects)")->capture_default_str();
  app.add_option("--output", s.output, "results path prefix (writes <prefix>.json)")->required();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (s.presence_period_s <= 0) s.presence_period_s = 1e9;
  return Mixed(std::move(s)).run();
}

}  // namespace parley::bench
