// Message kinds, mentions, replies and forwards; edits, revokes, reactions; deletion for me.
#include "helpers.h"
#include "http_client.h"
#include "parley/v1/media.pb.h"
#include "protocol/codec.h"

#include <cstdlib>
#include <fstream>
#include <iterator>

namespace parley::testing {
namespace {

using protocol::Encoding;
constexpr auto kQuiet = 300ms;

v1::SendMessageResponse send(WsClient& c, const std::string& conv, v1::Message m, const std::string& cmid) {
  auto out = must(c, frame([&](auto& f) {
    auto* s = f.mutable_send_message();
    s->set_conversation_id(conv);
    s->set_client_msg_id(cmid);
    *s->mutable_message() = m;
  }));
  return out.send_message();
}

v1::ServerFrame try_send(WsClient& c, const std::string& conv, v1::Message m, const std::string& cmid) {
  return c.call(frame([&](auto& f) {
    auto* s = f.mutable_send_message();
    s->set_conversation_id(conv);
    s->set_client_msg_id(cmid);
    *s->mutable_message() = std::move(m);
  }));
}

std::vector<v1::Message> pull_all(WsClient& c, const std::string& conv) {
  auto out = must(c, frame([&](auto& f) {
    f.mutable_pull_messages()->set_conversation_id(conv);
    f.mutable_pull_messages()->set_limit(200);
  }));
  return {out.pull_messages().messages().begin(), out.pull_messages().messages().end()};
}

TEST(MessageKinds, RichKindsArriveAsSentAndUnknownKindsPassThrough) {
  ServerProcess server;
  auto alice = connect_as(server, "alice", "a");
  auto bob = connect_as(server, "bob", "b", Encoding::kJson);

  // A media message names a blob its sender uploaded; the server fills in what the blob is.
  std::string png_path = ::testing::TempDir() + "message-kinds-view.png";
  ASSERT_EQ(std::system(("vips black " + png_path + " 640 480 >/dev/null 2>&1").c_str()), 0);
  std::ifstream in(png_path, std::ios::binary);
  std::string png((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto uploaded = http_call(server.port(), "POST", "/v1/media/blobs",
                            {{"Authorization", "Bearer " + admin_user_token(server.port(), "alice", "http")}}, png);
  ASSERT_EQ(uploaded.status, 201) << uploaded.body;
  v1::BlobInfo blob;
  ASSERT_TRUE(protocol::parse_json(uploaded.body, blob));

  v1::Message image;
  image.set_kind(v1::IMAGE);
  image.set_text("the view");
  image.mutable_media()->set_blob_id(blob.blob_id());
  image.mutable_media()->set_mime_type("image/jpeg");  // claims the server corrects
  image.mutable_media()->set_width(1);
  image.mutable_media()->set_file_name("view.png");
  send(*alice, "d:alice:bob", image, "img");
  auto got = bob->wait_message();
  ASSERT_TRUE(got);
  EXPECT_EQ(got->kind(), v1::IMAGE);
  EXPECT_EQ(got->media().blob_id(), blob.blob_id());
  EXPECT_EQ(got->media().width(), 640u);
  EXPECT_EQ(got->media().height(), 480u);
  EXPECT_EQ(got->media().mime_type(), "image/png");
  EXPECT_EQ(got->media().file_name(), "view.png");

  v1::Message location;
  location.set_kind(v1::LOCATION);
  location.mutable_location()->set_latitude(48.8584);
  location.mutable_location()->set_longitude(2.2945);
  location.mutable_location()->set_name("Tour Eiffel");
  send(*alice, "d:alice:bob", location, "loc");
  got = bob->wait_message();
  ASSERT_TRUE(got);
  EXPECT_DOUBLE_EQ(got->location().latitude(), 48.8584);

  v1::Message custom;
  custom.set_kind(v1::CUSTOM);
  custom.set_custom_type("poll");
  custom.set_custom_data(R"({"question":"lunch?","options":["yes","no"]})");
  send(*alice, "d:alice:bob", custom, "poll");
  got = bob->wait_message();
  ASSERT_TRUE(got);
  EXPECT_EQ(got->custom_type(), "poll");

  // A kind this server does not know (a newer client's) is stored and delivered unchanged.
  v1::Message future;
  future.set_kind(static_cast<v1::MessageKind>(57));
  future.set_text("from the future");
  send(*alice, "d:alice:bob", future, "future");
  got = bob->wait_message();
  ASSERT_TRUE(got);
  EXPECT_EQ(static_cast<int>(got->kind()), 57);
  auto history = pull_all(*bob, "d:alice:bob");
  ASSERT_EQ(history.size(), 4u);
  EXPECT_EQ(static_cast<int>(history[3].kind()), 57);
  EXPECT_EQ(history[3].text(), "from the future");

  // Bad content gets a clear error, and nothing is stored.
  v1::Message bad_media;
  bad_media.set_kind(v1::FILE);
  bad_media.mutable_media()->set_blob_id("b");
  bad_media.mutable_media()->set_file_name("../../etc/passwd");
  EXPECT_ERROR(try_send(*alice, "d:alice:bob", bad_media, "bad1"), v1::INVALID_ARGUMENT);
  v1::Message bad_location;
  bad_location.set_kind(v1::LOCATION);
  bad_location.mutable_location()->set_latitude(91);
  EXPECT_ERROR(try_send(*alice, "d:alice:bob", bad_location, "bad2"), v1::INVALID_ARGUMENT);
  v1::Message bad_json = custom;
  bad_json.set_custom_data("{not json");
  EXPECT_ERROR(try_send(*alice, "d:alice:bob", bad_json, "bad3"), v1::INVALID_ARGUMENT);
  v1::Message forged;
  forged.set_kind(v1::SYSTEM);
  EXPECT_ERROR(try_send(*alice, "d:alice:bob", forged, "bad4"), v1::INVALID_ARGUMENT);
  EXPECT_EQ(pull_all(*bob, "d:alice:bob").size(), 4u);
}

TEST(MessageKinds, MentionsCountSeparatelyAndAtAllIsForAdmins) {
  ServerProcess server;
  auto alice = connect_as(server, "alice", "a");
  auto bob = connect_as(server, "bob", "b");
  auto carol = connect_as(server, "carol", "c");
  auto group = must(*alice, frame([](auto& f) {
                 f.mutable_create_group()->set_name("team");
                 f.mutable_create_group()->add_member_ids("bob");
                 f.mutable_create_group()->add_member_ids("carol");
               })).create_group().conversation().conversation_id();
  v1::Message hi;
  hi.set_kind(v1::TEXT);
  hi.set_text("@bob look");
  hi.add_mentions("bob");
  send(*carol, group, hi, "m1");
  hi.clear_mentions();
  hi.set_text("plain");
  send(*carol, group, hi, "m2");
  hi.set_text("@all meeting");
  hi.set_mention_all(true);
  EXPECT_ERROR(try_send(*carol, group, hi, "m3"), v1::PERMISSION_DENIED);  // carol is a member
  send(*alice, group, hi, "m4");  // alice owns the group

  auto bob_view = summary_of(*bob, group);
  EXPECT_EQ(bob_view.unread_count(), 3u);  // three messages after the group's creation
  EXPECT_EQ(bob_view.mention_count(), 2u);  // his mention and @all
  auto carol_view = summary_of(*carol, group);
  EXPECT_EQ(carol_view.mention_count(), 1u);  // @all only (her own messages are read)
  EXPECT_EQ(carol_view.unread_count(), 1u);

  // One message naming bob and @all is one mention; a revoked one is none.
  hi.add_mentions("bob");
  auto both = send(*alice, group, hi, "m5");
  EXPECT_EQ(summary_of(*bob, group).mention_count(), 3u);
  must(*alice, frame([&](auto& f) {
    f.mutable_revoke_message()->set_conversation_id(group);
    f.mutable_revoke_message()->set_seq(both.seq());
  }));
  EXPECT_EQ(summary_of(*bob, group).mention_count(), 2u);

  // A member added later has not "missed" the history shown to them, nor its mentions.
  must(*alice, frame([&](auto& f) {
    f.mutable_update_group()->set_conversation_id(group);
    f.mutable_update_group()->set_history_visible(true);
  }));
  auto dave = connect_as(server, "dave", "d");
  must(*alice, frame([&](auto& f) {
    f.mutable_add_members()->set_conversation_id(group);
    f.mutable_add_members()->add_user_ids("dave");
  }));
  auto dave_view = summary_of(*dave, group);
  EXPECT_EQ(dave_view.min_seq(), 1u);
  EXPECT_EQ(dave_view.unread_count(), 0u);
  EXPECT_EQ(dave_view.mention_count(), 0u);
}

TEST(MessageKinds, RepliesQuoteAndForwardsCopyTheSource) {
  ServerProcess server;
  auto alice = connect_as(server, "alice", "a");
  auto bob = connect_as(server, "bob", "b");
  auto carol = connect_as(server, "carol", "c");
  alice->send_text("d:alice:bob", "original words");
  alice->send_text("d:alice:bob", "second one");

  v1::Message reply;
  reply.set_kind(v1::TEXT);
  reply.set_text("agreed");
  reply.mutable_reply_to()->set_seq(1);
  send(*bob, "d:alice:bob", reply, "r1");
  auto at_alice = alice->wait_message();
  ASSERT_TRUE(at_alice);
  EXPECT_EQ(at_alice->reply_to().seq(), 1u);
  EXPECT_EQ(at_alice->reply_to().sender_id(), "alice");  // filled in by the server
  reply.mutable_reply_to()->set_seq(99);
  EXPECT_ERROR(try_send(*bob, "d:alice:bob", reply, "r2"), v1::NOT_FOUND);
  // A refused first message leaves no conversation behind.
  reply.mutable_reply_to()->set_seq(1);
  EXPECT_TRUE(try_send(*carol, "d:alice:carol", reply, "r3").has_error());
  auto alice_sync = must(*alice, frame([](auto& f) { f.mutable_sync(); }));
  for (const auto& c : alice_sync.sync().conversations()) EXPECT_NE(c.conversation_id(), "d:alice:carol");

  // Bob forwards alice's message to carol: carol gets the source's content, whatever bob claims.
  v1::Message forward;
  forward.set_kind(v1::TEXT);
  forward.set_text("forged content");
  forward.mutable_forwarded_from()->set_conversation_id("d:alice:bob");
  forward.mutable_forwarded_from()->set_seq(1);
  send(*bob, "d:bob:carol", forward, "f1");
  auto at_carol = carol->wait_message();
  ASSERT_TRUE(at_carol);
  EXPECT_EQ(at_carol->text(), "original words");
  EXPECT_EQ(at_carol->forwarded_from().sender_id(), "alice");
  EXPECT_EQ(at_carol->sender_id(), "bob");

  // Merged forward of two messages.
  v1::Message merged;
  merged.set_kind(v1::MERGED_FORWARD);
  for (uint64_t seq : {1, 2}) {
    auto* e = merged.add_merged();
    e->set_conversation_id("d:alice:bob");
    e->set_seq(seq);
  }
  send(*bob, "d:bob:carol", merged, "f2");
  at_carol = carol->wait_message();
  ASSERT_TRUE(at_carol);
  ASSERT_EQ(at_carol->merged_size(), 2);
  EXPECT_EQ(at_carol->merged(1).text(), "second one");
  EXPECT_EQ(at_carol->merged(1).sender_id(), "alice");

  // Carol forwards the bundle on to dave: its entries come along although dave (and carol) were never in
  // the conversation they came from.
  v1::Message onward;
  onward.set_kind(v1::TEXT);
  onward.mutable_forwarded_from()->set_conversation_id("d:bob:carol");
  onward.mutable_forwarded_from()->set_seq(at_carol->seq());
  auto dave = connect_as(server, "dave", "d");
  send(*carol, "d:carol:dave", onward, "f4");
  auto at_dave = dave->wait_message();
  ASSERT_TRUE(at_dave);
  EXPECT_EQ(at_dave->kind(), v1::MERGED_FORWARD);
  ASSERT_EQ(at_dave->merged_size(), 2);
  EXPECT_EQ(at_dave->merged(0).text(), "original words");

  // Only a merged forward carries copies: a text message cannot smuggle in made-up ones.
  v1::Message smuggler;
  smuggler.set_kind(v1::TEXT);
  smuggler.set_text("look what alice said");
  smuggler.add_merged()->set_text("I owe bob $1000");
  send(*bob, "d:bob:carol", smuggler, "f5");
  at_carol = carol->wait_message();
  ASSERT_TRUE(at_carol);
  EXPECT_EQ(at_carol->merged_size(), 0);

  // Carol cannot forward what she cannot read.
  forward.mutable_forwarded_from()->set_seq(2);
  EXPECT_ERROR(try_send(*carol, "d:bob:carol", forward, "f3"), v1::PERMISSION_DENIED);
}

v1::OperationResponse edit(WsClient& c, const std::string& conv, uint64_t seq, const std::string& text) {
  return must(c, frame([&](auto& f) {
           f.mutable_edit_message()->set_conversation_id(conv);
           f.mutable_edit_message()->set_seq(seq);
           f.mutable_edit_message()->set_text(text);
         })).edit_message();
}

v1::ServerFrame react(WsClient& c, const std::string& conv, uint64_t seq, const std::string& emoji, bool remove = false) {
  return c.call(frame([&](auto& f) {
    f.mutable_react()->set_conversation_id(conv);
    f.mutable_react()->set_seq(seq);
    f.mutable_react()->set_emoji(emoji);
    f.mutable_react()->set_remove(remove);
  }));
}

v1::ServerFrame revoke(WsClient& c, const std::string& conv, uint64_t seq) {
  return c.call(frame([&](auto& f) {
    f.mutable_revoke_message()->set_conversation_id(conv);
    f.mutable_revoke_message()->set_seq(seq);
  }));
}

TEST(Operations, EditRevokeAndReactReachEveryDeviceAndAnOfflineDeviceSeesTheFinalState) {
  ServerProcess server;
  auto alice = connect_as(server, "alice", "a1");
  auto alice_phone = connect_as(server, "alice", "a2");
  auto bob = connect_as(server, "bob", "b1");
  const std::string conv = "d:alice:bob";
  alice->send_text(conv, "helo");           // 1
  alice->send_text(conv, "to be revoked");  // 2
  ASSERT_TRUE(bob->wait_message());
  ASSERT_TRUE(bob->wait_message());

  auto edited = edit(*alice, conv, 1, "hello");
  EXPECT_EQ(edited.seq(), 3u);  // the edit has a seq of its own
  EXPECT_EQ(edited.target().text(), "hello");
  EXPECT_EQ(edited.target().edit_count(), 1u);
  auto op = bob->wait_message();
  ASSERT_TRUE(op);
  EXPECT_EQ(op->kind(), v1::EDIT);
  EXPECT_EQ(op->target_seq(), 1u);
  EXPECT_EQ(op->text(), "hello");
  // The editor's other device hears of it too (after the two messages it also got).
  auto on_my_phone = alice_phone->wait_event([](const v1::Event& e) { return e.message().kind() == v1::EDIT; });
  ASSERT_TRUE(on_my_phone);
  EXPECT_EQ(on_my_phone->event().message().target_seq(), 1u);

  EXPECT_FALSE(react(*bob, conv, 1, "👍").has_error());
  EXPECT_FALSE(react(*alice_phone, conv, 1, "👍").has_error());
  auto again = react(*bob, conv, 1, "👍");  // already there: nothing new
  EXPECT_TRUE(again.react().duplicate());
  EXPECT_EQ(again.react().seq(), 0u);
  EXPECT_FALSE(revoke(*alice, conv, 2).has_error());

  // Bob's laptop was offline through all of it: a pull shows the final state of each message.
  auto laptop = connect_as(server, "bob", "b2");
  auto history = pull_all(*laptop, conv);
  ASSERT_EQ(history.size(), 6u);  // 2 messages, 1 edit, 2 reactions, 1 revoke
  EXPECT_EQ(history[0].text(), "hello");
  EXPECT_GT(history[0].edited_at_ms(), 0);
  ASSERT_EQ(history[0].reactions_size(), 1);
  EXPECT_EQ(history[0].reactions(0).emoji(), "👍");
  EXPECT_EQ(history[0].reactions(0).count(), 2u);
  EXPECT_TRUE(history[1].revoked());
  EXPECT_TRUE(history[1].text().empty());
  EXPECT_EQ(history[5].kind(), v1::REVOKE);

  // Unread counts skip the operations; the last message is not an operation either.
  auto view = summary_of(*laptop, conv);
  EXPECT_EQ(view.unread_count(), 2u);
  EXPECT_EQ(view.last_message().seq(), 2u);
  EXPECT_TRUE(view.last_message().revoked());

  auto who = must(*laptop, frame([&](auto& f) {
    f.mutable_list_reactions()->set_conversation_id(conv);
    f.mutable_list_reactions()->set_seq(1);
    f.mutable_list_reactions()->set_emoji("👍");
  }));
  ASSERT_EQ(who.list_reactions().reactions_size(), 2);
  EXPECT_EQ(who.list_reactions().reactions(0).user_id(), "alice");
  EXPECT_EQ(who.list_reactions().reactions(1).user_id(), "bob");
  EXPECT_ERROR(laptop->call(frame([&](auto& f) {
                 f.mutable_list_reactions()->set_conversation_id(conv);
                 f.mutable_list_reactions()->set_seq(1);
                 f.mutable_list_reactions()->set_after_user_id("alice");
               })),
               v1::INVALID_ARGUMENT);  // paging needs the emoji
  EXPECT_FALSE(react(*bob, conv, 1, "👍", true).has_error());
  EXPECT_EQ(pull_all(*laptop, conv)[0].reactions(0).count(), 1u);
}

TEST(Operations, OnlyTheRightPeopleMayEditOrRevokeAndNeverAfterTheWindow) {
  ServerProcess server({"--edit-window-seconds", "0", "--revoke-window-seconds", "3600"});
  auto alice = connect_as(server, "alice", "a");
  auto bob = connect_as(server, "bob", "b");
  auto carol = connect_as(server, "carol", "c");
  auto group = must(*alice, frame([](auto& f) {
                 f.mutable_create_group()->set_name("g");
                 f.mutable_create_group()->add_member_ids("bob");
                 f.mutable_create_group()->add_member_ids("carol");
               })).create_group().conversation().conversation_id();
  bob->send_text(group, "bob's words");  // seq 2
  auto late_edit = bob->call(frame([&](auto& f) {
    f.mutable_edit_message()->set_conversation_id(group);
    f.mutable_edit_message()->set_seq(2);
    f.mutable_edit_message()->set_text("too late");
  }));
  EXPECT_ERROR(late_edit, v1::PERMISSION_DENIED);  // a zero-second window is always over
  EXPECT_ERROR(revoke(*carol, group, 2), v1::PERMISSION_DENIED);  // not hers
  EXPECT_ERROR(revoke(*carol, group, 1), v1::INVALID_ARGUMENT);   // a system message
  EXPECT_ERROR(revoke(*carol, group, 9), v1::NOT_FOUND);
  EXPECT_FALSE(revoke(*alice, group, 2).has_error());  // the owner may revoke anything
  EXPECT_ERROR(revoke(*bob, group, 2), v1::CONFLICT);   // already revoked
  EXPECT_ERROR(react(*carol, group, 2, "😀"), v1::CONFLICT);
  EXPECT_ERROR(react(*carol, group, 2, std::string(40, 'x')), v1::INVALID_ARGUMENT);
}

TEST(Operations, DeleteForMeAndClearHideMessagesOnlyFromMyDevices) {
  ServerProcess server;
  auto alice = connect_as(server, "alice", "a1");
  auto alice2 = connect_as(server, "alice", "a2");
  auto bob = connect_as(server, "bob", "b");
  const std::string conv = "d:alice:bob";
  for (int i = 1; i <= 4; ++i) bob->send_text(conv, "m" + std::to_string(i));

  must(*alice, frame([&](auto& f) {
    f.mutable_delete_messages()->set_conversation_id(conv);
    f.mutable_delete_messages()->add_seqs(2);
  }));
  auto deleted = wait_for_event(*alice2, v1::Event::kMessagesDeleted);
  ASSERT_TRUE(deleted);
  EXPECT_EQ(deleted->messages_deleted().seqs(0), 2u);
  auto mine = pull_all(*alice2, conv);
  ASSERT_EQ(mine.size(), 3u);
  EXPECT_EQ(mine[1].seq(), 3u);
  EXPECT_EQ(pull_all(*bob, conv).size(), 4u);  // bob still has all four

  auto cleared = must(*alice, frame([&](auto& f) {
    f.mutable_clear_conversation()->set_conversation_id(conv);
    f.mutable_clear_conversation()->set_up_to_seq(3);
  }));
  EXPECT_EQ(cleared.clear_conversation().cleared_seq(), 3u);
  mine = pull_all(*alice2, conv);
  ASSERT_EQ(mine.size(), 1u);
  EXPECT_EQ(mine[0].seq(), 4u);

  // A device that was offline learns both from sync's event log.
  auto tablet = connect_as(server, "alice", "a3");
  auto synced = must(*tablet, frame([](auto& f) { f.mutable_sync(); }));
  int deletions = 0;
  for (const auto& e : synced.sync().events()) deletions += e.has_messages_deleted();
  EXPECT_EQ(deletions, 2);
  EXPECT_EQ(summary_of(*tablet, conv).cleared_seq(), 3u);
}

}  // namespace
}  // namespace parley::testing
