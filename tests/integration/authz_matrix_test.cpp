// The authorization matrix: every request type × every kind of caller, with the answer each must get.
//
// Callers: the group's owner (o), an admin (ad), a member (m), a former member (f), a user outside the group
// (n), a user blocked by o (b), an anonymous connection and one whose token expired. Group requests act on a
// fresh group per cell (o owns it; ad is its admin; m a member; f was removed; seq 4 is o's message, seq 5
// m's); requests about another user act on o. Every cell runs on a fresh connection with a fresh session.
//
// The test fails when ClientFrame has a request type without a row here: a new request cannot be added
// without deciding who may use it.
#include <map>

#include "helpers.h"

namespace parley::testing {
namespace {

// One letter per answer: A success, U UNAUTHENTICATED, P PERMISSION_DENIED, N NOT_FOUND, I INVALID_ARGUMENT,
// C CONFLICT.
char letter(const v1::ServerFrame& f) {
  if (!f.has_error()) return 'A';
  switch (f.error().code()) {
    case v1::UNAUTHENTICATED: return 'U';
    case v1::PERMISSION_DENIED: return 'P';
    case v1::NOT_FOUND: return 'N';
    case v1::INVALID_ARGUMENT: return 'I';
    case v1::CONFLICT: return 'C';
    default: return '?';
  }
}

const std::vector<std::string> kActors = {"o", "ad", "m", "f", "n", "b"};  // then anonymous, expired

struct Ctx {
  std::string group;
  std::string actor;
  int cell = 0;
};

struct Row {
  std::string request;  // the ClientFrame field name
  std::string expected;  // o ad m f n b anonymous expired
  std::function<void(v1::ClientFrame&, const Ctx&)> fill;
};

std::vector<Row> rows() {
  auto conv = [](auto* req, const Ctx& c) { req->set_conversation_id(c.group); };
  return {
      {"ping", "AAAAAAAA", [](auto& f, auto&) { f.mutable_ping(); }},
      {"register_user", "AAAAAAAA",
       [](auto& f, auto& c) {
         f.mutable_register_user()->set_user_id("new" + std::to_string(c.cell));
         f.mutable_register_user()->set_password("password123");
       }},
      {"login", "CCCCCCUU",
       [](auto& f, auto&) {
         f.mutable_login()->set_user_id("o");
         f.mutable_login()->set_password("wrong password");
         f.mutable_login()->set_device_id("x");
       }},
      {"authenticate", "CCCCCCUU", [](auto& f, auto&) { f.mutable_authenticate()->set_token("not-a-token"); }},
      {"refresh", "UUUUUUUU", [](auto& f, auto&) { f.mutable_refresh()->set_refresh_token("not-a-token"); }},
      {"logout", "AAAAAAUU", [](auto& f, auto&) { f.mutable_logout(); }},
      {"list_devices", "AAAAAAUU", [](auto& f, auto&) { f.mutable_list_devices(); }},
      {"revoke_device", "NNNNNNUU", [](auto& f, auto&) { f.mutable_revoke_device()->set_device_id("unknown"); }},
      {"send_message", "AAAPPPUU",
       [&](auto& f, auto& c) {
         conv(f.mutable_send_message(), c);
         f.mutable_send_message()->set_client_msg_id("c" + std::to_string(c.cell));
         f.mutable_send_message()->set_text("hello");
       }},
      {"create_group", "AAAAAPUU",  // b cannot put o (who blocked b) in a group
       [](auto& f, auto&) {
         f.mutable_create_group()->set_name("new");
         f.mutable_create_group()->add_member_ids("o");
       }},
      {"add_members", "AAPPPPUU",
       [&](auto& f, auto& c) {
         conv(f.mutable_add_members(), c);
         f.mutable_add_members()->add_user_ids("n2");
       }},
      {"remove_members", "AAAPPPUU",  // m removing m is leaving
       [&](auto& f, auto& c) {
         conv(f.mutable_remove_members(), c);
         f.mutable_remove_members()->add_user_ids("m");
       }},
      {"sync", "AAAAAAUU", [](auto& f, auto&) { f.mutable_sync(); }},
      {"pull_messages", "AAAAPPUU", [&](auto& f, auto& c) { conv(f.mutable_pull_messages(), c); }},
      {"mark_read", "AAAAPPUU",
       [&](auto& f, auto& c) {
         conv(f.mutable_mark_read(), c);
         f.mutable_mark_read()->set_seq(5);
       }},
      {"edit_message", "PPAPPPUU",  // seq 5 is m's
       [&](auto& f, auto& c) {
         conv(f.mutable_edit_message(), c);
         f.mutable_edit_message()->set_seq(5);
         f.mutable_edit_message()->set_text("edited");
       }},
      {"revoke_message", "AAAPPPUU",
       [&](auto& f, auto& c) {
         conv(f.mutable_revoke_message(), c);
         f.mutable_revoke_message()->set_seq(5);
       }},
      {"react", "AAAPPPUU",
       [&](auto& f, auto& c) {
         conv(f.mutable_react(), c);
         f.mutable_react()->set_seq(4);
         f.mutable_react()->set_emoji("👍");
       }},
      {"list_reactions", "AAANPPUU",  // f left at seq 3 and cannot see seq 4
       [&](auto& f, auto& c) {
         conv(f.mutable_list_reactions(), c);
         f.mutable_list_reactions()->set_seq(4);
       }},
      {"delete_messages", "AAANPPUU",
       [&](auto& f, auto& c) {
         conv(f.mutable_delete_messages(), c);
         f.mutable_delete_messages()->add_seqs(4);
       }},
      {"clear_conversation", "AAAAPPUU", [&](auto& f, auto& c) { conv(f.mutable_clear_conversation(), c); }},
      {"update_conversation_settings", "AAAAPPUU",
       [&](auto& f, auto& c) {
         conv(f.mutable_update_conversation_settings(), c);
         f.mutable_update_conversation_settings()->set_pinned(true);
       }},
      {"mark_delivered", "AAAAPPUU",
       [&](auto& f, auto& c) {
         conv(f.mutable_mark_delivered(), c);
         f.mutable_mark_delivered()->set_seq(5);
       }},
      {"get_read_receipts", "AAANPPUU",
       [&](auto& f, auto& c) {
         conv(f.mutable_get_read_receipts(), c);
         f.mutable_get_read_receipts()->set_seq(4);
       }},
      {"get_unread_total", "AAAAAAUU", [](auto& f, auto&) { f.mutable_get_unread_total(); }},
      {"typing", "AAAPPPUU",
       [&](auto& f, auto& c) {
         conv(f.mutable_typing(), c);
         f.mutable_typing()->set_typing(true);
       }},
      {"send_friend_request", "IAAAAPUU", [](auto& f, auto&) { f.mutable_send_friend_request()->set_user_id("o"); }},
      {"respond_friend_request", "INNNNNUU",
       [](auto& f, auto&) {
         f.mutable_respond_friend_request()->set_user_id("o");
         f.mutable_respond_friend_request()->set_accept(true);
       }},
      {"cancel_friend_request", "IAAAANUU",  // the requests of the send_friend_request row
       [](auto& f, auto&) { f.mutable_cancel_friend_request()->set_user_id("o"); }},
      {"remove_friend", "INNNNNUU", [](auto& f, auto&) { f.mutable_remove_friend()->set_user_id("o"); }},
      {"set_friend_remark", "INNNNNUU",
       [](auto& f, auto&) {
         f.mutable_set_friend_remark()->set_user_id("o");
         f.mutable_set_friend_remark()->set_remark("x");
       }},
      {"list_friends", "AAAAAAUU", [](auto& f, auto&) { f.mutable_list_friends(); }},
      {"list_friend_requests", "AAAAAAUU", [](auto& f, auto&) { f.mutable_list_friend_requests(); }},
      {"list_blocked", "AAAAAAUU", [](auto& f, auto&) { f.mutable_list_blocked(); }},
      {"get_privacy", "AAAAAAUU", [](auto& f, auto&) { f.mutable_get_privacy(); }},
      {"set_privacy", "AAAAAAUU", [](auto& f, auto&) { f.mutable_set_privacy()->mutable_privacy(); }},
      {"set_presence", "AAAAAAUU", [](auto& f, auto&) { f.mutable_set_presence()->set_state(v1::AWAY); }},
      {"subscribe_presence", "AAAAAAUU", [](auto& f, auto&) { f.mutable_subscribe_presence()->add_user_ids("o"); }},
      {"unsubscribe_presence", "AAAAAAUU",
       [](auto& f, auto&) { f.mutable_unsubscribe_presence()->add_user_ids("o"); }},
      {"search_users", "AAAAAAUU", [](auto& f, auto&) { f.mutable_search_users()->set_query("o"); }},
      {"update_group", "AAPPPPUU",
       [&](auto& f, auto& c) {
         conv(f.mutable_update_group(), c);
         f.mutable_update_group()->set_name("renamed");
       }},
      {"get_group", "AAANNNUU", [&](auto& f, auto& c) { conv(f.mutable_get_group(), c); }},
      {"join_group", "CCCNNNUU", [&](auto& f, auto& c) { conv(f.mutable_join_group(), c); }},
      {"list_join_requests", "AAPPPPUU", [&](auto& f, auto& c) { conv(f.mutable_list_join_requests(), c); }},
      {"respond_join_request", "NNPPPPUU",
       [&](auto& f, auto& c) {
         conv(f.mutable_respond_join_request(), c);
         f.mutable_respond_join_request()->set_user_id("n");
       }},
      {"set_member_role", "APPPPPUU",
       [&](auto& f, auto& c) {
         conv(f.mutable_set_member_role(), c);
         f.mutable_set_member_role()->add_user_ids("m");
         f.mutable_set_member_role()->set_role(v1::ADMIN);
       }},
      {"transfer_ownership", "APPPPPUU",
       [&](auto& f, auto& c) {
         conv(f.mutable_transfer_ownership(), c);
         f.mutable_transfer_ownership()->set_user_id("ad");
       }},
      {"dismiss_group", "APPPPPUU", [&](auto& f, auto& c) { conv(f.mutable_dismiss_group(), c); }},
      {"silence_members", "AAPPPPUU",
       [&](auto& f, auto& c) {
         conv(f.mutable_silence_members(), c);
         f.mutable_silence_members()->add_user_ids("m");
         f.mutable_silence_members()->set_until_ms(4102444800000);
       }},
      {"list_members", "AAAPPPUU", [&](auto& f, auto& c) { conv(f.mutable_list_members(), c); }},
      {"search_groups", "AAAAAAUU", [](auto& f, auto&) { f.mutable_search_groups()->set_query("g"); }},
      {"search_messages", "AAAAAAUU", [](auto& f, auto&) { f.mutable_search_messages()->set_query("hello"); }},
      // A blob nobody uploaded looks like one the caller may not read. Who may read a real blob (uploader,
      // members of a conversation where it was sent, nobody else) is covered by media_test.cpp.
      {"get_blob_url", "NNNNNNUU", [](auto& f, auto&) { f.mutable_get_blob_url()->set_blob_id(std::string(64, 'a')); }},
      // Last, because they change what o and the others may do to each other.
      {"block_user", "IAAAAAUU", [](auto& f, auto&) { f.mutable_block_user()->set_user_id("o"); }},
      {"unblock_user", "IAAAAAUU", [](auto& f, auto&) { f.mutable_unblock_user()->set_user_id("o"); }},
  };
}

// A group as the row comments describe: seq 1 created, 2 ad made admin, 3 f removed, 4 o's message, 5 m's.
std::string make_group(WsClient& o, WsClient& m) {
  auto group = must(o, frame([](auto& f) {
                 f.mutable_create_group()->set_name("g");
                 for (auto u : {"ad", "m", "f"}) f.mutable_create_group()->add_member_ids(u);
               })).create_group().conversation().conversation_id();
  must(o, frame([&](auto& f) {
    f.mutable_set_member_role()->set_conversation_id(group);
    f.mutable_set_member_role()->add_user_ids("ad");
    f.mutable_set_member_role()->set_role(v1::ADMIN);
  }));
  must(o, frame([&](auto& f) {
    f.mutable_remove_members()->set_conversation_id(group);
    f.mutable_remove_members()->add_user_ids("f");
  }));
  EXPECT_EQ(o.send_text(group, "from o").seq(), 4u);
  EXPECT_EQ(m.send_text(group, "from m").seq(), 5u);
  return group;
}

TEST(AuthzMatrix, EveryRequestTypeAgainstEveryKindOfCaller) {
  // Hundreds of set-up writes on two connections: neither durability nor rate limits are tested here.
  ServerProcess server({"--durable-sync", "false", "--requests-per-second", "100000", "--max-groups-per-day", "0"});
  const uint16_t port = server.port();
  for (auto u : {"o", "ad", "m", "f", "n", "b", "n2"}) admin_user_token(port, u, "setup");
  WsClient o(port, protocol::Encoding::kBinary), m(port, protocol::Encoding::kBinary);
  o.authenticate(admin_user_token(port, "o", "owner-setup"));
  m.authenticate(admin_user_token(port, "m", "member-setup"));
  must(o, frame([](auto& f) { f.mutable_block_user()->set_user_id("b"); }));

  // An expired session: a one-second token, kicked when it expires (waited for as an event, not a sleep).
  std::string expired_token = admin_user_token(port, "n", "expiring", "", 1);
  {
    WsClient c(port, protocol::Encoding::kBinary);
    v1::ClientFrame auth;
    auth.mutable_authenticate()->set_token(expired_token);
    auto answer = c.call(auth);
    // On a slow machine the second may be over already; otherwise the server kicks the session at expiry.
    if (!is_error(answer, v1::TOKEN_EXPIRED)) {
      ASSERT_TRUE(answer.has_authenticate()) << answer.ShortDebugString();
      ASSERT_TRUE(c.wait_event([](const v1::Event& e) { return e.has_kicked(); }, 10s));
    }
  }

  auto all = rows();
  std::set<std::string> covered;
  int cell = 0;
  for (const auto& row : all) {
    ASSERT_EQ(row.expected.size(), kActors.size() + 2) << row.request;
    covered.insert(row.request);
    std::string got;
    for (size_t col = 0; col < kActors.size() + 2; ++col) {
      WsClient c(port, protocol::Encoding::kBinary);
      // Once the others block o, o can no longer put them in a group: the block rows need none.
      const bool needs_group = row.request != "block_user" && row.request != "unblock_user";
      Ctx ctx{needs_group ? make_group(o, m) : "", col < kActors.size() ? kActors[col] : "", ++cell};
      if (col < kActors.size()) {
        c.authenticate(admin_user_token(port, kActors[col], "cell" + std::to_string(cell)));
      } else if (col == kActors.size() + 1) {
        v1::ClientFrame auth;
        auth.mutable_authenticate()->set_token(expired_token);
        EXPECT_ERROR(c.call(auth), v1::TOKEN_EXPIRED);
      }
      v1::ClientFrame request;
      row.fill(request, ctx);
      ASSERT_EQ(request.GetDescriptor()->FindFieldByName(row.request)->number(),
                static_cast<int>(request.request_case()))
          << "row " << row.request << " builds another request";
      auto answer = c.call(request);
      got += letter(answer);
      if (letter(answer) != row.expected[col]) {
        ADD_FAILURE() << row.request << " as " << (col < kActors.size() ? kActors[col] : col == 6 ? "anonymous" : "expired")
                      << ": expected " << row.expected[col] << ", got " << answer.ShortDebugString();
      }
    }
    EXPECT_EQ(got, row.expected) << row.request;
  }

  // Completeness: every request type of the schema has its row.
  const auto* oneof = v1::ClientFrame::descriptor()->FindOneofByName("request");
  for (int i = 0; i < oneof->field_count(); ++i) {
    EXPECT_TRUE(covered.contains(oneof->field(i)->name()))
        << "request type " << oneof->field(i)->name() << " has no row in the authorization matrix";
  }
}

}  // namespace
}  // namespace parley::testing
