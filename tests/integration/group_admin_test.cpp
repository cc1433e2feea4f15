// Group administration: settings, join policies and requests, roles, ownership, silence, dismissal, members.
#include "helpers.h"

namespace parley::testing {
namespace {

constexpr auto kQuiet = 300ms;

std::string create_group(WsClient& owner, const std::vector<std::string>& members,
                         v1::JoinPolicy policy = v1::INVITE_ONLY, bool history_visible = false) {
  return must(owner, frame([&](auto& f) {
           f.mutable_create_group()->set_name("Climbing club");
           for (const auto& m : members) f.mutable_create_group()->add_member_ids(m);
           f.mutable_create_group()->mutable_settings()->set_join_policy(policy);
           f.mutable_create_group()->mutable_settings()->set_history_visible(history_visible);
         }))
      .create_group()
      .conversation()
      .conversation_id();
}

// Waits for the next SYSTEM message with `action`.
std::optional<v1::Message> wait_system(WsClient& c, v1::SystemEvent::Action action) {
  auto f = c.wait_event([&](const v1::Event& e) {
    return e.has_message() && e.message().kind() == v1::SYSTEM && e.message().system().action() == action;
  });
  if (!f) return std::nullopt;
  return f->event().message();
}

TEST(GroupAdmin, SettingsChangesAreTimelineEventsAndOnlyAdminsMakeThem) {
  ServerProcess server;
  auto alice = connect_as(server, "alice", "a");
  auto bob = connect_as(server, "bob", "b");
  auto group = create_group(*alice, {"bob"});
  auto update = [&](WsClient& c, auto fill) {
    return c.call(frame([&](auto& f) {
      f.mutable_update_group()->set_conversation_id(group);
      fill(*f.mutable_update_group());
    }));
  };
  auto out = update(*alice, [](auto& u) {
    u.set_announcement("Meet at 7");
    u.set_description("Bouldering on Thursdays");
  });
  ASSERT_FALSE(out.has_error()) << out.ShortDebugString();
  EXPECT_EQ(out.update_group().seq(), 2u);
  auto event = wait_system(*bob, v1::SystemEvent::GROUP_UPDATED);
  ASSERT_TRUE(event);
  EXPECT_EQ(event->system().group().announcement(), "Meet at 7");
  EXPECT_EQ(std::vector<std::string>(event->system().changed().begin(), event->system().changed().end()),
            (std::vector<std::string>{"description", "announcement"}));
  EXPECT_ERROR(update(*bob, [](auto& u) { u.set_name("Bob's club"); }), v1::PERMISSION_DENIED);
  EXPECT_EQ(update(*alice, [](auto& u) { u.set_announcement("Meet at 7"); }).update_group().seq(), 0u);  // no change

  auto info = must(*bob, frame([&](auto& f) { f.mutable_get_group()->set_conversation_id(group); })).get_group();
  EXPECT_EQ(info.group().description(), "Bouldering on Thursdays");
  EXPECT_EQ(info.group().member_count(), 2u);
  EXPECT_EQ(info.group().owner_id(), "alice");
  EXPECT_EQ(info.my_role(), v1::MEMBER);
  EXPECT_EQ(summary_of(*bob, group).group().announcement(), "Meet at 7");
}

TEST(GroupAdmin, JoinPoliciesOpenApprovalAndInviteOnly) {
  ServerProcess server;
  auto alice = connect_as(server, "alice", "a");
  auto bob = connect_as(server, "bob", "b");
  auto carol = connect_as(server, "carol", "c");
  auto join = [&](WsClient& c, const std::string& g) {
    return c.call(frame([&](auto& f) {
      f.mutable_join_group()->set_conversation_id(g);
      f.mutable_join_group()->set_message("let me in");
    }));
  };

  auto open = create_group(*alice, {}, v1::OPEN);
  auto joined = join(*bob, open);
  ASSERT_FALSE(joined.has_error()) << joined.ShortDebugString();
  EXPECT_TRUE(joined.join_group().joined());
  EXPECT_TRUE(wait_system(*alice, v1::SystemEvent::MEMBERS_JOINED));
  EXPECT_ERROR(join(*bob, open), v1::CONFLICT);
  // Anyone in an open group may invite.
  must(*bob, frame([&](auto& f) {
    f.mutable_add_members()->set_conversation_id(open);
    f.mutable_add_members()->add_user_ids("carol");
  }));

  auto approval = create_group(*alice, {}, v1::APPROVAL);
  auto pending = join(*bob, approval);
  ASSERT_FALSE(pending.has_error());
  EXPECT_FALSE(pending.join_group().joined());
  auto request = wait_for_event(*alice, v1::Event::kJoinRequest);
  ASSERT_TRUE(request);
  EXPECT_EQ(request->join_request().request().user_id(), "bob");
  EXPECT_EQ(request->join_request().request().message(), "let me in");
  auto list = must(*alice, frame([&](auto& f) { f.mutable_list_join_requests()->set_conversation_id(approval); }));
  ASSERT_EQ(list.list_join_requests().requests_size(), 1);
  EXPECT_ERROR(bob->call(frame([&](auto& f) { f.mutable_list_join_requests()->set_conversation_id(approval); })),
               v1::PERMISSION_DENIED);
  auto accepted = must(*alice, frame([&](auto& f) {
    f.mutable_respond_join_request()->set_conversation_id(approval);
    f.mutable_respond_join_request()->set_user_id("bob");
    f.mutable_respond_join_request()->set_accept(true);
  }));
  EXPECT_GT(accepted.respond_join_request().seq(), 0u);
  EXPECT_TRUE(summary_of(*bob, approval).active());

  auto closed = create_group(*alice, {});
  EXPECT_ERROR(join(*carol, closed), v1::NOT_FOUND);  // as if it did not exist
  // Invite-only groups are invisible to outsiders; open ones are in the directory.
  EXPECT_ERROR(carol->call(frame([&](auto& f) { f.mutable_get_group()->set_conversation_id(closed); })), v1::NOT_FOUND);
  auto found = must(*carol, frame([](auto& f) { f.mutable_search_groups()->set_query("climbing"); })).search_groups();
  EXPECT_EQ(found.groups_size(), 2);  // the open and the approval group
}

TEST(GroupAdmin, RolesOwnershipSilenceAndMuteAll) {
  ServerProcess server;
  auto alice = connect_as(server, "alice", "a");
  auto bob = connect_as(server, "bob", "b");
  auto carol = connect_as(server, "carol", "c");
  auto group = create_group(*alice, {"bob", "carol"});
  auto op = [&](WsClient& c, auto fill) { return c.call(frame(fill)); };

  EXPECT_ERROR(op(*bob, [&](auto& f) {
                 f.mutable_set_member_role()->set_conversation_id(group);
                 f.mutable_set_member_role()->add_user_ids("carol");
                 f.mutable_set_member_role()->set_role(v1::ADMIN);
               }),
               v1::PERMISSION_DENIED);
  ASSERT_FALSE(op(*alice, [&](auto& f) {
                 f.mutable_set_member_role()->set_conversation_id(group);
                 f.mutable_set_member_role()->add_user_ids("bob");
                 f.mutable_set_member_role()->set_role(v1::ADMIN);
               }).has_error());
  EXPECT_EQ(summary_of(*bob, group).role(), v1::ADMIN);

  // An admin silences a member: her sends fail until the silence is lifted.
  ASSERT_FALSE(op(*bob, [&](auto& f) {
                 f.mutable_silence_members()->set_conversation_id(group);
                 f.mutable_silence_members()->add_user_ids("carol");
                 f.mutable_silence_members()->set_until_ms(4102444800000);
               }).has_error());
  auto silenced = carol->call(frame([&](auto& f) {
    f.mutable_send_message()->set_conversation_id(group);
    f.mutable_send_message()->set_client_msg_id("c1");
    f.mutable_send_message()->set_text("can I talk?");
  }));
  EXPECT_ERROR(silenced, v1::PERMISSION_DENIED);
  EXPECT_ERROR(op(*bob, [&](auto& f) {
                 f.mutable_silence_members()->set_conversation_id(group);
                 f.mutable_silence_members()->add_user_ids("alice");
                 f.mutable_silence_members()->set_until_ms(4102444800000);
               }),
               v1::PERMISSION_DENIED);  // nobody silences the owner
  ASSERT_FALSE(op(*bob, [&](auto& f) {
                 f.mutable_silence_members()->set_conversation_id(group);
                 f.mutable_silence_members()->add_user_ids("carol");
                 f.mutable_silence_members()->set_until_ms(0);
               }).has_error());
  EXPECT_EQ(carol->send_text(group, "thanks").seq() > 0, true);

  // Mute all: only the owner and admins post.
  ASSERT_FALSE(op(*alice, [&](auto& f) {
                 f.mutable_update_group()->set_conversation_id(group);
                 f.mutable_update_group()->set_mute_all(true);
               }).has_error());
  EXPECT_ERROR(carol->call(frame([&](auto& f) {
                 f.mutable_send_message()->set_conversation_id(group);
                 f.mutable_send_message()->set_client_msg_id("c2");
                 f.mutable_send_message()->set_text("hello?");
               })),
               v1::PERMISSION_DENIED);
  EXPECT_GT(bob->send_text(group, "admins may").seq(), 0u);

  // Transfer: bob becomes owner, alice an admin; the owner cannot leave, others can.
  ASSERT_FALSE(op(*alice, [&](auto& f) {
                 f.mutable_transfer_ownership()->set_conversation_id(group);
                 f.mutable_transfer_ownership()->set_user_id("bob");
               }).has_error());
  EXPECT_EQ(summary_of(*alice, group).role(), v1::ADMIN);
  EXPECT_EQ(summary_of(*bob, group).group().owner_id(), "bob");
  EXPECT_ERROR(op(*bob, [&](auto& f) {
                 f.mutable_remove_members()->set_conversation_id(group);
                 f.mutable_remove_members()->add_user_ids("bob");
               }),
               v1::PERMISSION_DENIED);

  // Dismiss: everyone keeps the history, nobody can post.
  EXPECT_ERROR(op(*alice, [&](auto& f) { f.mutable_dismiss_group()->set_conversation_id(group); }), v1::PERMISSION_DENIED);
  ASSERT_FALSE(op(*bob, [&](auto& f) { f.mutable_dismiss_group()->set_conversation_id(group); }).has_error());
  EXPECT_TRUE(wait_system(*carol, v1::SystemEvent::GROUP_DISMISSED));
  auto view = summary_of(*carol, group);
  EXPECT_FALSE(view.active());
  EXPECT_TRUE(view.group().dismissed());
  auto after_dismissal = bob->call(frame([&](auto& f) {
    f.mutable_send_message()->set_conversation_id(group);
    f.mutable_send_message()->set_client_msg_id("b9");
    f.mutable_send_message()->set_text("anyone?");
  }));
  EXPECT_ERROR(after_dismissal, v1::PERMISSION_DENIED);
  EXPECT_EQ(after_dismissal.error().message(), "this group was dismissed");
}

TEST(GroupAdmin, HistoryVisibilityAndPagedMemberList) {
  ServerProcess server;
  auto alice = connect_as(server, "alice", "a");
  auto bob = connect_as(server, "bob", "b");
  for (auto u : {"carol", "dave"}) admin_user_token(server.port(), u, "x");
  auto shown = create_group(*alice, {}, v1::INVITE_ONLY, true);
  auto hidden = create_group(*alice, {}, v1::INVITE_ONLY, false);
  alice->send_text(shown, "before");
  alice->send_text(hidden, "before");
  for (const auto& g : {shown, hidden}) {
    must(*alice, frame([&](auto& f) {
      f.mutable_add_members()->set_conversation_id(g);
      for (auto u : {"bob", "carol", "dave"}) f.mutable_add_members()->add_user_ids(u);
    }));
  }
  EXPECT_EQ(summary_of(*bob, shown).min_seq(), 1u);
  EXPECT_EQ(summary_of(*bob, hidden).min_seq(), 3u);

  std::vector<std::string> seen;
  std::string after;
  for (int page = 0; page < 10; ++page) {
    auto out = must(*bob, frame([&](auto& f) {
                 f.mutable_list_members()->set_conversation_id(shown);
                 f.mutable_list_members()->set_after_user_id(after);
                 f.mutable_list_members()->set_limit(3);
               })).list_members();
    for (const auto& m : out.members()) seen.push_back(m.user_id());
    if (out.end() || out.members().empty()) break;
    after = out.members().rbegin()->user_id();
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"alice", "bob", "carol", "dave"}));
}

}  // namespace
}  // namespace parley::testing
