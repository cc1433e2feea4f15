// libparley against a real parleyd: login, delivery, offline sends, crashes and restarts of the server and of
// the app, two devices of one user, sign-out by the server.
#include <algorithm>
#include <future>
#include <set>

#include "server_process.h"
#include "sdk_test_support.h"
#include "ws_client.h"

namespace parley::testing {
namespace {

// Every message of a conversation as `reader` sees it on the server, oldest first.
std::vector<v1::Message> server_history(WsClient& reader, const std::string& conversation) {
  std::vector<v1::Message> out;
  uint64_t after = 0;
  for (int page = 0; page < 100; ++page) {
    v1::ClientFrame f;
    f.mutable_pull_messages()->set_conversation_id(conversation);
    f.mutable_pull_messages()->set_after_seq(after);
    f.mutable_pull_messages()->set_limit(200);
    auto r = reader.call(f);
    EXPECT_TRUE(r.has_pull_messages()) << r.ShortDebugString();
    if (!r.has_pull_messages()) break;
    for (const auto& m : r.pull_messages().messages()) {
      out.push_back(m);
      after = m.seq();
    }
    if (r.pull_messages().end()) break;
  }
  return out;
}

// Checks that `history` holds exactly `texts`, in this order, with seqs 1..n.
void expect_exactly(const std::vector<v1::Message>& history, const std::vector<std::string>& texts) {
  ASSERT_EQ(history.size(), texts.size());
  for (size_t i = 0; i < texts.size(); ++i) {
    EXPECT_EQ(history[i].seq(), i + 1);
    EXPECT_EQ(history[i].text(), texts[i]) << "at seq " << i + 1;
  }
}

std::vector<std::string> numbered(const std::string& prefix, int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back(prefix + std::to_string(i));
  return out;
}

bool use_token(Client& client, const std::string& token) {
  std::promise<ClientResult<SessionSummary>> done;
  auto result = done.get_future();
  client.use_token(token, [&](ClientResult<SessionSummary> r) { done.set_value(std::move(r)); });
  if (result.wait_for(20s) != std::future_status::ready) return false;
  auto r = result.get();
  EXPECT_TRUE(r) << r.error().message;
  return r.has_value();
}

TEST(SdkClient, RegistersLogsInAndExchangesMessagesLive) {
  ServerProcess server;
  TempDir dir;
  Recorder a, b;
  auto alice = make_client(fast_options(server.port(), dir.file("alice.db"), "a1"), a);
  auto bob = make_client(fast_options(server.port(), dir.file("bob.db"), "b1"), b);

  std::promise<ClientResult<SessionSummary>> reg_a, reg_b;
  alice->register_and_login("alice", "alice-pass-1", "Alice", [&](auto r) { reg_a.set_value(std::move(r)); });
  bob->register_and_login("bob", "bob-pass-12", "Bob", [&](auto r) { reg_b.set_value(std::move(r)); });
  auto ra = reg_a.get_future().get();
  auto rb = reg_b.get_future().get();
  ASSERT_TRUE(ra) << ra.error().message;
  ASSERT_TRUE(rb) << rb.error().message;
  EXPECT_EQ(ra->user_id, "alice");
  EXPECT_EQ(ra->display_name, "Alice");
  ASSERT_TRUE(a.wait_state(ConnectionState::kConnected));
  ASSERT_TRUE(b.wait_state(ConnectionState::kConnected));

  const std::string conv = Client::direct_conversation_id("bob", "alice");
  EXPECT_EQ(conv, "d:alice:bob");
  auto id = alice->send_text(conv, "hello bob");
  ASSERT_TRUE(id) << id.error().message;
  ASSERT_TRUE(a.wait([&] { return a.sent.contains(*id); }));
  EXPECT_EQ(a.sent[*id], 1u);
  ASSERT_TRUE(b.wait([&] { return b.messages.size() == 1; }));
  EXPECT_EQ(b.messages[0].text, "hello bob");
  EXPECT_EQ(b.messages[0].sender_id, "alice");
  EXPECT_EQ(b.origins[0], MessageOrigin::kLive);
  EXPECT_FALSE(b.messages[0].json.empty());

  // The sender's state went sending -> sent, and both local stores hold the message.
  ASSERT_GE(a.sends.size(), 2u);
  EXPECT_EQ(a.sends.front().state, SendState::kSending);
  auto at_alice = alice->messages(conv, 0, 10);
  ASSERT_TRUE(at_alice);
  ASSERT_EQ(at_alice->size(), 1u);
  EXPECT_EQ((*at_alice)[0].seq, 1u);
  auto convs = bob->conversations();
  ASSERT_TRUE(convs);
  ASSERT_EQ(convs->size(), 1u);
  EXPECT_EQ((*convs)[0].unread_count, 1u);
  EXPECT_EQ((*convs)[0].last_text, "hello bob");
  auto found = bob->search("hello", 5);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->size(), 1u);

  // A wrong password is reported and changes nothing.
  TempDir other;
  Recorder c;
  auto mallory = make_client(fast_options(server.port(), other.file("m.db"), "m1"), c);
  std::promise<ClientResult<SessionSummary>> bad;
  mallory->login("alice", "wrong-password", [&](auto r) { bad.set_value(std::move(r)); });
  auto rbad = bad.get_future().get();
  ASSERT_FALSE(rbad);
  EXPECT_EQ(rbad.error().code, v1::UNAUTHENTICATED);
  EXPECT_EQ(mallory->state(), ConnectionState::kLoggedOut);
}

TEST(SdkClient, BadInputIsRefusedLocallyWithAReason) {
  TempDir dir;
  Recorder r;
  auto client = make_client(fast_options(1, dir.file("x.db"), "x"), r);
  auto not_logged_in = client->send_text("d:a:b", "hi");
  ASSERT_FALSE(not_logged_in);
  EXPECT_EQ(not_logged_in.error().code, kErrorBadArgument);
  EXPECT_FALSE(Client::create(ClientOptions{}, {}).has_value());  // no database path
  ClientOptions bad_url;
  bad_url.database_path = dir.file("y.db");
  bad_url.server_url = "http://example:1";
  auto created = Client::create(bad_url, {});
  ASSERT_FALSE(created);
  EXPECT_NE(created.error().message.find("ws://"), std::string::npos);
  ClientOptions bad_platform = fast_options(1, dir.file("z.db"), "z");
  bad_platform.platform = "AMIGA";
  auto refused = Client::create(bad_platform, {});
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("AMIGA"), std::string::npos);
  auto bad_query = client->search("\"unbalanced", 10);
  ASSERT_FALSE(bad_query);
  EXPECT_EQ(bad_query.error().code, kErrorBadArgument);
}

TEST(SdkClient, MessagesSentOfflineAreDeliveredExactlyOnceAfterReconnect) {
  const uint16_t port = free_loopback_port();
  ServerProcess server({"--listen", "127.0.0.1:" + std::to_string(port)});
  TempDir dir;
  const std::string token = admin_user_token(port, "alice", "a1");
  admin_user_token(port, "bob", "b1");
  Recorder a;
  auto alice = make_client(fast_options(port, dir.file("alice.db"), "a1"), a);
  ASSERT_TRUE(use_token(*alice, token));
  ASSERT_TRUE(a.wait_state(ConnectionState::kConnected));

  server.terminate();
  ASSERT_TRUE(a.wait_state(ConnectionState::kOffline));
  const auto texts = numbered("offline ", 5);
  std::vector<std::string> ids;
  for (const auto& t : texts) {
    auto id = alice->send_text("d:alice:bob", t);
    ASSERT_TRUE(id) << id.error().message;
    ids.push_back(*id);
  }
  EXPECT_TRUE(a.locked([&] { return a.sent.empty(); }));
  auto pending = alice->messages("d:alice:bob", 0, 10);
  ASSERT_TRUE(pending);
  ASSERT_EQ(pending->size(), 5u);
  EXPECT_EQ((*pending)[0].state, SendState::kSending);

  server.start();
  ASSERT_TRUE(a.wait([&] { return a.sent.size() == 5; }, 30s));
  for (size_t i = 0; i < ids.size(); ++i) EXPECT_EQ(a.sent[ids[i]], i + 1) << "seq follows send order";
  auto bob = std::make_unique<WsClient>(port, protocol::Encoding::kBinary);
  bob->authenticate(admin_user_token(port, "bob", "b2"));
  expect_exactly(server_history(*bob, "d:alice:bob"), texts);
}

TEST(SdkClient, ServerKilledAndRestartedMidSendDeliversEveryMessageOnceInOrder) {
  const uint16_t port = free_loopback_port();
  ServerProcess server({"--listen", "127.0.0.1:" + std::to_string(port)});
  TempDir dir;
  const std::string token = admin_user_token(port, "alice", "a1");
  const std::string bob_token = admin_user_token(port, "bob", "b1");
  Recorder a;
  auto alice = make_client(fast_options(port, dir.file("alice.db"), "a1"), a);
  ASSERT_TRUE(use_token(*alice, token));
  ASSERT_TRUE(a.wait_state(ConnectionState::kConnected));

  constexpr int kMessages = 150;
  const auto texts = numbered("m", kMessages);
  for (const auto& t : texts) ASSERT_TRUE(alice->send_text("d:alice:bob", t));
  // Crash the server while the outbox is draining (some acked, most not), then bring it back.
  ASSERT_TRUE(a.wait([&] { return a.sent.size() >= 10; }));
  server.kill9();
  EXPECT_LT(a.locked([&] { return a.sent.size(); }), static_cast<size_t>(kMessages)) << "too late to test a crash";
  server.start();
  ASSERT_TRUE(a.wait([&] { return a.sent.size() == kMessages; }, 60s)) << a.sent.size();

  WsClient bob(port, protocol::Encoding::kBinary);
  bob.authenticate(bob_token);
  expect_exactly(server_history(bob, "d:alice:bob"), texts);
  // The local store agrees: seqs 1..n, no unsent rows.
  auto local = alice->messages("d:alice:bob", 0, 1000);
  ASSERT_TRUE(local);
  ASSERT_EQ(local->size(), static_cast<size_t>(kMessages));
  for (int i = 0; i < kMessages; ++i) EXPECT_EQ((*local)[i].seq, static_cast<uint64_t>(i + 1));
}

TEST(SdkClient, AppRestartResumesTheOutboxWithTheSameClientMsgIds) {
  const uint16_t port = free_loopback_port();
  ServerProcess server({"--listen", "127.0.0.1:" + std::to_string(port)});
  TempDir dir;
  const std::string token = admin_user_token(port, "alice", "a1");
  const std::string bob_token = admin_user_token(port, "bob", "b1");
  const auto texts = numbered("after restart ", 4);
  std::vector<std::string> ids;
  {
    Recorder a;
    auto alice = make_client(fast_options(port, dir.file("alice.db"), "a1"), a);
    ASSERT_TRUE(use_token(*alice, token));
    ASSERT_TRUE(a.wait_state(ConnectionState::kConnected));
    server.terminate();
    ASSERT_TRUE(a.wait_state(ConnectionState::kOffline));
    for (const auto& t : texts) ids.push_back(*alice->send_text("d:alice:bob", t));
  }  // the app quits with 4 unsent messages
  server.start();
  Recorder a2;
  auto alice = make_client(fast_options(port, dir.file("alice.db"), "a1"), a2);
  EXPECT_EQ(alice->user_id(), "alice");
  alice->start();
  ASSERT_TRUE(a2.wait([&] { return a2.sent.size() == 4; }, 30s));
  for (size_t i = 0; i < ids.size(); ++i) EXPECT_EQ(a2.sent[ids[i]], i + 1);
  WsClient bob(port, protocol::Encoding::kBinary);
  bob.authenticate(bob_token);
  auto history = server_history(bob, "d:alice:bob");
  expect_exactly(history, texts);
  for (size_t i = 0; i < history.size(); ++i) EXPECT_EQ(history[i].client_msg_id(), ids[i]);
}

TEST(SdkClient, TwoInstancesOfOneUserStayInSync) {
  ServerProcess server;
  TempDir dir;
  Recorder r1, r2;
  auto phone = make_client(fast_options(server.port(), dir.file("phone.db"), "phone"), r1);
  auto laptop = make_client(fast_options(server.port(), dir.file("laptop.db"), "laptop"), r2);
  ASSERT_TRUE(use_token(*phone, admin_user_token(server.port(), "alice", "phone")));
  ASSERT_TRUE(use_token(*laptop, admin_user_token(server.port(), "alice", "laptop")));
  ASSERT_TRUE(r1.wait_state(ConnectionState::kConnected));
  ASSERT_TRUE(r2.wait_state(ConnectionState::kConnected));
  WsClient bob(server.port(), protocol::Encoding::kBinary);
  bob.authenticate(admin_user_token(server.port(), "bob", "b1"));

  // Bob writes, the phone writes, the laptop writes: both devices end up with the same five messages.
  bob.send_text("d:alice:bob", "from bob 1");
  ASSERT_TRUE(phone->send_text("d:alice:bob", "from phone"));
  ASSERT_TRUE(r1.wait([&] { return r1.sent.size() == 1; }));
  ASSERT_TRUE(laptop->send_text("d:alice:bob", "from laptop"));
  ASSERT_TRUE(r2.wait([&] { return r2.sent.size() == 1; }));
  bob.send_text("d:alice:bob", "from bob 2");
  bob.send_text("d:alice:bob", "from bob 3");
  auto texts_of = [](Client& c) {
    std::vector<std::string> out;
    auto m = c.messages("d:alice:bob", 0, 100);
    if (m)
      for (const auto& r : *m) out.push_back(std::to_string(r.seq) + " " + r.text);
    return out;
  };
  const std::vector<std::string> expected = {"1 from bob 1", "2 from phone", "3 from laptop", "4 from bob 2",
                                             "5 from bob 3"};
  ASSERT_TRUE(r1.wait([&] { return r1.messages.size() == 4; })) << r1.messages.size();  // all but its own
  ASSERT_TRUE(r2.wait([&] { return r2.messages.size() == 4; })) << r2.messages.size();
  EXPECT_EQ(texts_of(*phone), expected);
  EXPECT_EQ(texts_of(*laptop), expected);

  // Reading on the phone moves the laptop's cursor.
  ASSERT_TRUE(phone->mark_read("d:alice:bob", 5));
  ASSERT_TRUE(r2.wait([&] { return !r2.reads.empty() && r2.reads.back().second == 5; }));
  EXPECT_EQ((*laptop->conversations())[0].unread_count, 0u);

  // The laptop goes offline, misses two messages, and catches up by sync when it comes back.
  laptop.reset();
  bob.send_text("d:alice:bob", "while the laptop slept 1");
  bob.send_text("d:alice:bob", "while the laptop slept 2");
  // A new variable, declared after its recorder, so that the client (whose thread calls the recorder) is
  // destroyed before the recorder.
  Recorder r3;
  auto laptop_again = make_client(fast_options(server.port(), dir.file("laptop.db"), "laptop"), r3);
  laptop_again->start();
  ASSERT_TRUE(r3.wait([&] { return r3.synced >= 1; }));
  EXPECT_EQ(r3.locked([&] { return r3.messages.size(); }), 2u);
  EXPECT_EQ(r3.locked([&] { return r3.origins.empty() ? MessageOrigin::kLive : r3.origins[0]; }), MessageOrigin::kSync);
  EXPECT_EQ(texts_of(*laptop_again).size(), 7u);
}

TEST(SdkClient, ConnectionDroppedMidSyncResumesWithoutGapsOrDuplicates) {
  const uint16_t port = free_loopback_port();
  ServerProcess server({"--listen", "127.0.0.1:" + std::to_string(port)});
  TempDir dir;
  const std::string token = admin_user_token(port, "alice", "a1");
  {
    Recorder warmup;
    auto alice = make_client(fast_options(port, dir.file("alice.db"), "a1"), warmup);
    ASSERT_TRUE(use_token(*alice, token));  // the database now knows alice; then the app is closed
  }
  constexpr int kPeers = 8, kEach = 40;
  for (int p = 0; p < kPeers; ++p) {
    WsClient peer(port, protocol::Encoding::kBinary);
    peer.authenticate(admin_user_token(port, "peer" + std::to_string(p), "d"));
    for (int i = 0; i < kEach; ++i) peer.send_text("d:alice:peer" + std::to_string(p), "p" + std::to_string(i));
  }

  Recorder a;
  bool killed = false;
  // Runs on the client thread at the first message fetched by sync: the server dies mid-sync, for sure.
  a.on_message_hook = [&](const MessageRecord&, MessageOrigin origin) {
    if (!killed && origin == MessageOrigin::kSync) {
      killed = true;
      server.kill9();
    }
  };
  auto alice = make_client(fast_options(port, dir.file("alice.db"), "a1"), a);
  alice->start();
  ASSERT_TRUE(a.wait([&] { return !a.messages.empty(); }));
  ASSERT_TRUE(a.wait_state(ConnectionState::kOffline));
  EXPECT_LT(a.locked([&] { return a.messages.size(); }), static_cast<size_t>(kPeers * kEach));
  server.start();
  ASSERT_TRUE(a.wait([&] { return a.synced >= 1; }, 30s));

  std::set<std::pair<std::string, uint64_t>> reported;
  a.locked([&] {
    for (const auto& m : a.messages) EXPECT_TRUE(reported.insert({m.conversation_id, m.seq}).second) << "duplicate";
    return 0;
  });
  EXPECT_EQ(reported.size(), static_cast<size_t>(kPeers * kEach));
  for (int p = 0; p < kPeers; ++p) {
    auto local = alice->messages("d:alice:peer" + std::to_string(p), 0, 1000);
    ASSERT_TRUE(local);
    ASSERT_EQ(local->size(), static_cast<size_t>(kEach));
    for (int i = 0; i < kEach; ++i) {
      EXPECT_EQ((*local)[i].seq, static_cast<uint64_t>(i + 1));
      EXPECT_EQ((*local)[i].text, "p" + std::to_string(i));
    }
  }
}

TEST(SdkClient, OlderHistoryIsLoadedFromTheServerWhenTheLocalStoreLacksIt) {
  ServerProcess server({"--requests-per-second", "100000"});
  TempDir dir;
  WsClient bob(server.port(), protocol::Encoding::kBinary);
  bob.authenticate(admin_user_token(server.port(), "bob", "b1"));
  const std::string alice_token = admin_user_token(server.port(), "alice", "a1");
  for (int i = 1; i <= 250; ++i) bob.send_text("d:alice:bob", "h" + std::to_string(i));
  Recorder a;
  auto alice = make_client(fast_options(server.port(), dir.file("alice.db"), "a1"), a);
  ASSERT_TRUE(use_token(*alice, alice_token));
  ASSERT_TRUE(a.wait([&] { return a.synced >= 1; }));
  // 250 behind: sync fetched the newest page only.
  auto local = alice->messages("d:alice:bob", 0, 1000);
  ASSERT_TRUE(local);
  ASSERT_EQ(local->size(), 100u);
  EXPECT_EQ(local->front().seq, 151u);

  std::promise<ClientResult<std::vector<MessageRecord>>> page;
  alice->load_history("d:alice:bob", 151, 30, [&](auto r) { page.set_value(std::move(r)); });
  auto older = page.get_future().get();
  ASSERT_TRUE(older) << older.error().message;
  ASSERT_EQ(older->size(), 30u);
  EXPECT_EQ(older->front().seq, 121u);
  EXPECT_EQ(older->back().seq, 150u);
  EXPECT_EQ(older->back().text, "h150");
  EXPECT_EQ(alice->messages("d:alice:bob", 0, 1000)->size(), 130u);  // now stored locally too
}

TEST(SdkClient, GroupsCanBeCreatedAndTheirSystemMessagesAreStored) {
  ServerProcess server;
  TempDir dir;
  Recorder a, b;
  admin_user_token(server.port(), "carol", "c1");
  auto alice = make_client(fast_options(server.port(), dir.file("alice.db"), "a1"), a);
  auto bob = make_client(fast_options(server.port(), dir.file("bob.db"), "b1"), b);
  ASSERT_TRUE(use_token(*alice, admin_user_token(server.port(), "alice", "a1")));
  ASSERT_TRUE(use_token(*bob, admin_user_token(server.port(), "bob", "b1")));
  ASSERT_TRUE(b.wait_state(ConnectionState::kConnected));
  std::promise<ClientResult<ConversationRecord>> created;
  alice->create_group("Trip", {"bob"}, [&](auto r) { created.set_value(std::move(r)); });
  auto group = created.get_future().get();
  ASSERT_TRUE(group) << group.error().message;
  EXPECT_EQ(group->kind, "GROUP");
  EXPECT_EQ(group->name, "Trip");
  std::promise<ClientResult<uint64_t>> added;
  alice->add_members(group->conversation_id, {"carol"}, [&](auto r) { added.set_value(std::move(r)); });
  auto seq = added.get_future().get();
  ASSERT_TRUE(seq);
  EXPECT_EQ(*seq, 2u);
  ASSERT_TRUE(alice->send_text(group->conversation_id, "welcome"));
  ASSERT_TRUE(b.wait([&] { return b.messages.size() == 3; }));
  EXPECT_EQ(b.messages[0].kind, "SYSTEM");
  EXPECT_EQ(b.messages[2].text, "welcome");
  ASSERT_TRUE(a.wait([&] { return a.sent.size() == 1; }));
  auto at_alice = alice->messages(group->conversation_id, 0, 10);
  ASSERT_TRUE(at_alice);
  ASSERT_EQ(at_alice->size(), 3u);  // the system message of her own change was fetched
  EXPECT_EQ((*at_alice)[1].kind, "SYSTEM");

  std::promise<ClientResult<uint64_t>> refused;
  bob->add_members(group->conversation_id, {"carol"}, [&](auto r) { refused.set_value(std::move(r)); });
  auto r = refused.get_future().get();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, v1::PERMISSION_DENIED);
}

TEST(SdkClient, FailedMessagesReportWhyAndCanBeCancelledOrResent) {
  ServerProcess server({"--max-text-bytes", "1024"});
  TempDir dir;
  Recorder a;
  auto alice = make_client(fast_options(server.port(), dir.file("alice.db"), "a1"), a);
  ASSERT_TRUE(use_token(*alice, admin_user_token(server.port(), "alice", "a1")));
  admin_user_token(server.port(), "bob", "b1");
  ASSERT_TRUE(a.wait_state(ConnectionState::kConnected));
  auto big = alice->send_text("d:alice:bob", std::string(2000, 'x'));
  auto nobody = alice->send_text("d:alice:nobody", "hello?");
  auto fine = alice->send_text("d:alice:bob", "fine");
  ASSERT_TRUE(big && nobody && fine);
  ASSERT_TRUE(a.wait([&] { return a.failed.size() == 2 && a.sent.size() == 1; }));
  EXPECT_EQ(a.sent[*fine], 1u);  // a failed message does not block the next one
  EXPECT_NE(a.failed[*big].find("1024"), std::string::npos) << a.failed[*big];
  auto record = alice->find_message(*big);
  ASSERT_TRUE(record);
  EXPECT_EQ(record->state, SendState::kFailed);
  ASSERT_TRUE(alice->cancel(*big));
  EXPECT_FALSE(alice->find_message(*big));
  ASSERT_TRUE(alice->resend(*nobody));
  ASSERT_TRUE(a.wait([&] {
    return std::count_if(a.sends.begin(), a.sends.end(), [&](const SendUpdate& u) {
             return u.client_msg_id == *nobody && u.state == SendState::kFailed;
           }) == 2;
  }));
  EXPECT_FALSE(alice->resend(*fine)) << "only failed messages can be resent";
  auto unsent = alice->unsent(10);
  ASSERT_TRUE(unsent);
  ASSERT_EQ(unsent->size(), 1u);
  EXPECT_EQ((*unsent)[0].client_msg_id, *nobody);
  EXPECT_EQ((*unsent)[0].state, SendState::kFailed);
}

TEST(SdkClient, SignedOutByTheServerStopsRetrying) {
  ServerProcess server;
  TempDir dir;
  Recorder a;
  auto alice = make_client(fast_options(server.port(), dir.file("alice.db"), "a1"), a);
  ASSERT_TRUE(use_token(*alice, admin_user_token(server.port(), "alice", "a1")));
  ASSERT_TRUE(a.wait_state(ConnectionState::kConnected));
  auto r = http_request(server.port(), "DELETE", "/v1/admin/users/alice/sessions", "", ServerProcess::kAdminSecret);
  ASSERT_EQ(r.status, 200);
  ASSERT_TRUE(a.wait_state(ConnectionState::kKicked));
  EXPECT_NE(a.locked([&] { return a.last_detail; }).find("REVOKED"), std::string::npos);
  alice->network_changed();  // a hint does not revive a revoked session
  EXPECT_FALSE(a.wait([&] { return a.states.back() != ConnectionState::kKicked; }, 500ms));

  // A new client on the same database finds no usable session. (A new variable after its recorder: the client
  // must go before the recorder it calls.)
  alice.reset();
  Recorder a2;
  auto alice_again = make_client(fast_options(server.port(), dir.file("alice.db"), "a1"), a2);
  alice_again->start();
  ASSERT_TRUE(a2.wait_state(ConnectionState::kLoggedOut));
}

TEST(SdkClient, LogoutEndsTheSessionOnTheServerAndKeepsLocalData) {
  ServerProcess server;
  TempDir dir;
  Recorder a;
  auto alice = make_client(fast_options(server.port(), dir.file("alice.db"), "a1"), a);
  std::promise<bool> registered;
  alice->register_and_login("alice", "alice-pass-1", "", [&](auto r) { registered.set_value(r.has_value()); });
  ASSERT_TRUE(registered.get_future().get());
  ASSERT_TRUE(a.wait_state(ConnectionState::kConnected));
  admin_user_token(server.port(), "bob", "b1");
  auto id = alice->send_text("d:alice:bob", "before logout");
  ASSERT_TRUE(id);
  ASSERT_TRUE(a.wait([&] { return a.sent.contains(*id); }));
  std::promise<ClientResult<void>> done;
  alice->logout([&](ClientResult<void> r) { done.set_value(std::move(r)); });
  ASSERT_TRUE(done.get_future().get());
  ASSERT_TRUE(a.wait_state(ConnectionState::kLoggedOut));
  EXPECT_EQ(alice->messages("d:alice:bob", 0, 10)->size(), 1u);
  alice.reset();
  Recorder a2;  // before the client that calls it, so that it outlives the client
  auto alice_again = make_client(fast_options(server.port(), dir.file("alice.db"), "a1"), a2);
  alice_again->start();
  ASSERT_TRUE(a2.wait_state(ConnectionState::kLoggedOut));  // no token kept
  // Logging in again on the same database works and keeps the history.
  std::promise<bool> again;
  alice_again->login("alice", "alice-pass-1", [&](auto r) { again.set_value(r.has_value()); });
  ASSERT_TRUE(again.get_future().get());
  ASSERT_TRUE(a2.wait_state(ConnectionState::kConnected));
  EXPECT_EQ(alice_again->messages("d:alice:bob", 0, 10)->size(), 1u);
  // Another user cannot use this database.
  std::promise<ClientResult<SessionSummary>> other;
  alice_again->login("bob", "whatever-pass", [&](auto r) { other.set_value(std::move(r)); });
  auto r = other.get_future().get();
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("belongs to alice"), std::string::npos);
}

TEST(SdkClient, AnUnknownTokenIsAnAuthFailureNotARetryLoop) {
  ServerProcess server;
  TempDir dir;
  Recorder a;
  auto alice = make_client(fast_options(server.port(), dir.file("alice.db"), "a1"), a);
  std::promise<ClientResult<SessionSummary>> done;
  alice->use_token("not-a-token", [&](auto r) { done.set_value(std::move(r)); });
  auto r = done.get_future().get();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, v1::UNAUTHENTICATED);
  ASSERT_TRUE(a.wait_state(ConnectionState::kAuthFailed));
}

}  // namespace
}  // namespace parley::testing
