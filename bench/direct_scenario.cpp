// The direct scenario's load threads (Shard): set-up of their users, the open-loop send schedule, and the
// bookkeeping of acks and deliveries into StepStats.
#include "direct_scenario.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <charconv>
#include <thread>
#include <unordered_map>

#include "bench_user.h"
#include "common/result.h"

namespace parley::bench {
namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

constexpr int64_t kDrainPollNs = 1'000'000;  // while draining, look for completion every millisecond

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

Clock::time_point to_time_point(int64_t ns) { return Clock::time_point(std::chrono::nanoseconds(ns)); }

// "d:<a>:<b>" with the two ids in bytewise order, as both sides of a direct chat derive it.
std::string direct_conversation_id(const std::string& x, const std::string& y) {
  const auto& [low, high] = std::minmax(x, y);
  return "d:" + low + ":" + high;
}

// client_msg_id is "<message counter>.<scheduled send time in ns>": unique per sender, and it carries the
// schedule to the receiver so delivery latency needs no shared table.
std::string client_msg_id(uint64_t counter, int64_t scheduled_ns) {
  return std::to_string(counter) + "." + std::to_string(scheduled_ns);
}

std::optional<int64_t> scheduled_ns_of(std::string_view client_msg_id) {
  const size_t dot = client_msg_id.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  int64_t value = 0;
  auto [end, ec] = std::from_chars(client_msg_id.data() + dot + 1, client_msg_id.data() + client_msg_id.size(), value);
  if (ec != std::errc() || end != client_msg_id.data() + client_msg_id.size()) return std::nullopt;
  return value;
}

// One sender and its receiver, and the sender's schedule and unanswered requests.
struct DirectPair {
  DirectPair(asio::io_context& io, const DirectOptions& options, int index)
      : index(index),
        sender(io, options.server, options.user_prefix + "a" + std::to_string(index), options.password),
        receiver(io, options.server, options.user_prefix + "b" + std::to_string(index), options.password),
        conversation_id(direct_conversation_id(sender.user_id(), receiver.user_id())) {
    auto* message = frame.mutable_send_message();
    message->set_conversation_id(conversation_id);
    message->set_text(std::string(options.text_bytes, 'x'));
  }

  int index;  // among all pairs of all shards: sets this sender's phase in the schedule
  BenchUser sender;
  BenchUser receiver;
  std::string conversation_id;
  v1::ClientFrame frame;  // reused for every send: only client_msg_id and req_id change

  int64_t next_due_ns = 0;
  uint64_t next_message = 0;
  std::unordered_map<uint64_t, int64_t> unanswered;  // req_id -> scheduled send time
  uint64_t last_seq = 0;                             // newest seq the receiver has seen
};

}  // namespace

class DirectScenario::Shard {
 public:
  Shard(const DirectOptions& options, const std::vector<int>& pair_indexes, int total_senders, int setup_concurrency)
      : options_(options),
        total_senders_(total_senders),
        setup_concurrency_(setup_concurrency),
        work_(asio::make_work_guard(io_)),
        ticker_(io_) {
    for (int index : pair_indexes) {
      pairs_.push_back(std::make_unique<DirectPair>(io_, options_, index));
      wire(*pairs_.back());
    }
    thread_ = std::thread([this] { io_.run(); });
  }

  ~Shard() {
    asio::post(io_, [this] {
      ticker_.cancel();
      for (auto& pair : pairs_) {
        pair->sender.close();
        pair->receiver.close();
      }
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // let the close handshakes go out
    work_.reset();
    io_.stop();
    thread_.join();
  }

  std::future<std::optional<std::string>> set_up() {
    auto done = setup_promise_.get_future();
    asio::post(io_, [this] {
      for (auto& pair : pairs_) {
        setup_queue_.push_back(&pair->sender);
        setup_queue_.push_back(&pair->receiver);
      }
      start_next_setups();
    });
    return done;
  }

  std::future<StepStats> run_step(const StepPlan& plan) {
    auto promise = std::make_shared<std::promise<StepStats>>();
    auto result = promise->get_future();
    asio::post(io_, [this, plan, promise] { begin_step(plan, std::move(*promise)); });
    return result;
  }

  Progress progress() const {
    return Progress{sent_.load(std::memory_order_relaxed), acked_.load(std::memory_order_relaxed),
                    delivered_.load(std::memory_order_relaxed), errors_.load(std::memory_order_relaxed)};
  }

 private:
  void wire(DirectPair& pair) {
    pair.sender.on_frame([this, &pair](v1::ServerFrame& frame) { on_sender_frame(pair, frame); });
    pair.receiver.on_frame([this, &pair](v1::ServerFrame& frame) { on_receiver_frame(pair, frame); });
    pair.sender.on_lost([this] { ++stats_.connections_lost; });
    pair.receiver.on_lost([this] { ++stats_.connections_lost; });
    pair.sender.on_undecodable([this] { ++stats_.unexpected_frames; });
    pair.receiver.on_undecodable([this] { ++stats_.unexpected_frames; });
  }

  // ------------------------------------------------------------------------------------------ set-up

  void start_next_setups() {
    while (!setup_failed_ && setup_active_ < setup_concurrency_ && setup_next_ < setup_queue_.size()) {
      ++setup_active_;
      setup_queue_[setup_next_++]->set_up([this](std::optional<std::string> error) { on_user_ready(error); });
    }
    if (!setup_failed_ && setup_active_ == 0 && setup_next_ == setup_queue_.size()) {
      setup_promise_.set_value(std::nullopt);
    }
  }

  void on_user_ready(const std::optional<std::string>& error) {
    --setup_active_;
    if (setup_failed_) return;
    if (error) {
      setup_failed_ = true;
      setup_promise_.set_value(error);
      return;
    }
    start_next_setups();
  }

  // ------------------------------------------------------------------------------------------ one step

  void begin_step(const StepPlan& plan, std::promise<StepStats> done) {
    plan_ = plan;
    stats_ = StepStats{};
    step_done_ = std::move(done);
    interval_ns_ = static_cast<int64_t>(1e9 * total_senders_ / plan.rate);
    for (auto& pair : pairs_) {
      pair->next_due_ns = plan.start_ns + static_cast<int64_t>(1e9 * pair->index / plan.rate);
    }
    arm_ticker(now_ns());
  }

  bool in_window(int64_t t) const { return t >= plan_.measure_from_ns && t < plan_.measure_until_ns; }

  // The first grid point at or after `t`: a message due between two ticks is stamped with the later one.
  int64_t grid_ceil(int64_t t) const {
    const int64_t tick = static_cast<int64_t>(options_.tick_us) * 1000;
    const int64_t offset = t - plan_.start_ns;
    return plan_.start_ns + (offset + tick - 1) / tick * tick;
  }

  void arm_ticker(int64_t now) {
    const int64_t tick = now < plan_.measure_until_ns ? static_cast<int64_t>(options_.tick_us) * 1000 : kDrainPollNs;
    const int64_t next = now < plan_.start_ns ? plan_.start_ns
                                              : plan_.start_ns + ((now - plan_.start_ns) / tick + 1) * tick;
    ticker_.expires_at(to_time_point(next));
    ticker_.async_wait([this](boost::system::error_code ec) {
      if (!ec) on_tick();
    });
  }

  void on_tick() {
    const int64_t now = now_ns();
    // Also on the first tick after the window closed: a late timer must not drop the messages due before.
    for (auto& pair : pairs_) send_due(*pair, now);
    if (now < plan_.measure_until_ns) return arm_ticker(now);
    if (drained() || now >= plan_.drain_until_ns) return finish_step();
    arm_ticker(now);
  }

  void send_due(DirectPair& pair, int64_t now) {
    while (pair.next_due_ns < plan_.measure_until_ns) {
      const int64_t scheduled = grid_ceil(pair.next_due_ns);
      if (scheduled > now) break;
      pair.next_due_ns += interval_ns_;
      send_one(pair, scheduled, now);
    }
  }

  void send_one(DirectPair& pair, int64_t scheduled, int64_t now) {
    const bool measured = in_window(scheduled);
    if (measured) ++stats_.offered;
    if (!pair.sender.is_open()) return count_error("DISCONNECTED");
    if (pair.sender.queued_messages() >= options_.max_send_queue) return count_error("CLIENT_BACKLOG");
    pair.frame.mutable_send_message()->set_client_msg_id(client_msg_id(pair.next_message++, scheduled));
    const uint64_t req_id = pair.sender.send(pair.frame);
    pair.unanswered.emplace(req_id, scheduled);
    sent_.fetch_add(1, std::memory_order_relaxed);
    stats_.max_send_queue = std::max(stats_.max_send_queue, pair.sender.queued_messages());
    if (measured) {
      ++stats_.sent;
      stats_.send_lag.record(static_cast<uint64_t>(now - scheduled));
    }
  }

  void on_sender_frame(DirectPair& pair, const v1::ServerFrame& frame) {
    if (frame.has_event()) {
      if (frame.event().has_kicked()) count_error("KICKED");
      else ++stats_.unexpected_frames;
      return;
    }
    auto it = pair.unanswered.find(frame.req_id());
    if (it == pair.unanswered.end()) {
      ++stats_.unexpected_frames;
      return;
    }
    const int64_t scheduled = it->second;
    pair.unanswered.erase(it);
    const int64_t now = now_ns();
    const bool measured = in_window(scheduled);
    if (frame.has_error()) {
      count_error(code_name(frame.error().code()));
      if (measured) ++stats_.acked_error;
      return;
    }
    if (!frame.has_send_message()) {
      ++stats_.unexpected_frames;
      return;
    }
    acked_.fetch_add(1, std::memory_order_relaxed);
    if (in_window(now)) ++stats_.acks_in_window;
    if (frame.send_message().duplicate()) ++stats_.duplicate_acks;
    if (measured) {
      ++stats_.acked_ok;
      stats_.ack_latency.record(static_cast<uint64_t>(now - scheduled));
    }
  }

  void on_receiver_frame(DirectPair& pair, const v1::ServerFrame& frame) {
    if (!frame.has_event() || !frame.event().has_message()) {
      if (frame.has_event() && frame.event().has_kicked()) count_error("KICKED");
      else if (!frame.has_event()) ++stats_.unexpected_frames;
      return;  // read-cursor and conversation events are not part of this scenario's accounting
    }
    const v1::Message& message = frame.event().message();
    const auto scheduled = scheduled_ns_of(message.client_msg_id());
    if (message.conversation_id() != pair.conversation_id || !scheduled) {
      ++stats_.unexpected_frames;
      return;
    }
    check_sequence(pair, message.seq());
    const int64_t now = now_ns();
    delivered_.fetch_add(1, std::memory_order_relaxed);
    if (in_window(now)) ++stats_.deliveries_in_window;
    if (in_window(*scheduled)) {
      ++stats_.delivered;
      stats_.delivery_latency.record(static_cast<uint64_t>(now - *scheduled));
    }
  }

  // Guarantee 2 and 4 of the design: one conversation's messages arrive numbered 1, 2, 3, ... in order.
  void check_sequence(DirectPair& pair, uint64_t seq) {
    if (seq <= pair.last_seq) {
      ++stats_.seq_regressions;
      return;
    }
    stats_.seq_gaps += seq - pair.last_seq - 1;
    pair.last_seq = seq;
  }

  void count_error(const std::string& code) {
    ++stats_.errors[code];
    errors_.fetch_add(1, std::memory_order_relaxed);
  }

  bool drained() const {
    return stats_.acked_ok + stats_.acked_error >= stats_.sent && stats_.delivered >= stats_.acked_ok;
  }

  void finish_step() {
    for (const auto& pair : pairs_) {
      for (const auto& [req_id, scheduled] : pair->unanswered) {
        if (in_window(scheduled)) ++stats_.unacked;
      }
    }
    stats_.undelivered = stats_.acked_ok > stats_.delivered ? stats_.acked_ok - stats_.delivered : 0;
    step_done_.set_value(std::move(stats_));
    stats_ = StepStats{};
  }

  const DirectOptions& options_;
  const int total_senders_;
  const int setup_concurrency_;

  asio::io_context io_{1};
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  asio::steady_timer ticker_;
  std::vector<std::unique_ptr<DirectPair>> pairs_;

  std::promise<std::optional<std::string>> setup_promise_;
  std::vector<BenchUser*> setup_queue_;
  size_t setup_next_ = 0;
  int setup_active_ = 0;
  bool setup_failed_ = false;

  StepPlan plan_;
  StepStats stats_;
  std::promise<StepStats> step_done_;
  int64_t interval_ns_ = 0;

  std::atomic<uint64_t> sent_{0}, acked_{0}, delivered_{0}, errors_{0};
  std::thread thread_;
};

// -------------------------------------------------------------------------------------------------- facade

DirectScenario::DirectScenario(DirectOptions options) : options_(std::move(options)) {
  const int threads = std::clamp(options_.threads, 1, std::max(1, options_.pairs));
  std::vector<std::vector<int>> pairs_of(threads);
  for (int i = 0; i < options_.pairs; ++i) pairs_of[i % threads].push_back(i);
  const int concurrency_each = std::max(1, options_.setup_concurrency / threads);
  for (const auto& indexes : pairs_of) {
    shards_.push_back(std::make_unique<Shard>(options_, indexes, options_.pairs, concurrency_each));
  }
}

DirectScenario::~DirectScenario() = default;

std::expected<void, std::string> DirectScenario::set_up(std::chrono::seconds timeout) {
  std::vector<std::future<std::optional<std::string>>> pending;
  for (auto& shard : shards_) pending.push_back(shard->set_up());
  const auto deadline = Clock::now() + timeout;
  for (auto& done : pending) {
    if (done.wait_until(deadline) != std::future_status::ready) {
      return std::unexpected("set-up did not finish within " + std::to_string(timeout.count()) + " s");
    }
    if (auto error = done.get()) return std::unexpected(*error);
  }
  return {};
}

void DirectScenario::start_step(const StepPlan& plan) {
  running_step_.clear();
  for (auto& shard : shards_) running_step_.push_back(shard->run_step(plan));
}

std::optional<StepStats> DirectScenario::wait_step(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (auto& part : running_step_) {
    if (part.wait_until(deadline) != std::future_status::ready) return std::nullopt;
  }
  StepStats merged;
  for (auto& part : running_step_) merged.merge(part.get());
  running_step_.clear();
  return merged;
}

Progress DirectScenario::progress() const {
  Progress total;
  for (const auto& shard : shards_) {
    Progress p = shard->progress();
    total.sent += p.sent;
    total.acked += p.acked;
    total.delivered += p.delivered;
    total.errors += p.errors;
  }
  return total;
}

}  // namespace parley::bench
