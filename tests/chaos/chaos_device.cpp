#include "chaos_device.h"

#include "ws_client.h"

namespace parley::testing {

namespace {
constexpr auto kAnswerTimeout = std::chrono::seconds(3);
constexpr auto kSendInterval = std::chrono::milliseconds(15);  // about 60 messages/s per device
constexpr int kMaxPullPages = 10000;
}  // namespace

ChaosDevice::ChaosDevice(std::string user, std::string device, std::string token,
                         std::vector<std::string> conversations, uint16_t port, protocol::Encoding encoding,
                         DeliveryLog& log, uint32_t seed)
    : name_(user + "/" + device),
      token_(std::move(token)),
      conversations_(std::move(conversations)),
      port_(port),
      encoding_(encoding),
      log_(log),
      rng_(seed) {}

ChaosDevice::~ChaosDevice() { stop(); }

void ChaosDevice::start() { thread_ = std::thread([this] { run(); }); }

void ChaosDevice::stop() {
  {
    std::lock_guard lock(mu_);
    quit_ = true;
  }
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void ChaosDevice::stop_sending() {
  std::lock_guard lock(mu_);
  sending_ = false;
}

void ChaosDevice::stall(std::chrono::milliseconds how_long) {
  std::lock_guard lock(mu_);
  stall_for_ = how_long;
}

bool ChaosDevice::wait_outbox_empty(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return changed_.wait_for(lock, timeout, [&] { return outbox_empty_; });
}

bool ChaosDevice::final_sync(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  int wanted = ++sync_requested_;
  return changed_.wait_for(lock, timeout, [&] { return sync_done_ >= wanted; });
}

void ChaosDevice::note(std::string what) {
  std::lock_guard lock(mu_);
  doing_ = std::move(what);
  pending_text_ = pending_ ? pending_->conversation + " " + pending_->client_msg_id : "nothing";
}

std::string ChaosDevice::describe() {
  std::lock_guard lock(mu_);
  return name_ + ": " + std::to_string(connections_) + " connections, " + std::to_string(sent_) +
         " messages made, pending " + pending_text_ + ", sync " + std::to_string(sync_done_) + "/" +
         std::to_string(sync_requested_) + ", last: " + doing_;
}

void ChaosDevice::pause(std::chrono::milliseconds how_long) {
  std::unique_lock lock(mu_);
  changed_.wait_for(lock, how_long, [&] { return quit_; });
}

void ChaosDevice::record(const std::string& conversation, uint64_t seq, const std::string& client_msg_id) {
  seen_[conversation].emplace(seq, client_msg_id);
  log_.delivered(name_, conversation, seq, client_msg_id);
}

void ChaosDevice::record_frame(const v1::ServerFrame& frame) {
  if (!frame.has_event() || !frame.event().has_message()) return;
  const auto& m = frame.event().message();
  record(m.conversation_id(), m.seq(), m.client_msg_id());
}

void ChaosDevice::run() {
  for (;;) {
    {
      std::lock_guard lock(mu_);
      if (quit_) return;
    }
    std::unique_ptr<WsClient> client;
    try {
      client = std::make_unique<WsClient>(port_, encoding_);
    } catch (const std::exception& e) {
      note(std::string("cannot connect: ") + e.what());
      pause(std::chrono::milliseconds(20 + rng_() % 80));  // the server is down: back off a little
      continue;
    }
    ++connections_;
    v1::ClientFrame auth;
    auth.mutable_authenticate()->set_token(token_);
    if (auto answer = client->call(auth, kAnswerTimeout); answer.has_error()) {
      note("authenticate: " + answer.error().message());
      pause(std::chrono::milliseconds(20 + rng_() % 80));
      continue;
    }
    if (catch_up(*client)) serve(*client);
  }
}

// Pulls each conversation from the first seq this device lacks to the end.
bool ChaosDevice::catch_up(WsClient& client) {
  for (const auto& conversation : conversations_) {
    const History& mine = seen_[conversation];
    uint64_t after = 0;
    while (mine.count(after + 1)) ++after;
    for (int page = 0; page < kMaxPullPages; ++page) {
      v1::ClientFrame pull;
      pull.mutable_pull_messages()->set_conversation_id(conversation);
      pull.mutable_pull_messages()->set_after_seq(after);
      pull.mutable_pull_messages()->set_limit(200);
      auto answer = client.call(pull, kAnswerTimeout);
      if (!answer.has_pull_messages()) {
        note("pull " + conversation + ": " + answer.ShortDebugString());
        return false;
      }
      for (const auto& m : answer.pull_messages().messages()) {
        record(conversation, m.seq(), m.client_msg_id());
        after = m.seq();
      }
      if (answer.pull_messages().end()) break;
    }
  }
  return true;
}

// Sends the pending message and waits for its answer. False when the connection must be replaced.
bool ChaosDevice::send_pending(WsClient& client) {
  v1::ClientFrame send;
  send.mutable_send_message()->set_conversation_id(pending_->conversation);
  send.mutable_send_message()->set_client_msg_id(pending_->client_msg_id);
  send.mutable_send_message()->set_text(pending_->client_msg_id);
  uint64_t req_id = client.send(send);
  for (;;) {
    auto frame = client.next_frame(kAnswerTimeout);
    if (!frame) {  // closed, or no answer: resend on a new connection, same client_msg_id
      note(client.is_closed() ? "send: closed" : "send: no answer");
      return false;
    }
    if (frame->has_event()) {
      record_frame(*frame);
      continue;
    }
    if (frame->req_id() != req_id) continue;
    if (frame->has_send_message()) {
      const auto& ack = frame->send_message();
      log_.acked(pending_->conversation, pending_->client_msg_id, ack.seq(), ack.duplicate());
      record(pending_->conversation, ack.seq(), pending_->client_msg_id);  // the sending connection gets no push
      pending_.reset();
    } else {
      log_.refused(v1::ErrorCode_Name(frame->error().code()) + ": " + frame->error().message());
      pause(std::chrono::milliseconds(20));  // keep it pending and try again
    }
    return true;
  }
}

void ChaosDevice::serve(WsClient& client) {
  for (;;) {
    bool sending = false;
    int sync_wanted = 0;
    std::chrono::milliseconds stall{0};
    {
      std::lock_guard lock(mu_);
      if (quit_) return;
      sending = sending_;
      sync_wanted = sync_requested_;
      std::swap(stall, stall_for_);
      if (!sending && !pending_ && !outbox_empty_) {
        outbox_empty_ = true;
        changed_.notify_all();
      }
    }
    if (stall.count() > 0) {
      ++stalls_;
      client.stop_reading();
      pause(stall);
      return;  // whatever the server did meanwhile, carry on with a new connection
    }
    if (sync_wanted > sync_done_ && !pending_) {
      if (!catch_up(client)) return;
      std::lock_guard lock(mu_);
      sync_done_ = sync_wanted;
      changed_.notify_all();
    }
    if (!pending_ && sending) {
      const auto& conversation = conversations_[rng_() % conversations_.size()];
      pending_ = Outgoing{conversation, name_ + "-" + std::to_string(++sent_)};
    }
    if (pending_ && !send_pending(client)) return;
    note("serving");
    // Take the events that came meanwhile; this is also what paces the sending.
    auto until = std::chrono::steady_clock::now() + kSendInterval;
    while (std::chrono::steady_clock::now() < until) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
      auto frame = client.next_frame(std::max(left, std::chrono::milliseconds(1)));
      if (frame) record_frame(*frame);
      if (client.is_closed()) return;
    }
  }
}

}  // namespace parley::testing
