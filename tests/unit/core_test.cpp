#include <gtest/gtest.h>

#include <algorithm>

#include "server/core/authz.h"
#include "server/core/highlight.h"
#include "server/core/device_policy.h"
#include "server/core/ids.h"

namespace parley::core {
namespace {

using store::MemberRecord;
using store::Role;
using Op = store::Store::MemberOp;

TEST(Ids, DirectConversationIdIsTheSameFromBothSides) {
  EXPECT_EQ(direct_conversation_id("bob", "alice"), "d:alice:bob");
  EXPECT_EQ(direct_conversation_id("alice", "bob"), "d:alice:bob");
  auto users = parse_direct_conversation_id("d:alice:bob");
  ASSERT_TRUE(users);
  EXPECT_EQ(users->first, "alice");
  EXPECT_EQ(users->second, "bob");
}

TEST(Ids, RejectsNonCanonicalDirectIds) {
  EXPECT_FALSE(parse_direct_conversation_id("d:bob:alice"));  // not ordered
  EXPECT_FALSE(parse_direct_conversation_id("d:alice:alice"));
  EXPECT_FALSE(parse_direct_conversation_id("d:alice"));
  EXPECT_FALSE(parse_direct_conversation_id("d:al ice:bob"));
  EXPECT_EQ(conversation_kind("g:abc"), v1::GROUP);
  EXPECT_EQ(conversation_kind("x:abc"), v1::CONVERSATION_KIND_UNSPECIFIED);
  EXPECT_EQ(conversation_kind("g:"), v1::CONVERSATION_KIND_UNSPECIFIED);
}

TEST(Ids, ValidNames) {
  EXPECT_TRUE(is_valid_name("Alice_1.2-3"));
  EXPECT_FALSE(is_valid_name(""));
  EXPECT_FALSE(is_valid_name(std::string(65, 'a')));
  EXPECT_FALSE(is_valid_name("a:b"));
  EXPECT_FALSE(is_valid_name("a/b"));
}

MemberRecord member(const std::string& user, Role role, bool active = true) {
  MemberRecord m;
  m.user_id = user;
  m.role = role;
  m.active = active;
  m.min_seq = 3;
  m.last_seq = active ? 0 : 9;
  return m;
}

TEST(Authz, SendNeedsActiveMembership) {
  EXPECT_TRUE(authorize_send(member("a", Role::kMember), nullptr, 0));
  EXPECT_EQ(authorize_send(member("a", Role::kMember, false), nullptr, 0).error().code, v1::PERMISSION_DENIED);
  EXPECT_EQ(authorize_send(std::nullopt, nullptr, 0).error().code, v1::PERMISSION_DENIED);
}

TEST(Authz, GroupSendRules) {
  v1::GroupInfo group;
  auto plain = member("m", Role::kMember), admin = member("ad", Role::kAdmin);
  EXPECT_TRUE(authorize_send(plain, &group, 1000));
  auto silenced = plain;
  silenced.silenced_until_ms = 2000;
  EXPECT_EQ(authorize_send(silenced, &group, 1000).error().code, v1::PERMISSION_DENIED);
  EXPECT_TRUE(authorize_send(silenced, &group, 2000));  // the silence is over
  group.set_mute_all(true);
  EXPECT_EQ(authorize_send(plain, &group, 1000).error().code, v1::PERMISSION_DENIED);
  EXPECT_TRUE(authorize_send(admin, &group, 1000));
  group.set_dismissed(true);
  EXPECT_EQ(authorize_send(admin, &group, 1000).error().code, v1::PERMISSION_DENIED);
}

TEST(Authz, OperationWindowsAndOwnership) {
  store::Policy policy;
  policy.edit_window_ms = 100;
  policy.revoke_window_ms = 50;
  auto alice = member("alice", Role::kMember), admin = member("ad", Role::kAdmin);
  v1::Message mine;
  mine.set_kind(v1::TEXT);
  mine.set_sender_id("alice");
  mine.set_timestamp_ms(1000);
  EXPECT_TRUE(authorize_operation(v1::EDIT, alice, v1::GROUP, mine, 1099, policy));
  EXPECT_EQ(authorize_operation(v1::EDIT, alice, v1::GROUP, mine, 1100, policy).error().code, v1::PERMISSION_DENIED);
  EXPECT_EQ(authorize_operation(v1::EDIT, admin, v1::GROUP, mine, 1000, policy).error().code, v1::PERMISSION_DENIED);
  EXPECT_TRUE(authorize_operation(v1::REVOKE, alice, v1::DIRECT, mine, 1049, policy));
  EXPECT_EQ(authorize_operation(v1::REVOKE, alice, v1::DIRECT, mine, 1050, policy).error().code, v1::PERMISSION_DENIED);
  EXPECT_TRUE(authorize_operation(v1::REVOKE, admin, v1::GROUP, mine, 999999, policy));  // admins: any time
  EXPECT_TRUE(authorize_operation(v1::REACTION, admin, v1::GROUP, mine, 999999, policy));
  mine.set_revoked(true);
  EXPECT_EQ(authorize_operation(v1::REACTION, admin, v1::GROUP, mine, 1000, policy).error().code, v1::CONFLICT);
  v1::Message system;
  system.set_kind(v1::SYSTEM);
  EXPECT_EQ(authorize_operation(v1::REACTION, alice, v1::GROUP, system, 0, policy).error().code, v1::INVALID_ARGUMENT);
}

TEST(Authz, VisibleRangeFollowsMembership) {
  using Range = std::pair<uint64_t, uint64_t>;
  EXPECT_EQ(*visible_range(member("a", Role::kMember), 20), Range(3, 20));
  EXPECT_EQ(*visible_range(member("a", Role::kMember, false), 20), Range(3, 9));
  EXPECT_FALSE(visible_range(std::nullopt, 20));
}

// The member-change matrix: actor role x operation x target.
TEST(Authz, MemberChangeMatrix) {
  auto owner = member("o", Role::kOwner), admin = member("ad", Role::kAdmin), plain = member("m", Role::kMember);
  auto other = member("x", Role::kMember);
  std::optional<MemberRecord> none;
  v1::GroupInfo group;  // invite only
  // Adding a non-member.
  EXPECT_TRUE(authorize_member_change(owner, group, Op::kAdd, {"n"}, {none}));
  EXPECT_TRUE(authorize_member_change(admin, group, Op::kAdd, {"n"}, {none}));
  EXPECT_EQ(authorize_member_change(plain, group, Op::kAdd, {"n"}, {none}).error().code, v1::PERMISSION_DENIED);
  EXPECT_EQ(authorize_member_change(none, group, Op::kAdd, {"n"}, {none}).error().code, v1::PERMISSION_DENIED);
  EXPECT_EQ(authorize_member_change(member("f", Role::kAdmin, false), group, Op::kAdd, {"n"}, {none}).error().code,
            v1::PERMISSION_DENIED);
  // Adding someone already in.
  EXPECT_EQ(authorize_member_change(owner, group, Op::kAdd, {"x"}, {other}).error().code, v1::CONFLICT);
  // Removing.
  EXPECT_TRUE(authorize_member_change(owner, group, Op::kRemove, {"x"}, {other}));
  EXPECT_TRUE(authorize_member_change(admin, group, Op::kRemove, {"x"}, {other}));
  EXPECT_EQ(authorize_member_change(plain, group, Op::kRemove, {"x"}, {other}).error().code, v1::PERMISSION_DENIED);
  EXPECT_TRUE(authorize_member_change(plain, group, Op::kRemove, {"m"}, {plain}));  // leaving
  EXPECT_EQ(authorize_member_change(admin, group, Op::kRemove, {"o"}, {owner}).error().code, v1::PERMISSION_DENIED);
  EXPECT_EQ(authorize_member_change(owner, group, Op::kRemove, {"o"}, {owner}).error().code, v1::PERMISSION_DENIED);
  EXPECT_EQ(authorize_member_change(owner, group, Op::kRemove, {"n"}, {none}).error().code, v1::NOT_FOUND);
  EXPECT_EQ(authorize_member_change(admin, group, Op::kRemove, {"ad2"}, {member("ad2", Role::kAdmin)}).error().code,
            v1::PERMISSION_DENIED);  // only the owner removes admins
  // In an open group any member invites.
  group.set_join_policy(v1::OPEN);
  EXPECT_TRUE(authorize_member_change(plain, group, Op::kAdd, {"n"}, {none}));
}

// Snippets with the markers shown as [ and ].
std::string shown(std::string s) {
  std::replace(s.begin(), s.end(), '\x02', '[');
  std::replace(s.begin(), s.end(), '\x03', ']');
  return s;
}

TEST(Highlight, MarksMatchingWordsAndCutsAroundTheFirst) {
  auto terms = search_terms("climb* WALL");
  ASSERT_EQ(terms.size(), 2u);
  EXPECT_TRUE(terms[0].prefix);
  EXPECT_FALSE(terms[1].prefix);
  EXPECT_EQ(shown(highlight("The climbing wall, walls and Wall.", terms)), "The [climbing] [wall], walls and [Wall].");
  std::string long_text = "one two three four five six seven eight nine ten eleven twelve wall thirteen fourteen";
  EXPECT_EQ(shown(highlight(long_text, terms, 5)), "…ten eleven twelve [wall] thirteen…");
  EXPECT_EQ(shown(highlight("no match here", terms, 2)), "no match…");
  EXPECT_EQ(highlight("", terms), "");
  EXPECT_EQ(shown(highlight("café Café", search_terms("café"))), "[café] [Café]");
}

TEST(DevicePolicy, SameDeviceIsAlwaysReplaced) {
  std::vector<store::SessionRecord> existing(2);
  existing[0].device_id = "phone";
  existing[0].platform = v1::IOS;
  existing[1].device_id = "laptop";
  existing[1].platform = v1::LINUX;
  EXPECT_EQ(devices_replaced_by_login(DevicePolicy::kUnlimited, existing, "phone", v1::IOS),
            std::vector<std::string>{"phone"});
  EXPECT_TRUE(devices_replaced_by_login(DevicePolicy::kUnlimited, existing, "tablet", v1::ANDROID).empty());
}

TEST(DevicePolicy, OnePerPlatformClassReplacesTheOlderOfTheClass) {
  std::vector<store::SessionRecord> existing(2);
  existing[0].device_id = "phone";
  existing[0].platform = v1::IOS;
  existing[1].device_id = "laptop";
  existing[1].platform = v1::LINUX;
  EXPECT_EQ(devices_replaced_by_login(DevicePolicy::kOnePerPlatformClass, existing, "tablet", v1::ANDROID),
            std::vector<std::string>{"phone"});
  EXPECT_EQ(devices_replaced_by_login(DevicePolicy::kOnePerPlatformClass, existing, "mac", v1::MACOS),
            std::vector<std::string>{"laptop"});
  EXPECT_TRUE(devices_replaced_by_login(DevicePolicy::kOnePerPlatformClass, existing, "browser", v1::WEB).empty());
}

}  // namespace
}  // namespace parley::core
