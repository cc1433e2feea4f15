// Accounts for SDK tests against a real parleyd: a Client with its Recorder, signing up, bounded waits for an
// asynchronous call, and a message exchange that waits until the other side has stored it.
#pragma once

#include <future>
#include <memory>
#include <string>

#include "sdk_test_support.h"

namespace parley::testing {

// Runs an asynchronous Client call and waits (bounded) for its result.
template <typename T, typename Call>
ClientResult<T> await(Call call) {
  auto done = std::make_shared<std::promise<ClientResult<T>>>();
  auto result = done->get_future();
  call([done](ClientResult<T> r) { done->set_value(std::move(r)); });
  if (result.wait_for(20s) != std::future_status::ready)
    return std::unexpected(ClientError{kErrorTimeout, "no answer in 20 s"});
  return result.get();
}

struct Account {
  Recorder recorder;
  std::unique_ptr<Client> client;
};

inline void sign_up(Account& account, uint16_t port, const TempDir& dir, const std::string& user,
                    const std::string& device) {
  account.client = make_client(fast_options(port, dir.file(user + "-" + device + ".db"), device), account.recorder);
  ASSERT_TRUE(account.client);
  auto r = await<SessionSummary>(
      [&](auto done) { account.client->register_and_login(user, user + "-password", user, std::move(done)); });
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_TRUE(account.recorder.wait_state(ConnectionState::kConnected));
}

// A further device of a user signed up before: logs in with the same password.
inline void log_in(Account& account, uint16_t port, const TempDir& dir, const std::string& user,
                   const std::string& device) {
  account.client = make_client(fast_options(port, dir.file(user + "-" + device + ".db"), device), account.recorder);
  ASSERT_TRUE(account.client);
  auto r = await<SessionSummary>([&](auto done) { account.client->login(user, user + "-password", std::move(done)); });
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_TRUE(account.recorder.wait_state(ConnectionState::kConnected));
}

// True once `recorder` saw an on_event of `kind` whose JSON contains `needle` (bounded wait).
inline bool wait_event(Recorder& recorder, EventKind kind, const std::string& needle) {
  return recorder.wait([&] {
    for (const auto& e : recorder.events)
      if (e.kind == kind && e.json.find(needle) != std::string::npos) return true;
    return false;
  });
}

// Sends `text` from `from` and waits until `to` has stored it; returns its seq.
inline uint64_t exchange(Account& from, Account& to, const std::string& conversation, const std::string& text) {
  auto id = from.client->send_text(conversation, text);
  EXPECT_TRUE(id);
  if (!id) return 0;
  EXPECT_TRUE(from.recorder.wait([&] { return from.recorder.sent.contains(*id); }));
  uint64_t seq = from.recorder.locked([&] { return from.recorder.sent[*id]; });
  EXPECT_TRUE(to.recorder.wait([&] {
    for (const auto& m : to.recorder.messages)
      if (m.conversation_id == conversation && m.seq == seq) return true;
    return false;
  }));
  return seq;
}

}  // namespace parley::testing
