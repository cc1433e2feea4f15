// Full-text search over what each user can see, kept in step with edits, revokes and deletions.
#include "helpers.h"

namespace parley::testing {
namespace {

v1::SearchMessagesResponse search(WsClient& c, const std::string& query,
                                  const std::function<void(v1::SearchMessagesRequest&)>& fill = {}) {
  return must(c, frame([&](auto& f) {
           f.mutable_search_messages()->set_query(query);
           if (fill) fill(*f.mutable_search_messages());
         }))
      .search_messages();
}

std::vector<std::string> texts(const v1::SearchMessagesResponse& r) {
  std::vector<std::string> out;
  for (const auto& h : r.hits()) out.push_back(h.message().text());
  return out;
}

TEST(Search, FindsWhatTheUserCanSeeNewestFirstWithHighlights) {
  ServerProcess server;
  auto alice = connect_as(server, "alice", "a");
  auto bob = connect_as(server, "bob", "b");
  auto carol = connect_as(server, "carol", "c");
  alice->send_text("d:alice:bob", "the climbing wall opens at nine");
  bob->send_text("d:alice:bob", "Climbing after work?");
  carol->send_text("d:bob:carol", "climbing secrets only bob knows");
  alice->send_text("d:alice:bob", "lunch first");

  auto hits = search(*alice, "climbing");
  EXPECT_EQ(texts(hits), (std::vector<std::string>{"Climbing after work?", "the climbing wall opens at nine"}));
  EXPECT_NE(hits.hits(0).snippet().find("\x02" "Climbing" "\x03"), std::string::npos) << hits.hits(0).snippet();
  EXPECT_EQ(search(*bob, "climbing").hits_size(), 3);  // bob is in both conversations
  EXPECT_EQ(search(*carol, "wall").hits_size(), 0);   // not carol's conversation

  EXPECT_EQ(texts(search(*alice, "climbing", [](auto& q) { q.set_sender_id("alice"); })),
            std::vector<std::string>{"the climbing wall opens at nine"});
  EXPECT_EQ(search(*bob, "climbing", [](auto& q) { q.set_conversation_id("d:bob:carol"); }).hits_size(), 1);
  EXPECT_EQ(search(*alice, "clim*").hits_size(), 2);  // prefix
  EXPECT_EQ(search(*alice, "climbing nine").hits_size(), 1);  // every word must match
  EXPECT_EQ(search(*alice, "\"unbalanced OR (").hits_size(), 0);  // operators are plain words

  // Paging: one hit per page, the token continues below the last one.
  auto first = search(*bob, "climbing", [](auto& q) { q.set_limit(1); });
  ASSERT_EQ(first.hits_size(), 1);
  ASSERT_FALSE(first.next_page_token().empty());
  auto second = search(*bob, "climbing", [&](auto& q) {
    q.set_limit(1);
    q.set_page_token(first.next_page_token());
  });
  ASSERT_EQ(second.hits_size(), 1);
  // Server message ids grow with time: the second page holds an older message.
  EXPECT_LT(second.hits(0).message().server_msg_id(), first.hits(0).message().server_msg_id());
  EXPECT_ERROR(bob->call(frame([](auto& f) {
                 f.mutable_search_messages()->set_query("climbing");
                 f.mutable_search_messages()->set_page_token("not-a-token");
               })),
               v1::INVALID_ARGUMENT);
  EXPECT_ERROR(bob->call(frame([](auto& f) { f.mutable_search_messages()->set_query(""); })), v1::INVALID_ARGUMENT);
}

TEST(Search, EditsRevokesAndDeletionsUpdateTheResults) {
  ServerProcess server;
  auto alice = connect_as(server, "alice", "a");
  auto bob = connect_as(server, "bob", "b");
  alice->send_text("d:alice:bob", "meet at the harbour");   // 1
  alice->send_text("d:alice:bob", "bring the harbour map");  // 2
  bob->send_text("d:alice:bob", "harbour it is");           // 3

  must(*alice, frame([](auto& f) {
    f.mutable_edit_message()->set_conversation_id("d:alice:bob");
    f.mutable_edit_message()->set_seq(1);
    f.mutable_edit_message()->set_text("meet at the station");
  }));
  EXPECT_EQ(search(*bob, "harbour").hits_size(), 2);
  EXPECT_EQ(texts(search(*bob, "station")), std::vector<std::string>{"meet at the station"});

  must(*alice, frame([](auto& f) {
    f.mutable_revoke_message()->set_conversation_id("d:alice:bob");
    f.mutable_revoke_message()->set_seq(2);
  }));
  EXPECT_EQ(texts(search(*bob, "harbour")), std::vector<std::string>{"harbour it is"});

  must(*alice, frame([](auto& f) {
    f.mutable_delete_messages()->set_conversation_id("d:alice:bob");
    f.mutable_delete_messages()->add_seqs(3);
  }));
  EXPECT_EQ(search(*alice, "harbour").hits_size(), 0);  // deleted for alice
  EXPECT_EQ(search(*bob, "harbour").hits_size(), 1);    // not for bob
}

TEST(Search, AMessageEditedToNoTextAndBackIsFoundAgain) {
  ServerProcess server;
  auto alice = connect_as(server, "alice", "a");
  auto bob = connect_as(server, "bob", "b");
  v1::ClientFrame poll;
  auto* s = poll.mutable_send_message();
  s->set_conversation_id("d:alice:bob");
  s->set_client_msg_id("p");
  s->mutable_message()->set_kind(v1::CUSTOM);
  s->mutable_message()->set_custom_type("note");
  s->mutable_message()->set_text("zebra crossing");
  must(*alice, poll);
  auto edit = [&](const std::string& text, const std::string& data) {
    must(*alice, frame([&](auto& f) {
      f.mutable_edit_message()->set_conversation_id("d:alice:bob");
      f.mutable_edit_message()->set_seq(1);
      f.mutable_edit_message()->set_text(text);
      f.mutable_edit_message()->set_custom_data(data);
    }));
  };
  edit("", R"({"empty":true})");
  EXPECT_EQ(search(*bob, "zebra").hits_size(), 0);
  edit("giraffe crossing", "");
  EXPECT_EQ(search(*bob, "giraffe").hits_size(), 1);
}

TEST(Search, FormerMembersFindOnlyWhatTheySawAndTheDirectoryFindsOpenGroups) {
  ServerProcess server;
  auto alice = connect_as(server, "alice", "a");
  auto bob = connect_as(server, "bob", "b");
  auto group = must(*alice, frame([](auto& f) {
                 f.mutable_create_group()->set_name("Pottery");
                 f.mutable_create_group()->add_member_ids("bob");
               })).create_group().conversation().conversation_id();
  alice->send_text(group, "kiln schedule monday");
  must(*alice, frame([&](auto& f) {
    f.mutable_remove_members()->set_conversation_id(group);
    f.mutable_remove_members()->add_user_ids("bob");
  }));
  alice->send_text(group, "kiln schedule tuesday");
  EXPECT_EQ(texts(search(*bob, "kiln")), std::vector<std::string>{"kiln schedule monday"});
  EXPECT_EQ(search(*alice, "kiln").hits_size(), 2);
}

}  // namespace
}  // namespace parley::testing
