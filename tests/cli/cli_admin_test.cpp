// The parley subcommands for typing and receipts in `chat`, group administration, conversation settings, blocks,
// the user directory and privacy, end to end: real parleyd, real parley processes. Every wait is bounded.
#include "cli_test_support.h"

namespace parley::testing {
namespace {

bool has(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }

void sign_up(const std::string& home, uint16_t port, const std::string& user) {
  std::string out, err;
  ASSERT_EQ(run(home, port, {"register", user, "--password", user + "-password"}, &out, &err), 0) << err;
}

TEST(CliChat, ShowsThePeerTypingAndReadingAndSendsTypingWhileALineIsWritten) {
  ServerProcess server;
  TempHome tmp;
  const std::string a = tmp / "alice", b = tmp / "bob";
  sign_up(a, server.port(), "alice");
  sign_up(b, server.port(), "bob");
  std::string out, err;
  ASSERT_EQ(run(a, server.port(), {"send", "bob", "hi"}, &out, &err), 0) << err;

  Parley alice(a, server.port(), {"chat", "bob"});
  Parley bob(b, server.port(), {"chat", "alice"});
  ASSERT_TRUE(alice.wait_output("alice: hi")) << alice.out() << alice.err();
  ASSERT_TRUE(bob.wait_output("alice: hi")) << bob.out() << bob.err();
  ASSERT_TRUE(alice.wait_error("chatting in")) << alice.err();
  ASSERT_TRUE(bob.wait_error("chatting in")) << bob.err();

  // Alice starts a line without finishing it: Bob sees her typing.
  alice.write_raw("hel");
  ASSERT_TRUE(bob.wait_error("alice is typing…")) << bob.err();
  // She finishes it: Bob gets the message (and "stopped typing"); his chat reads it, and Alice sees the receipt.
  alice.write_raw("lo there\n");
  ASSERT_TRUE(bob.wait_output("alice: hello there")) << bob.out();
  ASSERT_TRUE(bob.wait_error("alice stopped typing")) << bob.err();
  ASSERT_TRUE(alice.wait_error("bob read up to #2")) << alice.err();

  alice.write_line("/quit");
  bob.close_stdin();
  EXPECT_EQ(alice.wait_exit(), 0) << alice.err();
  EXPECT_EQ(bob.wait_exit(), 0) << bob.err();
}

std::string group_id_from(const std::string& json_line) {
  const std::string key = "\"conversation_id\":\"";
  auto at = json_line.find(key);
  if (at == std::string::npos) return "";
  return json_line.substr(at + key.size(), json_line.find('"', at + key.size()) - at - key.size());
}

TEST(CliGroups, AdministerAGroupFromTheCommandLine) {
  ServerProcess server;
  TempHome tmp;
  const std::string a = tmp / "alice", b = tmp / "bob", c = tmp / "carol", d = tmp / "dave";
  for (auto [home, user] : {std::pair{a, "alice"}, {b, "bob"}, {c, "carol"}, {d, "dave"}})
    sign_up(home, server.port(), user);
  const uint16_t port = server.port();
  std::string out, err;
  ASSERT_EQ(run(a, port, {"groups", "create", "Club", "bob", "carol", "--json"}, &out, &err), 0) << err;
  const std::string g = group_id_from(out);
  ASSERT_FALSE(g.empty()) << out;

  ASSERT_EQ(run(a, port, {"groups", "role", g, "admin", "bob"}, &out, &err), 0) << err;
  EXPECT_TRUE(has(out, "made 1 member(s) admin")) << out;
  EXPECT_EQ(run(c, port, {"groups", "role", g, "admin", "carol"}, &out, &err), 1);
  EXPECT_TRUE(has(err, "cannot change roles: only the owner")) << err;
  EXPECT_EQ(run(a, port, {"groups", "role", g, "boss", "bob"}, &out, &err), 2);  // a usage error

  ASSERT_EQ(run(a, port, {"groups", "info", g}, &out, &err), 0) << err;
  EXPECT_TRUE(has(out, "owner:    alice") && has(out, "you:      OWNER") && has(out, "members:  3")) << out;
  ASSERT_EQ(run(a, port, {"groups", "members", g}, &out, &err), 0) << err;
  EXPECT_TRUE(has(out, "alice") && has(out, "OWNER") && has(out, "ADMIN") && has(out, "carol")) << out;

  ASSERT_EQ(run(b, port, {"groups", "kick", g, "carol"}, &out, &err), 0) << err;
  ASSERT_EQ(run(a, port, {"groups", "update", g, "--policy", "approval", "--name", "Dune club"}, &out, &err), 0) << err;
  EXPECT_TRUE(has(out, "updated " + g)) << out;
  EXPECT_EQ(run(a, port, {"groups", "update", g}, &out, &err), 2);
  EXPECT_TRUE(has(err, "nothing to change")) << err;

  ASSERT_EQ(run(d, port, {"groups", "join", g, "let me in"}, &out, &err), 0) << err;
  EXPECT_TRUE(has(out, "asked to join")) << out;
  ASSERT_EQ(run(a, port, {"groups", "requests", g}, &out, &err), 0) << err;
  EXPECT_TRUE(has(out, "dave asks to join: let me in")) << out;
  ASSERT_EQ(run(b, port, {"groups", "requests", g, "approve", "dave"}, &out, &err), 0) << err;
  EXPECT_TRUE(has(out, "dave joined " + g)) << out;
  ASSERT_EQ(run(a, port, {"groups", "members", g, "--json"}, &out, &err), 0) << err;
  EXPECT_TRUE(has(out, "\"user_id\":\"dave\"") && !has(out, "\"user_id\":\"carol\"")) << out;
  ASSERT_EQ(run(a, port, {"groups", "members", g, "--limit", "1"}, &out, &err), 0) << err;
  EXPECT_TRUE(has(out, "alice") && !has(out, "bob")) << out;

  ASSERT_EQ(run(b, port, {"groups", "silence", g, "dave", "--for", "2h"}, &out, &err), 0) << err;
  EXPECT_EQ(run(d, port, {"send", g, "can I speak?"}, &out, &err), 1);
  ASSERT_EQ(run(a, port, {"groups", "transfer", g, "bob"}, &out, &err), 0) << err;
  EXPECT_TRUE(has(out, "bob owns " + g)) << out;
  ASSERT_EQ(run(a, port, {"groups", "leave", g}, &out, &err), 0) << err;
  EXPECT_TRUE(has(out, "left " + g)) << out;
  ASSERT_EQ(run(a, port, {"conversations"}, &out, &err), 0) << err;
  EXPECT_TRUE(has(out, "Dune club") && has(out, "(left)")) << out;
  ASSERT_EQ(run(b, port, {"groups", "dismiss", g}, &out, &err), 0) << err;
  EXPECT_TRUE(has(out, "dismissed " + g)) << out;

  ASSERT_EQ(run(a, port, {"groups", "requests", "--help"}, &out, &err), 0);
  EXPECT_TRUE(has(out, "approve/decline")) << out;
}

TEST(CliConversation, SettingsDeletionsBlocksUsersAndPrivacy) {
  ServerProcess server;
  TempHome tmp;
  const std::string a = tmp / "alice", b = tmp / "bob";
  sign_up(a, server.port(), "alice");
  sign_up(b, server.port(), "bob");
  const uint16_t port = server.port();
  std::string out, err;
  ASSERT_EQ(run(b, port, {"send", "alice", "one"}, &out, &err), 0) << err;
  ASSERT_EQ(run(b, port, {"send", "alice", "two"}, &out, &err), 0) << err;

  ASSERT_EQ(run(a, port, {"unread"}, &out, &err), 0) << err;
  EXPECT_TRUE(has(out, "2 unread in 1 conversation(s)")) << out;
  ASSERT_EQ(run(a, port, {"conversation", "pin", "bob"}, &out, &err), 0) << err;
  EXPECT_TRUE(has(out, "pinned d:alice:bob")) << out;
  ASSERT_EQ(run(a, port, {"conversation", "mute", "bob", "--for", "8h"}, &out, &err), 0) << err;
  EXPECT_EQ(run(a, port, {"conversation", "mute", "bob", "--for", "soon"}, &out, &err), 2);
  EXPECT_TRUE(has(err, "--for takes")) << err;
  ASSERT_EQ(run(a, port, {"conversation", "archive", "bob", "--json"}, &out, &err), 0) << err;
  EXPECT_TRUE(has(out, "\"pinned\":true") && has(out, "\"archived\":true")) << out;
  EXPECT_FALSE(has(out, "\"muted_until_ms\":0")) << out;
  ASSERT_EQ(run(a, port, {"conversations"}, &out, &err), 0) << err;
  EXPECT_TRUE(has(out, "(pinned)  (muted)  (archived)")) << out;

  ASSERT_EQ(run(a, port, {"conversation", "delete", "bob", "1"}, &out, &err), 0) << err;
  EXPECT_TRUE(has(out, "deleted 1 message(s) for you")) << out;
  ASSERT_EQ(run(a, port, {"history", "bob"}, &out, &err), 0) << err;
  EXPECT_TRUE(!has(out, "bob: one") && has(out, "bob: two")) << out;
  ASSERT_EQ(run(b, port, {"history", "alice"}, &out, &err), 0) << err;
  EXPECT_TRUE(has(out, "bob: one")) << out;  // for alice only
  ASSERT_EQ(run(a, port, {"conversation", "clear", "bob"}, &out, &err), 0) << err;
  EXPECT_TRUE(has(out, "cleared d:alice:bob up to #2")) << out;
  ASSERT_EQ(run(a, port, {"history", "bob"}, &out, &err), 0) << err;
  EXPECT_FALSE(has(out, "bob: two")) << out;
  EXPECT_EQ(run(a, port, {"conversation", "pin", "carol"}, &out, &err), 1);
  EXPECT_TRUE(has(err, "cannot change the conversation's settings")) << err;

  ASSERT_EQ(run(a, port, {"users", "search", "bo"}, &out, &err), 0) << err;
  EXPECT_TRUE(has(out, "bob")) << out;
  EXPECT_EQ(run(a, port, {"users", "search", std::string(65, 'x')}, &out, &err), 1);
  EXPECT_TRUE(has(err, "cannot search users")) << err;

  ASSERT_EQ(run(a, port, {"block", "bob"}, &out, &err), 0) << err;
  EXPECT_TRUE(has(out, "blocked bob")) << out;
  EXPECT_EQ(run(b, port, {"send", "alice", "hey"}, &out, &err), 1);
  EXPECT_TRUE(has(err, "refused")) << err;

  ASSERT_EQ(run(a, port, {"privacy", "--receipts", "off"}, &out, &err), 0) << err;
  ASSERT_EQ(run(a, port, {"privacy"}, &out, &err), 0) << err;
  EXPECT_TRUE(has(out, "read receipts: off") && has(out, "presence visible to: CONTACTS")) << out;

  // A friend, then the server goes away: friends and blocks come from this device's cache.
  const std::string c = tmp / "carol";
  sign_up(c, port, "carol");
  ASSERT_EQ(run(a, port, {"friends", "add", "carol"}, &out, &err), 0) << err;
  ASSERT_EQ(run(c, port, {"friends", "accept", "alice"}, &out, &err), 0) << err;
  ASSERT_EQ(run(a, port, {"friends", "list"}, &out, &err), 0) << err;
  EXPECT_TRUE(has(out, "friend   carol")) << out;
  server.terminate();
  ASSERT_EQ(run(a, port, {"--timeout", "1", "friends", "list"}, &out, &err), 0) << err;
  EXPECT_TRUE(has(out, "friend   carol")) << out;
  EXPECT_TRUE(has(err, "showing what is stored locally")) << err;
  ASSERT_EQ(run(a, port, {"--timeout", "1", "blocked"}, &out, &err), 0) << err;
  EXPECT_TRUE(has(out, "bob")) << out;
  EXPECT_EQ(run(a, port, {"--timeout", "1", "block", "carol"}, &out, &err), 1);
  EXPECT_TRUE(has(err, "needs the server")) << err;
}

}  // namespace
}  // namespace parley::testing
