// libparley against a real parleyd: group administration through the SDK (roles, kicking, settings, join
// requests, member paging, read receipts, transfer, leaving, silencing, dismissing), each change reaching the
// stores of the members, the acting one included. Every wait is bounded.
#include "sdk_accounts.h"
#include "server_process.h"

namespace parley::testing {
namespace {

bool has(const std::string& json, const std::string& needle) { return json.find(needle) != std::string::npos; }

// Waits until `account` stored a message of `conversation` whose JSON contains `needle`.
bool wait_message(Account& account, const std::string& conversation, const std::string& needle) {
  return account.recorder.wait([&] {
    for (const auto& m : account.recorder.messages)
      if (m.conversation_id == conversation && has(m.json + m.text, needle)) return true;
    return false;
  });
}

std::optional<ConversationRecord> conversation_of(Client& client, const std::string& id) {
  auto list = client.conversations();
  if (!list) return std::nullopt;
  for (const auto& c : *list)
    if (c.conversation_id == id) return c;
  return std::nullopt;
}

TEST(SdkGroupAdmin, RolesKicksSettingsJoinRequestsAndDismissal) {
  ServerProcess server;
  TempDir dir;
  Account alice, bob, carol, dave;
  sign_up(alice, server.port(), dir, "alice", "a1");
  sign_up(bob, server.port(), dir, "bob", "b1");
  sign_up(carol, server.port(), dir, "carol", "c1");
  sign_up(dave, server.port(), dir, "dave", "d1");

  auto created = await<ConversationRecord>([&](auto done) {
    alice.client->create_group("Book club", {"bob", "carol"}, std::move(done));
  });
  ASSERT_TRUE(created) << created.error().message;
  const std::string g = created->conversation_id;
  ASSERT_TRUE(wait_message(bob, g, "GROUP_CREATED"));
  ASSERT_TRUE(wait_message(carol, g, "GROUP_CREATED"));

  // Roles: only the owner changes them; the change reaches the owner's own store as a SYSTEM message.
  auto role = await<std::string>(
      [&](auto done) { alice.client->set_member_role(g, {"bob"}, MemberRole::kAdmin, std::move(done)); });
  ASSERT_TRUE(role) << role.error().message;
  EXPECT_TRUE(has(*role, "\"seq\"")) << *role;
  ASSERT_TRUE(wait_message(alice, g, "ROLE_CHANGED"));
  ASSERT_TRUE(wait_message(bob, g, "ROLE_CHANGED"));
  auto refused = await<std::string>(
      [&](auto done) { carol.client->set_member_role(g, {"carol"}, MemberRole::kAdmin, std::move(done)); });
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, 3);  // PERMISSION_DENIED

  // An admin kicks a member: the kicked member's store marks the group inactive.
  auto kicked = await<uint64_t>([&](auto done) { bob.client->remove_members(g, {"carol"}, std::move(done)); });
  ASSERT_TRUE(kicked) << kicked.error().message;
  ASSERT_TRUE(wait_message(carol, g, "MEMBERS_REMOVED"));
  auto carol_view = conversation_of(*carol.client, g);
  ASSERT_TRUE(carol_view);
  EXPECT_FALSE(carol_view->active);

  // Settings: a new name and an approval policy; the owner's store takes the new name.
  GroupChange change;
  change.name = "Dune club";
  change.join_policy = JoinPolicy::kApproval;
  change.history_visible = true;
  auto updated = await<std::string>([&](auto done) { alice.client->update_group(g, change, std::move(done)); });
  ASSERT_TRUE(updated) << updated.error().message;
  EXPECT_TRUE(has(*updated, "APPROVAL")) << *updated;
  ASSERT_TRUE(wait_message(alice, g, "GROUP_UPDATED"));
  EXPECT_EQ(conversation_of(*alice.client, g)->name, "Dune club");
  auto info = await<std::string>([&](auto done) { dave.client->get_group(g, std::move(done)); });
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_TRUE(has(*info, "Dune club")) << *info;
  auto found = await<std::string>([&](auto done) { dave.client->search_groups("dune", 10, std::move(done)); });
  ASSERT_TRUE(found) << found.error().message;
  EXPECT_TRUE(has(*found, g)) << *found;

  // A join request: filed, announced to the owner and admins, listed, accepted by an admin.
  auto asked = await<std::string>([&](auto done) { dave.client->join_group(g, "I love Dune", std::move(done)); });
  ASSERT_TRUE(asked) << asked.error().message;
  EXPECT_FALSE(has(*asked, "\"joined\":true")) << *asked;
  ASSERT_TRUE(wait_event(alice.recorder, EventKind::kJoinRequest, "I love Dune"));
  ASSERT_TRUE(wait_event(bob.recorder, EventKind::kJoinRequest, "dave"));
  auto requests = await<std::string>([&](auto done) { alice.client->list_join_requests(g, std::move(done)); });
  ASSERT_TRUE(requests) << requests.error().message;
  EXPECT_TRUE(has(*requests, "\"dave\"")) << *requests;
  auto accepted = await<std::string>(
      [&](auto done) { bob.client->answer_join_request(g, "dave", JoinAnswer::kAccept, std::move(done)); });
  ASSERT_TRUE(accepted) << accepted.error().message;
  ASSERT_TRUE(wait_message(dave, g, "MEMBERS_ADDED"));

  // Member paging: two pages of two (alice, bob | dave), the last one marked end.
  auto page1 = await<std::string>([&](auto done) { alice.client->list_members(g, "", 2, std::move(done)); });
  ASSERT_TRUE(page1) << page1.error().message;
  EXPECT_TRUE(has(*page1, "\"alice\"") && has(*page1, "\"bob\"") && has(*page1, "ADMIN")) << *page1;
  EXPECT_FALSE(has(*page1, "\"end\":true")) << *page1;
  auto page2 = await<std::string>([&](auto done) { alice.client->list_members(g, "bob", 2, std::move(done)); });
  ASSERT_TRUE(page2) << page2.error().message;
  EXPECT_TRUE(has(*page2, "\"dave\"") && has(*page2, "\"end\":true")) << *page2;

  // Group read receipts: bob reads alice's message.
  auto id = alice.client->send_text(g, "chapter one tonight");
  ASSERT_TRUE(id);
  ASSERT_TRUE(alice.recorder.wait([&] { return alice.recorder.sent.contains(*id); }));
  uint64_t seq = alice.recorder.locked([&] { return alice.recorder.sent[*id]; });
  ASSERT_TRUE(wait_message(bob, g, "chapter one tonight"));
  // Bob reads it; his phone hears of it (a ReadEvent goes out once the cursor is stored), then alice asks.
  Account bob_phone;
  log_in(bob_phone, server.port(), dir, "bob", "b2");
  ASSERT_TRUE(bob.client->mark_read(g, seq));
  ASSERT_TRUE(bob_phone.recorder.wait([&] {
    for (const auto& [c, read] : bob_phone.recorder.reads)
      if (c == g && read >= seq) return true;
    return false;
  }));
  auto r = await<std::string>([&](auto done) { alice.client->read_receipts(g, seq, "", 0, std::move(done)); });
  ASSERT_TRUE(r) << r.error().message;
  const std::string receipts = *r;
  EXPECT_TRUE(has(receipts, "\"readers\":[\"bob\"]")) << receipts;
  EXPECT_TRUE(has(receipts, "\"read_count\":1")) << receipts;

  // Silencing: dave may not post until lifted.
  auto silenced =
      await<std::string>([&](auto done) { bob.client->silence_members(g, {"dave"}, 4102444800000, std::move(done)); });
  ASSERT_TRUE(silenced) << silenced.error().message;
  auto muted = dave.client->send_text(g, "can I speak?");
  ASSERT_TRUE(muted);
  ASSERT_TRUE(dave.recorder.wait([&] { return dave.recorder.failed.contains(*muted); }));

  // Transfer, then the old owner leaves: its store marks the group inactive.
  auto transferred =
      await<std::string>([&](auto done) { alice.client->transfer_ownership(g, "bob", std::move(done)); });
  ASSERT_TRUE(transferred) << transferred.error().message;
  info = await<std::string>([&](auto done) { alice.client->get_group(g, std::move(done)); });
  ASSERT_TRUE(info);
  EXPECT_TRUE(has(*info, "\"owner_id\":\"bob\"") && has(*info, "\"my_role\":\"ADMIN\"")) << *info;
  auto left = await<uint64_t>([&](auto done) { alice.client->leave_group(g, std::move(done)); });
  ASSERT_TRUE(left) << left.error().message;
  ASSERT_TRUE(alice.recorder.wait([&] {
    for (const auto& m : alice.recorder.messages)
      if (m.conversation_id == g && m.seq == *left) return true;
    return false;
  }));
  EXPECT_FALSE(conversation_of(*alice.client, g)->active);

  // Dismissal: every remaining member's store turns the group inactive.
  auto dismissed = await<std::string>([&](auto done) { bob.client->dismiss_group(g, std::move(done)); });
  ASSERT_TRUE(dismissed) << dismissed.error().message;
  ASSERT_TRUE(wait_message(bob, g, "GROUP_DISMISSED"));
  ASSERT_TRUE(wait_message(dave, g, "GROUP_DISMISSED"));
  EXPECT_FALSE(conversation_of(*bob.client, g)->active);
  EXPECT_FALSE(conversation_of(*dave.client, g)->active);
}

TEST(SdkGroupAdmin, AnOpenGroupIsJoinedAtOnceAndTheJoinerStoresIt) {
  ServerProcess server;
  TempDir dir;
  Account alice, erin;
  sign_up(alice, server.port(), dir, "alice", "a1");
  sign_up(erin, server.port(), dir, "erin", "e1");
  auto created = await<ConversationRecord>([&](auto done) { alice.client->create_group("Open", {}, std::move(done)); });
  ASSERT_TRUE(created) << created.error().message;
  const std::string g = created->conversation_id;
  GroupChange open;
  open.join_policy = JoinPolicy::kOpen;
  ASSERT_TRUE(await<std::string>([&](auto done) { alice.client->update_group(g, open, std::move(done)); }));
  auto joined = await<std::string>([&](auto done) { erin.client->join_group(g, "", std::move(done)); });
  ASSERT_TRUE(joined) << joined.error().message;
  EXPECT_TRUE(has(*joined, "\"joined\":true")) << *joined;
  ASSERT_TRUE(wait_message(erin, g, "MEMBERS_JOINED"));
  auto mine = conversation_of(*erin.client, g);
  ASSERT_TRUE(mine);
  EXPECT_TRUE(mine->active);
  // Joining twice is the server's CONFLICT.
  auto again = await<std::string>([&](auto done) { erin.client->join_group(g, "", std::move(done)); });
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, 10);
}

}  // namespace
}  // namespace parley::testing
