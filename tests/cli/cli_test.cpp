// The parley command end to end: real parleyd, real parley processes (each with its own --home), talking
// through stdin/stdout pipes. Every wait is bounded.
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include "cli_test_support.h"
#include "test_pki.h"

extern char** environ;

namespace parley::testing {
namespace {

TEST(Cli, TwoParleyProcessesChatWithEachOther) {
  ServerProcess server;
  TempHome tmp;
  const std::string a = tmp / "alice", b = tmp / "bob";
  std::string out, err;
  ASSERT_EQ(run(a, server.port(), {"register", "alice", "--password", "alice-pass-1"}, &out, &err), 0) << err;
  EXPECT_NE(out.find("logged in as alice"), std::string::npos) << out;
  ASSERT_EQ(run(b, server.port(), {"register", "bob", "--password", "bob-pass-123"}, &out, &err), 0) << err;

  // One-shot send, seen by a running `tail --json`.
  Parley tail(b, server.port(), {"tail", "--json"});
  ASSERT_TRUE(tail.wait_output("\"state\":\"connected\"")) << tail.out();
  ASSERT_EQ(run(a, server.port(), {"send", "bob", "hello", "from", "the", "cli"}, &out, &err), 0) << err;
  EXPECT_NE(out.find("sent #1 to d:alice:bob"), std::string::npos) << out;
  ASSERT_TRUE(tail.wait_output("hello from the cli")) << tail.out();
  EXPECT_NE(tail.out().find("\"origin\":\"live\""), std::string::npos);
  tail.signal(SIGTERM);
  EXPECT_EQ(tail.wait_exit(), 0);

  // Two interactive chats: each line typed on one side appears on the other.
  Parley alice(a, server.port(), {"chat", "bob"});
  Parley bob(b, server.port(), {"chat", "alice"});
  ASSERT_TRUE(alice.wait_output("hello from the cli")) << alice.out();  // recent history first
  ASSERT_TRUE(bob.wait_output("hello from the cli")) << bob.out();
  alice.write_line("how are you?");
  ASSERT_TRUE(bob.wait_output("alice: how are you?")) << bob.out();
  bob.write_line("fine, thanks");
  ASSERT_TRUE(alice.wait_output("bob: fine, thanks")) << alice.out();
  alice.close_stdin();
  bob.write_line("/quit");
  EXPECT_EQ(alice.wait_exit(), 0) << alice.err();
  EXPECT_EQ(bob.wait_exit(), 0) << bob.err();

  // History, in order, as JSON lines.
  ASSERT_EQ(run(b, server.port(), {"history", "alice", "--json"}, &out, &err), 0) << err;
  auto first = out.find("hello from the cli"), second = out.find("how are you?"), third = out.find("fine, thanks");
  ASSERT_NE(first, std::string::npos) << out;
  ASSERT_NE(second, std::string::npos) << out;
  ASSERT_NE(third, std::string::npos) << out;
  EXPECT_LT(first, second);
  EXPECT_LT(second, third);
  ASSERT_EQ(run(a, server.port(), {"conversations"}, &out, &err), 0) << err;
  EXPECT_NE(out.find("d:alice:bob"), std::string::npos) << out;
  EXPECT_NE(out.find("bob: fine, thanks"), std::string::npos) << out;
}

// Over TLS: without the server's CA the CLI reports the certificate; with --ca-file given once it registers,
// the file is saved in config.toml, and later commands use it from there.
TEST(Cli, TalksToAWssServerWithTheCaFileGivenAtRegistration) {
  TestPki pki;
  pki.issue("server", 9);
  ServerProcess server({"--tls-listen", "127.0.0.1:0", "--tls-cert-file", pki.cert_file("server"), "--tls-key-file",
                        pki.key_file("server")});
  TempHome tmp;
  const std::string wss = "wss://localhost:" + std::to_string(server.tls_port()) + "/v1/ws";
  std::string out, err;
  ASSERT_EQ(run(tmp / "b", server.port(), {"register", "bob", "--password", "bob-pass-123"}, &out, &err), 0) << err;
  EXPECT_NE(run(tmp / "a", server.port(), {"--server", wss, "--timeout", "2", "register", "alice", "--password",
                                           "alice-pass-1"}, &out, &err), 0);
  EXPECT_NE(err.find("certificate verify failed"), std::string::npos) << err;
  ASSERT_EQ(run(tmp / "a", server.port(), {"--server", wss, "--ca-file", pki.ca_file(), "register", "alice",
                                           "--password", "alice-pass-1"}, &out, &err), 0) << err;
  // No --ca-file now: it comes from alice's config.toml. (The harness always passes a ws:// --server, so the
  // wss:// address is given again.)
  Parley send(tmp / "a", server.port(), {"--server", wss, "send", "bob", "hello over TLS"});
  send.close_stdin();
  EXPECT_EQ(send.wait_exit(), 0) << send.err();
  EXPECT_NE(send.out().find("sent #1"), std::string::npos) << send.out();
  ASSERT_EQ(run(tmp / "b", server.port(), {"history", "alice"}, &out, &err), 0) << err;
  EXPECT_NE(out.find("hello over TLS"), std::string::npos) << out;
}

// Friends through the CLI: a request, the list on both sides, acceptance; then a reaction and an edit that the
// other account's `tail` reports as a changed message.
TEST(Cli, FriendsAndReactions) {
  ServerProcess server;
  TempHome tmp;
  const std::string a = tmp / "alice", b = tmp / "bob";
  std::string out, err;
  ASSERT_EQ(run(a, server.port(), {"register", "alice", "--password", "alice-pass-1"}, &out, &err), 0) << err;
  ASSERT_EQ(run(b, server.port(), {"register", "bob", "--password", "bob-pass-123"}, &out, &err), 0) << err;

  ASSERT_EQ(run(a, server.port(), {"friends", "add", "bob", "hello", "bob"}, &out, &err), 0) << err;
  EXPECT_NE(out.find("asked bob to be friends"), std::string::npos) << out;
  ASSERT_EQ(run(b, server.port(), {"friends", "list"}, &out, &err), 0) << err;
  EXPECT_NE(out.find("asks you alice: hello bob"), std::string::npos) << out;
  ASSERT_EQ(run(b, server.port(), {"friends", "accept", "alice"}, &out, &err), 0) << err;
  ASSERT_EQ(run(a, server.port(), {"friends", "list"}, &out, &err), 0) << err;
  EXPECT_NE(out.find("friend   bob"), std::string::npos) << out;
  EXPECT_EQ(run(a, server.port(), {"friends", "frobnicate", "bob"}, &out, &err), 2);
  EXPECT_NE(err.find("unknown friends action"), std::string::npos) << err;

  ASSERT_EQ(run(a, server.port(), {"send", "bob", "lunch?"}, &out, &err), 0) << err;
  Parley tail(a, server.port(), {"tail", "--json"});
  ASSERT_TRUE(tail.wait_output("\"state\":\"connected\"")) << tail.out();
  ASSERT_EQ(run(b, server.port(), {"react", "alice", "1", "🍕"}, &out, &err), 0) << err;
  EXPECT_NE(out.find("🍕"), std::string::npos) << out;
  ASSERT_TRUE(tail.wait_output("\"event\":\"updated\"")) << tail.out();
  EXPECT_NE(tail.out().find("🍕"), std::string::npos) << tail.out();
  tail.signal(SIGTERM);
  EXPECT_EQ(tail.wait_exit(), 0);

  ASSERT_EQ(run(a, server.port(), {"edit", "bob", "1", "lunch at noon?"}, &out, &err), 0) << err;
  EXPECT_NE(out.find("lunch at noon?"), std::string::npos) << out;
  EXPECT_NE(out.find("(edited)"), std::string::npos) << out;
  // Bob's history shows the edited text (his store caught up through sync) and the reaction.
  ASSERT_EQ(run(b, server.port(), {"history", "alice"}, &out, &err), 0) << err;
  EXPECT_NE(out.find("lunch at noon?"), std::string::npos) << out;
  EXPECT_EQ(out.find("lunch?\n"), std::string::npos) << out;
  // Editing someone else's message is refused with the server's reason.
  EXPECT_EQ(run(b, server.port(), {"edit", "alice", "1", "mine now"}, &out, &err), 1);
  EXPECT_NE(err.find("cannot edit the message"), std::string::npos) << err;
}

// `parley tail` and `parley send` of one account at the same time share its database: the send still gets
// its own ack and reports it.
TEST(Cli, SendWhileTailRunsForTheSameAccount) {
  ServerProcess server;
  TempHome tmp;
  std::string out, err;
  ASSERT_EQ(run(tmp / "a", server.port(), {"register", "alice", "--password", "alice-pass-1"}, &out, &err), 0) << err;
  ASSERT_EQ(run(tmp / "b", server.port(), {"register", "bob", "--password", "bob-pass-123"}, &out, &err), 0) << err;
  Parley tail(tmp / "a", server.port(), {"tail", "--json"});
  ASSERT_TRUE(tail.wait_output("\"state\":\"connected\"")) << tail.out();
  for (int i = 0; i < 5; ++i) {
    const std::string text = "concurrent " + std::to_string(i);
    ASSERT_EQ(run(tmp / "a", server.port(), {"send", "bob", text}, &out, &err), 0) << err;
    EXPECT_NE(out.find("sent #" + std::to_string(i + 1)), std::string::npos) << out;
  }
  tail.signal(SIGINT);
  EXPECT_EQ(tail.wait_exit(), 0);
}

// examples/chat_example.c, the C program of the docs, really logs in and sends.
TEST(Cli, TheCExampleLogsInAndSends) {
  ServerProcess server;
  TempHome tmp;
  admin_user_token(server.port(), "alice", "x", "alice-pass-1");
  std::string out, err;
  ASSERT_EQ(run(tmp / "b", server.port(), {"register", "bob", "--password", "bob-pass-123"}, &out, &err), 0) << err;
  const std::string url = "ws://127.0.0.1:" + std::to_string(server.port()) + "/v1/ws";
  std::vector<std::string> argv_s = {CHAT_EXAMPLE_PATH, url, tmp / "alice.db", "alice", "alice-pass-1", "bob",
                                     "hi from C", "0"};
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  ASSERT_EQ(posix_spawn(&pid, CHAT_EXAMPLE_PATH, nullptr, nullptr, argv.data(), environ), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);  // bounded by the example's own 30 s limits
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  ASSERT_EQ(run(tmp / "b", server.port(), {"history", "alice"}, &out, &err), 0) << err;
  EXPECT_NE(out.find("alice: hi from C"), std::string::npos) << out;
}

TEST(Cli, ErrorsSayWhatIsWrong) {
  ServerProcess server;
  TempHome tmp;
  std::string out, err;
  // Nobody logged in.
  EXPECT_EQ(run(tmp / "x", server.port(), {"send", "bob", "hi"}, &out, &err), 1);
  EXPECT_NE(err.find("not logged in"), std::string::npos) << err;
  // Wrong password.
  ASSERT_EQ(run(tmp / "a", server.port(), {"register", "alice", "--password", "alice-pass-1"}, &out, &err), 0) << err;
  EXPECT_EQ(run(tmp / "b", server.port(), {"login", "alice", "--password", "nope-nope-nope"}, &out, &err), 1);
  EXPECT_NE(err.find("login failed"), std::string::npos) << err;
  // A server that is not there: said so, with the retry delay, and the message stays queued (exit 3).
  const uint16_t nowhere = server.port();
  server.terminate();
  Parley send(tmp / "a", nowhere, {"--timeout", "2", "send", "bob", "later"});
  send.close_stdin();
  EXPECT_EQ(send.wait_exit(), 3);
  EXPECT_NE(send.err().find("cannot reach server at ws://127.0.0.1:" + std::to_string(nowhere)), std::string::npos)
      << send.err();
  EXPECT_NE(send.err().find("retrying in"), std::string::npos) << send.err();
  // Usage errors come from the argument parser.
  EXPECT_EQ(run(tmp / "a", nowhere, {"send"}, &out, &err), 2);
  EXPECT_NE(err.find("required"), std::string::npos) << err;
}

TEST(Cli, AMessageQueuedOfflineIsSentByTheNextRun) {
  const uint16_t port = free_loopback_port();
  ServerProcess server({"--listen", "127.0.0.1:" + std::to_string(port)});
  TempHome tmp;
  std::string out, err;
  ASSERT_EQ(run(tmp / "a", port, {"register", "alice", "--password", "alice-pass-1"}, &out, &err), 0) << err;
  ASSERT_EQ(run(tmp / "b", port, {"register", "bob", "--password", "bob-pass-123"}, &out, &err), 0) << err;
  server.terminate();
  EXPECT_EQ(run(tmp / "a", port, {"--timeout", "1", "send", "bob", "written offline"}, &out, &err), 3) << err;
  server.start();
  ASSERT_EQ(run(tmp / "a", port, {"send", "bob", "written online"}, &out, &err), 0) << err;
  EXPECT_NE(out.find("sent #2"), std::string::npos) << out;  // the queued one went first, as #1
  ASSERT_EQ(run(tmp / "b", port, {"history", "alice"}, &out, &err), 0) << err;
  EXPECT_NE(out.find("#1 alice: written offline"), std::string::npos) << out;
  EXPECT_NE(out.find("#2 alice: written online"), std::string::npos) << out;

  // A message the server refuses stays in the outbox as failed until cancelled.
  EXPECT_EQ(run(tmp / "a", port, {"send", "nobody", "hello?"}, &out, &err), 1);
  EXPECT_NE(err.find("refused"), std::string::npos) << err;
  ASSERT_EQ(run(tmp / "a", port, {"outbox", "--json"}, &out, &err), 0) << err;
  EXPECT_NE(out.find("\"state\":\"failed\""), std::string::npos) << out;
  const std::string key = "\"client_msg_id\":\"";
  auto at = out.find(key);
  ASSERT_NE(at, std::string::npos) << out;
  const std::string id = out.substr(at + key.size(), out.find('"', at + key.size()) - at - key.size());
  ASSERT_EQ(run(tmp / "a", port, {"outbox", "--cancel", id}, &out, &err), 0) << err;
  ASSERT_EQ(run(tmp / "a", port, {"outbox"}, &out, &err), 0) << err;
  EXPECT_NE(out.find("the outbox is empty"), std::string::npos) << out;
}

}  // namespace
}  // namespace parley::testing
