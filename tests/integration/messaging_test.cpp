// Direct and group messaging: acks, seqs, fan-out to exactly the right devices, idempotent resends.
#include "helpers.h"

namespace parley::testing {
namespace {

using protocol::Encoding;
constexpr auto kQuiet = 300ms;  // long enough for a wrongly routed event to show up on loopback

TEST(Messaging, DirectMessageReachesEveryDeviceOfBothUsersAndNobodyElse) {
  ServerProcess server;
  auto alice1 = connect_as(server, "alice", "a1", Encoding::kJson);
  auto alice2 = connect_as(server, "alice", "a2", Encoding::kBinary);
  auto bob = connect_as(server, "bob", "b1", Encoding::kBinary);
  auto carol = connect_as(server, "carol", "c1", Encoding::kJson);

  auto ack = alice1->send_text("d:alice:bob", "hello bob", "m-1");
  EXPECT_EQ(ack.seq(), 1u);
  EXPECT_FALSE(ack.server_msg_id().empty());
  EXPECT_GT(ack.timestamp_ms(), 0);

  auto at_bob = bob->wait_message();
  ASSERT_TRUE(at_bob);
  EXPECT_EQ(at_bob->text(), "hello bob");
  EXPECT_EQ(at_bob->sender_id(), "alice");
  EXPECT_EQ(at_bob->seq(), 1u);
  EXPECT_EQ(at_bob->client_msg_id(), "m-1");
  EXPECT_EQ(at_bob->server_msg_id(), ack.server_msg_id());
  auto at_alice2 = alice2->wait_message();  // the sender's other device
  ASSERT_TRUE(at_alice2);
  EXPECT_EQ(at_alice2->seq(), 1u);
  EXPECT_TRUE(alice1->quiet_for(kQuiet));  // the sending connection has its ack instead
  EXPECT_TRUE(carol->quiet_for(kQuiet));

  auto reply = bob->send_text("d:alice:bob", "hi alice (from a binary client)");
  EXPECT_EQ(reply.seq(), 2u);
  auto at_alice1 = alice1->wait_message();
  ASSERT_TRUE(at_alice1);
  EXPECT_EQ(at_alice1->text(), "hi alice (from a binary client)");
}

TEST(Messaging, SeqsAreContiguousAndArriveInOrder) {
  ServerProcess server;
  auto alice = connect_as(server, "alice", "a");
  auto bob = connect_as(server, "bob", "b");
  for (uint64_t i = 1; i <= 20; ++i) {
    auto& sender = i % 3 ? alice : bob;
    EXPECT_EQ(sender->send_text("d:alice:bob", "n" + std::to_string(i)).seq(), i);
  }
  // Bob sees alice's messages in seq order (his own come back only as acks).
  uint64_t last = 0;
  for (int n = 0; n < 14; ++n) {
    auto m = bob->wait_message();
    ASSERT_TRUE(m);
    EXPECT_GT(m->seq(), last);
    last = m->seq();
  }
}

TEST(Messaging, ResendWithTheSameClientMsgIdIsIdempotent) {
  ServerProcess server;
  auto alice = connect_as(server, "alice", "a");
  auto bob = connect_as(server, "bob", "b");
  auto first = alice->send_text("d:alice:bob", "once", "retry-me");
  auto second = alice->send_text("d:alice:bob", "once", "retry-me");
  EXPECT_FALSE(first.duplicate());
  EXPECT_TRUE(second.duplicate());
  EXPECT_EQ(second.seq(), first.seq());
  EXPECT_EQ(second.server_msg_id(), first.server_msg_id());
  auto next = alice->send_text("d:alice:bob", "twice", "another");
  EXPECT_EQ(next.seq(), 2u);
  auto m1 = bob->wait_message();
  auto m2 = bob->wait_message();
  ASSERT_TRUE(m1 && m2);
  EXPECT_EQ(m1->seq(), 1u);
  EXPECT_EQ(m2->seq(), 2u);  // exactly one event for the resent message
}

TEST(Messaging, SendingWhereYouDoNotBelongIsRefused) {
  ServerProcess server;
  auto alice = connect_as(server, "alice", "a");
  auto bob = connect_as(server, "bob", "b");
  auto carol = connect_as(server, "carol", "c");
  alice->send_text("d:alice:bob", "private");
  auto send = [&](WsClient& c, const std::string& conv, const std::string& text) {
    v1::ClientFrame f;
    f.mutable_send_message()->set_conversation_id(conv);
    f.mutable_send_message()->set_client_msg_id("x" + std::to_string(text.size()));
    f.mutable_send_message()->set_text(text);
    return c.call(f);
  };
  EXPECT_ERROR(send(*carol, "d:alice:bob", "let me in"), v1::PERMISSION_DENIED);
  EXPECT_ERROR(send(*alice, "d:alice:nobody", "hello?"), v1::NOT_FOUND);
  EXPECT_ERROR(send(*alice, "alice-bob", "bad id"), v1::INVALID_ARGUMENT);
  EXPECT_ERROR(send(*alice, "d:alice:bob", ""), v1::INVALID_ARGUMENT);
  EXPECT_ERROR(send(*alice, "d:alice:bob", std::string(17 * 1024, 'x')), v1::TOO_LARGE);
  v1::ClientFrame pull;
  pull.mutable_pull_messages()->set_conversation_id("d:alice:bob");
  EXPECT_ERROR(carol->call(pull), v1::PERMISSION_DENIED);
  EXPECT_TRUE(bob->wait_message());
  EXPECT_TRUE(bob->quiet_for(kQuiet));
}

TEST(Messaging, GroupLifecycle) {
  ServerProcess server;
  auto alice = connect_as(server, "alice", "a", Encoding::kJson);
  auto bob = connect_as(server, "bob", "b");
  auto carol = connect_as(server, "carol", "c");

  v1::ClientFrame create;
  create.mutable_create_group()->set_name("Climbing");
  create.mutable_create_group()->add_member_ids("bob");
  auto created = alice->call(create);
  ASSERT_TRUE(created.has_create_group()) << created.ShortDebugString();
  const std::string group = created.create_group().conversation().conversation_id();
  EXPECT_TRUE(group.starts_with("g:"));
  auto notice = bob->wait_message();
  ASSERT_TRUE(notice);
  EXPECT_EQ(notice->kind(), v1::SYSTEM);
  EXPECT_EQ(notice->system().action(), v1::SystemEvent::GROUP_CREATED);
  EXPECT_TRUE(carol->quiet_for(kQuiet));

  EXPECT_EQ(alice->send_text(group, "first climb saturday?").seq(), 2u);
  EXPECT_EQ(bob->wait_message()->text(), "first climb saturday?");

  v1::ClientFrame bob_adds;
  bob_adds.mutable_add_members()->set_conversation_id(group);
  bob_adds.mutable_add_members()->add_user_ids("carol");
  EXPECT_ERROR(bob->call(bob_adds), v1::PERMISSION_DENIED);  // members cannot add; owner and admins can
  auto added = alice->call(bob_adds);
  ASSERT_TRUE(added.has_add_members()) << added.ShortDebugString();
  EXPECT_EQ(added.add_members().seq(), 3u);
  auto welcome = carol->wait_message();
  ASSERT_TRUE(welcome);
  EXPECT_EQ(welcome->system().action(), v1::SystemEvent::MEMBERS_ADDED);

  carol->send_text(group, "hi all");
  EXPECT_EQ(alice->wait_message()->text(), "hi all");
  auto at_bob = bob->wait_event([](const v1::Event& e) { return e.has_message() && e.message().text() == "hi all"; });
  EXPECT_TRUE(at_bob);

  v1::ClientFrame remove;
  remove.mutable_remove_members()->set_conversation_id(group);
  remove.mutable_remove_members()->add_user_ids("bob");
  ASSERT_TRUE(alice->call(remove).has_remove_members());
  auto removal = bob->wait_event([](const v1::Event& e) {
    return e.has_message() && e.message().system().action() == v1::SystemEvent::MEMBERS_REMOVED;
  });
  ASSERT_TRUE(removal);
  v1::ClientFrame bob_send;
  bob_send.mutable_send_message()->set_conversation_id(group);
  bob_send.mutable_send_message()->set_client_msg_id("late");
  bob_send.mutable_send_message()->set_text("wait");
  EXPECT_ERROR(bob->call(bob_send), v1::PERMISSION_DENIED);
  alice->send_text(group, "after bob left");
  EXPECT_TRUE(bob->quiet_for(kQuiet));

  // Bob can still read what he was part of, up to his removal, and no further.
  v1::ClientFrame pull;
  pull.mutable_pull_messages()->set_conversation_id(group);
  auto history = bob->call(pull);
  ASSERT_TRUE(history.has_pull_messages());
  ASSERT_EQ(history.pull_messages().messages_size(), 5);
  EXPECT_EQ(history.pull_messages().messages(4).system().action(), v1::SystemEvent::MEMBERS_REMOVED);
  // Carol joined at seq 3 and does not see the messages before it.
  auto carol_history = carol->call(pull);
  ASSERT_TRUE(carol_history.has_pull_messages());
  EXPECT_EQ(carol_history.pull_messages().messages(0).seq(), 3u);
}

TEST(Messaging, ThreeDevicesOfOneUserStayInSync) {
  ServerProcess server;
  auto d1 = connect_as(server, "alice", "d1", Encoding::kJson);
  auto d2 = connect_as(server, "alice", "d2", Encoding::kBinary);
  auto d3 = connect_as(server, "alice", "d3", Encoding::kJson);
  auto bob = connect_as(server, "bob", "b");
  bob->send_text("d:alice:bob", "one");
  bob->send_text("d:alice:bob", "two");
  for (auto* d : {d1.get(), d2.get(), d3.get()}) {
    EXPECT_EQ(d->wait_message()->text(), "one");
    EXPECT_EQ(d->wait_message()->text(), "two");
  }
  v1::ClientFrame read;
  read.mutable_mark_read()->set_conversation_id("d:alice:bob");
  read.mutable_mark_read()->set_seq(2);
  auto marked = d1->call(read);
  ASSERT_TRUE(marked.has_mark_read()) << marked.ShortDebugString();
  EXPECT_EQ(marked.mark_read().read_seq(), 2u);
  for (auto* d : {d2.get(), d3.get()}) {
    auto e = d->wait_event([](const v1::Event& e) { return e.has_read(); });
    ASSERT_TRUE(e);
    EXPECT_EQ(e->event().read().read_seq(), 2u);
  }
  d2->send_text("d:alice:bob", "from d2");
  EXPECT_EQ(d1->wait_message()->text(), "from d2");
  EXPECT_EQ(d3->wait_message()->text(), "from d2");
  EXPECT_EQ(bob->wait_message()->text(), "from d2");

  v1::ClientFrame sync;
  sync.mutable_sync();
  auto state = d3->call(sync);
  ASSERT_EQ(state.sync().conversations_size(), 1);
  EXPECT_EQ(state.sync().conversations(0).read_seq(), 3u);  // sending marks read
  EXPECT_EQ(state.sync().conversations(0).unread_count(), 0u);
  EXPECT_EQ(state.sync().conversations(0).last_message().text(), "from d2");
}

TEST(Messaging, ReadEventOnlyWhenTheCursorMoves) {
  ServerProcess server;
  auto d1 = connect_as(server, "alice", "d1", Encoding::kJson);
  auto d2 = connect_as(server, "alice", "d2", Encoding::kBinary);
  auto bob = connect_as(server, "bob", "b");
  bob->send_text("d:alice:bob", "one");
  bob->send_text("d:alice:bob", "two");
  for (auto* d : {d1.get(), d2.get()}) {
    ASSERT_TRUE(d->wait_message());
    ASSERT_TRUE(d->wait_message());
  }
  auto mark = [&](uint64_t seq) {
    v1::ClientFrame read;
    read.mutable_mark_read()->set_conversation_id("d:alice:bob");
    read.mutable_mark_read()->set_seq(seq);
    auto marked = d1->call(read);
    EXPECT_TRUE(marked.has_mark_read()) << marked.ShortDebugString();
    return marked.mark_read().read_seq();
  };
  EXPECT_EQ(mark(0), 0u);  // nothing read yet, nothing moves
  EXPECT_TRUE(d2->quiet_for(kQuiet));
  EXPECT_EQ(mark(2), 2u);
  auto moved = d2->wait_event([](const v1::Event& e) { return e.has_read(); });
  ASSERT_TRUE(moved);
  EXPECT_EQ(moved->event().read().read_seq(), 2u);
  EXPECT_EQ(mark(1), 2u);  // below the cursor: answered with the cursor, but no event
  EXPECT_TRUE(d2->quiet_for(kQuiet));
}

TEST(Messaging, OfflineDeviceGetsEverythingInOrderAfterReconnecting) {
  ServerProcess server;
  std::string token = admin_user_token(server.port(), "alice", "phone");
  uint64_t cursor = 0;
  {
    WsClient phone(server.port(), Encoding::kBinary);
    phone.authenticate(token);
    v1::ClientFrame sync;
    sync.mutable_sync();
    cursor = phone.call(sync).sync().cursor();
  }
  auto bob = connect_as(server, "bob", "b");
  for (int i = 1; i <= 30; ++i) bob->send_text("d:alice:bob", "msg " + std::to_string(i));

  WsClient phone(server.port(), Encoding::kBinary);
  phone.authenticate(token);
  v1::ClientFrame sync;
  sync.mutable_sync()->set_cursor(cursor);
  auto changed = phone.call(sync);
  ASSERT_EQ(changed.sync().conversations_size(), 1);
  const auto& conv = changed.sync().conversations(0);
  EXPECT_EQ(conv.conversation_id(), "d:alice:bob");
  EXPECT_EQ(conv.max_seq(), 30u);
  EXPECT_EQ(conv.unread_count(), 30u);
  EXPECT_EQ(conv.last_message().text(), "msg 30");

  // Page forward 8 at a time from the start.
  std::vector<std::string> texts;
  uint64_t after = 0;
  for (int page = 0; page < 10; ++page) {
    v1::ClientFrame pull;
    pull.mutable_pull_messages()->set_conversation_id("d:alice:bob");
    pull.mutable_pull_messages()->set_after_seq(after);
    pull.mutable_pull_messages()->set_limit(8);
    auto got = phone.call(pull);
    ASSERT_TRUE(got.has_pull_messages()) << got.ShortDebugString();
    for (const auto& m : got.pull_messages().messages()) {
      EXPECT_EQ(m.seq(), after + 1);
      after = m.seq();
      texts.push_back(m.text());
    }
    if (got.pull_messages().end()) break;
  }
  ASSERT_EQ(texts.size(), 30u);
  EXPECT_EQ(texts.front(), "msg 1");
  EXPECT_EQ(texts.back(), "msg 30");

  // Paging backwards from the newest.
  v1::ClientFrame back;
  back.mutable_pull_messages()->set_conversation_id("d:alice:bob");
  back.mutable_pull_messages()->set_before_seq(11);
  back.mutable_pull_messages()->set_limit(20);
  auto older = phone.call(back);
  ASSERT_EQ(older.pull_messages().messages_size(), 10);
  EXPECT_EQ(older.pull_messages().messages(0).seq(), 10u);  // newest first
  EXPECT_TRUE(older.pull_messages().end());
}

}  // namespace
}  // namespace parley::testing
