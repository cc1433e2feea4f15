// Per-user conversation state: settings synced across devices, hiding, unread totals, receipts.
#include "helpers.h"

namespace parley::testing {
namespace {

constexpr auto kQuiet = 300ms;

v1::ServerFrame settings(WsClient& c, const std::string& conv, const std::function<void(v1::UpdateConversationSettingsRequest&)>& fill) {
  return c.call(frame([&](auto& f) {
    auto* s = f.mutable_update_conversation_settings();
    s->set_conversation_id(conv);
    fill(*s);
  }));
}

TEST(ConversationState, SettingsReachMyOtherDevicesAndSurviveInSync) {
  ServerProcess server;
  auto alice = connect_as(server, "alice", "a1");
  auto alice2 = connect_as(server, "alice", "a2");
  auto bob = connect_as(server, "bob", "b");
  const std::string conv = "d:alice:bob";
  bob->send_text(conv, "hi");

  auto out = settings(*alice, conv, [](auto& s) {
    s.set_pinned(true);
    s.set_muted_until_ms(4102444800000);
    s.set_draft("half a thought");
    s.set_custom_data(R"({"color":"blue"})");
  });
  ASSERT_FALSE(out.has_error()) << out.ShortDebugString();
  EXPECT_TRUE(out.update_conversation_settings().settings().pinned());
  auto event = wait_for_event(*alice2, v1::Event::kSettings);
  ASSERT_TRUE(event);
  EXPECT_EQ(event->settings().settings().draft(), "half a thought");
  EXPECT_TRUE(bob->quiet_for(kQuiet));  // settings are private

  // Only the fields that are set change.
  out = settings(*alice2, conv, [](auto& s) { s.set_archived(true); });
  EXPECT_TRUE(out.update_conversation_settings().settings().pinned());
  EXPECT_TRUE(out.update_conversation_settings().settings().archived());

  auto tablet = connect_as(server, "alice", "a3");
  auto view = summary_of(*tablet, conv);
  EXPECT_TRUE(view.settings().pinned());
  EXPECT_TRUE(view.settings().archived());
  EXPECT_EQ(view.settings().muted_until_ms(), 4102444800000);
  EXPECT_EQ(view.settings().custom_data(), R"({"color":"blue"})");
  EXPECT_EQ(summary_of(*bob, conv).settings().pinned(), false);
  EXPECT_ERROR(settings(*alice, conv, [](auto& s) { s.set_custom_data(std::string(5000, 'x')); }), v1::TOO_LARGE);
  EXPECT_ERROR(settings(*alice, "d:bob:carol", [](auto& s) { s.set_pinned(true); }), v1::PERMISSION_DENIED);
}

TEST(ConversationState, AHiddenConversationComesBackWithTheNextMessage) {
  ServerProcess server;
  auto alice = connect_as(server, "alice", "a");
  auto bob = connect_as(server, "bob", "b");
  const std::string conv = "d:alice:bob";
  bob->send_text(conv, "one");
  auto out = settings(*alice, conv, [](auto& s) { s.set_hidden(true); });
  EXPECT_TRUE(out.update_conversation_settings().hidden());
  EXPECT_TRUE(summary_of(*alice, conv).hidden());
  bob->send_text(conv, "two");
  EXPECT_FALSE(summary_of(*alice, conv).hidden());
}

TEST(ConversationState, UnreadTotalsCountVisibleConversationsAndSkipMutedOnesWhereAsked) {
  ServerProcess server;
  auto alice = connect_as(server, "alice", "a");
  auto bob = connect_as(server, "bob", "b");
  auto carol = connect_as(server, "carol", "c");
  for (int i = 0; i < 3; ++i) bob->send_text("d:alice:bob", "b" + std::to_string(i));
  for (int i = 0; i < 2; ++i) carol->send_text("d:alice:carol", "c" + std::to_string(i));
  ASSERT_FALSE(settings(*alice, "d:alice:carol", [](auto& s) { s.set_muted_until_ms(4102444800000); }).has_error());
  auto total = must(*alice, frame([](auto& f) { f.mutable_get_unread_total(); })).get_unread_total();
  EXPECT_EQ(total.unread(), 5u);
  EXPECT_EQ(total.unread_unmuted(), 3u);
  EXPECT_EQ(total.conversations(), 2u);
  must(*alice, frame([](auto& f) {
    f.mutable_mark_read()->set_conversation_id("d:alice:bob");
    f.mutable_mark_read()->set_seq(2);
  }));
  total = must(*alice, frame([](auto& f) { f.mutable_get_unread_total(); })).get_unread_total();
  EXPECT_EQ(total.unread(), 3u);
  // A mute that has ended is no mute.
  ASSERT_FALSE(settings(*alice, "d:alice:carol", [](auto& s) { s.set_muted_until_ms(1000); }).has_error());
  total = must(*alice, frame([](auto& f) { f.mutable_get_unread_total(); })).get_unread_total();
  EXPECT_EQ(total.unread_unmuted(), 3u);
}

TEST(Receipts, DirectChatsGetDeliveredAndReadReceiptsUnlessTheReaderTurnedThemOff) {
  ServerProcess server;
  auto alice = connect_as(server, "alice", "a");
  auto bob = connect_as(server, "bob", "b");
  const std::string conv = "d:alice:bob";
  alice->send_text(conv, "one");
  alice->send_text(conv, "two");

  must(*bob, frame([&](auto& f) {
    f.mutable_mark_delivered()->set_conversation_id(conv);
    f.mutable_mark_delivered()->set_seq(2);
  }));
  auto receipt = wait_for_event(*alice, v1::Event::kReceipt);
  ASSERT_TRUE(receipt);
  EXPECT_EQ(receipt->receipt().user_id(), "bob");
  EXPECT_EQ(receipt->receipt().delivered_seq(), 2u);
  EXPECT_EQ(receipt->receipt().read_seq(), 0u);
  must(*bob, frame([&](auto& f) {
    f.mutable_mark_read()->set_conversation_id(conv);
    f.mutable_mark_read()->set_seq(1);
  }));
  receipt = wait_for_event(*alice, v1::Event::kReceipt);
  ASSERT_TRUE(receipt);
  EXPECT_EQ(receipt->receipt().read_seq(), 1u);
  auto view = summary_of(*alice, conv);
  EXPECT_EQ(view.peer_read_seq(), 1u);
  EXPECT_EQ(view.peer_delivered_seq(), 2u);

  // Bob turns receipts off: alice hears nothing more and sees no cursor of his.
  must(*bob, frame([](auto& f) { f.mutable_set_privacy()->mutable_privacy()->set_receipts_disabled(true); }));
  must(*bob, frame([&](auto& f) {
    f.mutable_mark_read()->set_conversation_id(conv);
    f.mutable_mark_read()->set_seq(2);
  }));
  EXPECT_FALSE(alice->wait_event([](const v1::Event& e) { return e.has_receipt(); }, kQuiet));
  EXPECT_EQ(summary_of(*alice, conv).peer_read_seq(), 0u);
}

TEST(Receipts, GroupReadListComesFromReadCursors) {
  ServerProcess server;
  auto alice = connect_as(server, "alice", "a");
  auto bob = connect_as(server, "bob", "b");
  auto carol = connect_as(server, "carol", "c");
  auto dave = connect_as(server, "dave", "d");
  auto group = must(*alice, frame([](auto& f) {
                 f.mutable_create_group()->set_name("g");
                 for (auto u : {"bob", "carol", "dave"}) f.mutable_create_group()->add_member_ids(u);
               })).create_group().conversation().conversation_id();
  auto seq = alice->send_text(group, "did everyone see this?").seq();
  for (auto* reader : {bob.get(), carol.get()}) {
    must(*reader, frame([&](auto& f) {
      f.mutable_mark_read()->set_conversation_id(group);
      f.mutable_mark_read()->set_seq(seq);
    }));
  }
  auto receipts = must(*alice, frame([&](auto& f) {
                    f.mutable_get_read_receipts()->set_conversation_id(group);
                    f.mutable_get_read_receipts()->set_seq(seq);
                  })).get_read_receipts();
  EXPECT_EQ(receipts.read_count(), 2u);
  EXPECT_EQ(receipts.unread_count(), 1u);  // dave; alice sent it and is not counted
  ASSERT_EQ(receipts.readers_size(), 2);
  EXPECT_EQ(receipts.readers(0), "bob");
  EXPECT_EQ(receipts.readers(1), "carol");

  // Paged by user id.
  auto page = must(*alice, frame([&](auto& f) {
                f.mutable_get_read_receipts()->set_conversation_id(group);
                f.mutable_get_read_receipts()->set_seq(seq);
                f.mutable_get_read_receipts()->set_limit(1);
              })).get_read_receipts();
  ASSERT_EQ(page.readers_size(), 1);
  EXPECT_FALSE(page.end());
  auto outsider = connect_as(server, "erin", "e");
  EXPECT_ERROR(outsider->call(frame([&](auto& f) {
                 f.mutable_get_read_receipts()->set_conversation_id(group);
                 f.mutable_get_read_receipts()->set_seq(seq);
               })),
               v1::PERMISSION_DENIED);
}

}  // namespace
}  // namespace parley::testing
