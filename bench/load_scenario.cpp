// LoadScenario's load thread: client set-up, the open-loop schedule, and the bookkeeping of acks and
// deliveries (per message: when it was due and how many recipients are still missing).
#include "load_scenario.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <charconv>
#include <deque>
#include <unordered_map>

namespace parley::bench {
namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
constexpr int64_t kDrainPollNs = 1'000'000;
constexpr size_t kMaxUnackedPerSender = 60000;  // MQTT packet ids are 16 bits

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}
Clock::time_point to_time_point(int64_t ns) { return Clock::time_point(std::chrono::nanoseconds(ns)); }

// "<id>:<scheduled ns>:" padded with 'x' to `length`.
std::string make_payload(uint64_t id, int64_t scheduled, uint32_t length) {
  std::string payload = std::to_string(id) + ":" + std::to_string(scheduled) + ":";
  if (payload.size() < length) payload.append(length - payload.size(), 'x');
  return payload;
}

std::optional<std::pair<uint64_t, int64_t>> parse_payload(std::string_view p) {
  uint64_t id = 0;
  int64_t scheduled = 0;
  auto [a, ec1] = std::from_chars(p.data(), p.data() + p.size(), id);
  if (ec1 != std::errc() || a == p.data() + p.size() || *a != ':') return std::nullopt;
  auto [b, ec2] = std::from_chars(a + 1, p.data() + p.size(), scheduled);
  if (ec2 != std::errc() || b == p.data() + p.size() || *b != ':') return std::nullopt;
  return std::pair{id, scheduled};
}

struct Sender {
  ChatClient* client = nullptr;
  int index = 0;
  std::string channel;
  int64_t next_due_ns = 0;
  uint64_t counter = 0;
  std::unordered_map<uint64_t, std::pair<int64_t, int>> unacked;  // token -> (scheduled, step)
};

struct PendingMessage {
  int64_t scheduled = 0;
  int remaining = 0;
  int step = 0;
  bool measured = false;
};

}  // namespace

class LoadScenario::Impl {
 public:
  explicit Impl(const LoadOptions& o) : o_(o), work_(asio::make_work_guard(io_)), ticker_(io_) {
    const bool direct = o.shape == Shape::kDirect;
    const int senders = direct ? o.pairs : 1;
    const int receivers = direct ? o.pairs : o.group_size;
    auto add_client = [&](std::string user) {
      ChatClientOptions options = o.client;
      if (o.source_addresses > 1) {
        const auto k = static_cast<uint32_t>(clients_.size() % static_cast<size_t>(o.source_addresses));
        options.source = asio::ip::address_v4(0x7f000001u + k);
      }
      clients_.push_back(make_chat_client(io_, options, std::move(user)));
    };
    for (int i = 0; i < senders; ++i) add_client(o.user_prefix + "s" + std::to_string(i));
    for (int i = 0; i < receivers; ++i) add_client(o.user_prefix + "r" + std::to_string(i));
    for (int i = 0; i < senders; ++i) {
      senders_.emplace_back();
      senders_.back().client = clients_[i].get();
      senders_.back().index = i;
      ChatClient* c = clients_[i].get();
      c->on_ack([this, i](uint64_t token, std::string_view error) { on_ack(senders_[i], token, error); });
    }
    for (auto& c : clients_) {
      c->on_text([this](std::string_view payload) { on_delivery(payload); });
      c->on_lost([this] { ++stats_.connections_lost; });
    }
    thread_ = std::thread([this] { io_.run(); });
  }

  ~Impl() {
    asio::post(io_, [this] {
      ticker_.cancel();
      for (auto& c : clients_) c->close();
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    work_.reset();
    io_.stop();
    thread_.join();
  }

  std::future<std::optional<std::string>> set_up() {
    auto result = setup_promise_.get_future();
    asio::post(io_, [this] {
      std::vector<Task> tasks;
      for (auto& c : clients_) tasks.push_back([c = c.get()](ChatClient::Done d) { c->set_up(std::move(d)); });
      run_tasks(std::move(tasks), [this] { after_login(); });
    });
    return result;
  }

  std::future<LoadStepStats> start_step(const StepPlan& plan) {
    auto promise = std::make_shared<std::promise<LoadStepStats>>();
    auto result = promise->get_future();
    asio::post(io_, [this, plan, promise] { begin_step(plan, std::move(*promise)); });
    return result;
  }

  LoadProgress progress() const {
    return LoadProgress{sent_.load(), acked_.load(), delivered_.load(), errors_.load()};
  }

 private:
  using Task = std::function<void(ChatClient::Done)>;

  ChatClient& receiver(int i) { return *clients_[senders_.size() + i]; }
  int receivers() const { return static_cast<int>(clients_.size() - senders_.size()); }

  // ------------------------------------------------------------------------------------- set-up

  // Runs `tasks` with at most setup_concurrency at once; `then` after the last one succeeded. The first
  // failure fails the whole set-up.
  void run_tasks(std::vector<Task> tasks, std::function<void()> then) {
    auto state = std::make_shared<TaskRun>();
    state->tasks = std::move(tasks);
    state->then = std::move(then);
    next_tasks(state);
  }

  struct TaskRun {
    std::vector<Task> tasks;
    size_t next = 0, active = 0;
    std::function<void()> then;
  };

  void next_tasks(const std::shared_ptr<TaskRun>& run) {
    while (!setup_failed_ && run->active < static_cast<size_t>(o_.setup_concurrency) && run->next < run->tasks.size()) {
      ++run->active;
      run->tasks[run->next++]([this, run](std::optional<std::string> error) {
        --run->active;
        if (setup_failed_) return;
        if (error) return fail_setup(*error);
        next_tasks(run);
      });
    }
    if (!setup_failed_ && run->active == 0 && run->next == run->tasks.size()) {
      auto then = std::exchange(run->then, nullptr);
      if (then) then();
    }
  }

  void fail_setup(const std::string& error) {
    setup_failed_ = true;
    setup_promise_.set_value(error);
  }

  void after_login() {
    if (o_.shape == Shape::kDirect) {
      for (int i = 0; i < o_.pairs; ++i) senders_[i].channel = senders_[i].client->direct_channel(receiver(i).user());
      std::vector<Task> tasks;
      for (int i = 0; i < receivers(); ++i) tasks.push_back([c = &receiver(i)](ChatClient::Done d) { c->listen_direct(std::move(d)); });
      return run_tasks(std::move(tasks), [this] { setup_promise_.set_value(std::nullopt); });
    }
    std::vector<std::string> members;
    for (int i = 0; i < receivers(); ++i) members.push_back(receiver(i).user());
    senders_[0].client->create_group(o_.user_prefix + "group", members,
                                     [this](std::optional<std::string> channel, std::string error) {
                                       if (!channel) return fail_setup("create_group: " + error);
                                       senders_[0].channel = *channel;
                                       std::vector<Task> tasks;
                                       for (int i = 0; i < receivers(); ++i) {
                                         tasks.push_back([c = &receiver(i), ch = *channel](ChatClient::Done d) {
                                           c->join_group(ch, std::move(d));
                                         });
                                       }
                                       run_tasks(std::move(tasks), [this] { setup_promise_.set_value(std::nullopt); });
                                     });
  }

  // ------------------------------------------------------------------------------------- one step

  void begin_step(const StepPlan& plan, std::promise<LoadStepStats> done) {
    plan_ = plan;
    ++step_;
    stats_ = LoadStepStats{};
    step_done_ = std::move(done);
    // Forget what an earlier step left unanswered: it was counted there.
    std::erase_if(pending_, [this](const auto& entry) { return entry.second.step < step_; });
    pending_this_step_ = 0;
    for (auto& s : senders_) s.unacked.clear();
    interval_ns_ = static_cast<int64_t>(1e9 * senders_.size() / plan.rate);
    for (auto& s : senders_) s.next_due_ns = plan.start_ns + static_cast<int64_t>(1e9 * s.index / plan.rate);
    arm_ticker(now_ns());
  }

  bool in_window(int64_t t) const { return t >= plan_.measure_from_ns && t < plan_.measure_until_ns; }

  int64_t grid_ceil(int64_t t) const {
    const int64_t tick = static_cast<int64_t>(o_.tick_us) * 1000;
    return plan_.start_ns + (t - plan_.start_ns + tick - 1) / tick * tick;
  }

  void arm_ticker(int64_t now) {
    const int64_t tick = now < plan_.measure_until_ns ? static_cast<int64_t>(o_.tick_us) * 1000 : kDrainPollNs;
    const int64_t next = now < plan_.start_ns ? plan_.start_ns : plan_.start_ns + ((now - plan_.start_ns) / tick + 1) * tick;
    ticker_.expires_at(to_time_point(next));
    ticker_.async_wait([this](boost::system::error_code ec) {
      if (!ec) on_tick();
    });
  }

  void on_tick() {
    const int64_t now = now_ns();
    for (auto& s : senders_) send_due(s, now);
    if (now < plan_.measure_until_ns) return arm_ticker(now);
    if (drained() || now >= plan_.drain_until_ns) return finish_step();
    arm_ticker(now);
  }

  bool drained() const {
    if (pending_this_step_ > 0) return false;
    for (const auto& s : senders_) {
      if (!s.unacked.empty()) return false;
    }
    return true;
  }

  void send_due(Sender& s, int64_t now) {
    while (s.next_due_ns < plan_.measure_until_ns) {
      const int64_t scheduled = grid_ceil(s.next_due_ns);
      if (scheduled > now) break;
      s.next_due_ns += interval_ns_;
      send_one(s, scheduled, now);
    }
  }

  void count_error(const std::string& code) {
    ++stats_.errors[code];
    errors_.fetch_add(1, std::memory_order_relaxed);
  }

  void send_one(Sender& s, int64_t scheduled, int64_t now) {
    const bool measured = in_window(scheduled);
    if (measured) ++stats_.offered;
    if (!s.client->is_open()) return count_error("DISCONNECTED");
    if (s.client->queued_bytes() >= o_.max_queued_bytes || s.unacked.size() >= kMaxUnackedPerSender) {
      return count_error("CLIENT_BACKLOG");
    }
    const uint64_t id = (static_cast<uint64_t>(s.index) << 36) | s.counter++;
    auto token = s.client->send(s.channel, make_payload(id, scheduled, o_.text_bytes));
    if (!token) return count_error("CLIENT_BACKLOG");
    if (*token != 0) s.unacked[*token] = {scheduled, step_};
    pending_[id] = PendingMessage{scheduled, recipients(), step_, measured};
    ++pending_this_step_;
    sent_.fetch_add(1, std::memory_order_relaxed);
    if (measured) {
      ++stats_.sent;
      stats_.expected_deliveries += recipients();
      stats_.send_lag.record(static_cast<uint64_t>(now - scheduled));
    }
  }

  int recipients() const { return o_.shape == Shape::kDirect ? 1 : o_.group_size; }

  void on_ack(Sender& s, uint64_t token, std::string_view error) {
    auto it = s.unacked.find(token);
    if (it == s.unacked.end()) return;
    const auto [scheduled, step] = it->second;
    s.unacked.erase(it);
    if (step != step_) return;
    const int64_t now = now_ns();
    if (!error.empty()) {
      count_error(std::string(error));
      if (in_window(scheduled)) ++stats_.acked_error;
      return;
    }
    acked_.fetch_add(1, std::memory_order_relaxed);
    if (in_window(now)) ++stats_.acks_in_window;
    if (in_window(scheduled)) {
      ++stats_.acked_ok;
      stats_.ack_latency.record(static_cast<uint64_t>(now - scheduled));
    }
  }

  void on_delivery(std::string_view payload) {
    const int64_t now = now_ns();
    auto parsed = parse_payload(payload);
    if (!parsed) {
      ++stats_.unexpected;
      return;
    }
    auto it = pending_.find(parsed->first);
    if (it == pending_.end()) {
      ++stats_.unexpected;
      return;
    }
    PendingMessage& p = it->second;
    delivered_.fetch_add(1, std::memory_order_relaxed);
    if (p.step != step_) return;  // late: its step already ended
    if (in_window(now)) ++stats_.deliveries_in_window;
    const auto latency = static_cast<uint64_t>(now - p.scheduled);
    if (p.measured) {
      ++stats_.delivered;
      stats_.delivery_latency.record(latency);
    }
    if (--p.remaining == 0) {
      if (p.measured) {
        ++stats_.completed;
        stats_.last_delivery.record(latency);
      }
      pending_.erase(it);
      --pending_this_step_;
    }
  }

  void finish_step() {
    for (const auto& [id, p] : pending_) {
      if (p.step == step_ && p.measured) stats_.undelivered += p.remaining;
    }
    step_done_.set_value(std::move(stats_));
    stats_ = LoadStepStats{};
  }

  LoadOptions o_;
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  asio::steady_timer ticker_;
  std::vector<std::unique_ptr<ChatClient>> clients_;  // senders first, then receivers
  std::vector<Sender> senders_;
  std::unordered_map<uint64_t, PendingMessage> pending_;
  size_t pending_this_step_ = 0;  // entries of pending_ sent in the current step (the drain waits for them)
  std::promise<std::optional<std::string>> setup_promise_;
  bool setup_failed_ = false;
  StepPlan plan_;
  int step_ = 0;
  int64_t interval_ns_ = 0;
  LoadStepStats stats_;
  std::promise<LoadStepStats> step_done_;
  std::atomic<uint64_t> sent_{0}, acked_{0}, delivered_{0}, errors_{0};
  std::thread thread_;
};

LoadScenario::LoadScenario(LoadOptions options)
    : options_(std::move(options)), impl_(std::make_unique<Impl>(options_)) {}

LoadScenario::~LoadScenario() = default;

std::expected<void, std::string> LoadScenario::set_up(std::chrono::seconds timeout) {
  auto done = impl_->set_up();
  if (done.wait_for(timeout) != std::future_status::ready) return std::unexpected("set-up timed out");
  if (auto error = done.get()) return std::unexpected(*error);
  return {};
}

std::future<LoadStepStats> LoadScenario::start_step(const StepPlan& plan) { return impl_->start_step(plan); }

LoadProgress LoadScenario::progress() const { return impl_->progress(); }

}  // namespace parley::bench
