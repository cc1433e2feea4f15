// parley: the command-line client, built on libparley. See `parley --help` and docs/sdk.md.
#include <CLI/CLI.hpp>

#include <cstdlib>
#include <iostream>

#include "cli/commands.h"
#include "cli/subcommands.h"
#include "cli/terminal.h"

namespace {

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

std::string join(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

}  // namespace

namespace {

int run(int argc, char** argv) {
  using namespace parley::cli;
  block_stop_signals();  // before any thread starts: Ctrl-C reaches the signalfd of chat/tail

  CLI::App app{
      "parley: chat on a Parley server from the terminal.\n"
      "Defaults come from <home>/config.toml (server, user); `parley login` writes them."};
  app.require_subcommand(1);
  app.fallthrough();  // global options may also follow the subcommand: `parley history bob --json`
  std::string home, server, user, ca_file;
  bool json = false, verbose = false;
  int timeout_s = 10;
  app.add_option("--home", home,
                 "directory for config.toml and account data (env PARLEY_HOME; default ~/.config/parley)");
  app.add_option("--server", server,
                 "server address: ws://HOST:PORT/v1/ws, wss://HOST:PORT/v1/ws or HOST:PORT (env PARLEY_SERVER)");
  app.add_option("--ca-file", ca_file,
                 "PEM CA certificates to trust for a wss:// server (env PARLEY_CA_FILE; default: the system's)");
  app.add_option("--user", user, "account to act as (env PARLEY_USER; default: the last login)");
  app.add_flag("--json", json, "machine-readable output: one JSON object per line");
  app.add_flag("-v,--verbose", verbose, "report every connection state change on stderr");
  app.add_option("--timeout", timeout_s, "seconds to wait for the server (default 10)")->check(CLI::Range(1, 3600));
  for (auto* option : app.get_options()) option->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);

  std::string who, password, display_name, to, query, group_name, group;
  std::vector<std::string> words, members;
  uint32_t limit = 50;
  uint64_t before = 0;

  auto* reg = app.add_subcommand("register", "create an account and log in");
  reg->add_option("user", who, "user id (1-64 of A-Z a-z 0-9 _ . -)")->required();
  reg->add_option("--password", password, "password (8-256 bytes); default: env PARLEY_PASSWORD, else prompt/stdin");
  reg->add_option("--display-name", display_name, "name shown to others");
  auto* login = app.add_subcommand("login", "log in and make this account the default");
  login->add_option("user", who, "user id")->required();
  login->add_option("--password", password, "password; default: env PARLEY_PASSWORD, else prompt/stdin");
  auto* logout = app.add_subcommand("logout", "end this device's session on the server");
  auto* whoami = app.add_subcommand("whoami", "show the account, server and data directory in use");
  auto* send = app.add_subcommand("send", "send a message and wait until the server has it");
  send->add_option("to", to, "a user id (direct chat) or a conversation id (d:… / g:…)")->required();
  std::string send_file;
  send->add_option("text", words, "the message (with --file: an optional caption)");
  send->add_option("--file", send_file, "upload this file and send it as an image, audio, video or file message");
  auto* chat = app.add_subcommand("chat", "interactive chat: incoming messages appear while you type");
  chat->add_option("with", to, "a user id or a conversation id")->required();
  auto* convs = app.add_subcommand("conversations", "list conversations, newest first, with unread counts");
  auto* history = app.add_subcommand("history", "show messages of a conversation (fetches older ones as needed)");
  history->add_option("with", to, "a user id or a conversation id")->required();
  history->add_option("--limit", limit, "messages to show (default 50)")->check(CLI::Range(1, 1000));
  history->add_option("--before", before, "only messages below this seq");
  auto* search = app.add_subcommand("search", "full-text search of the messages on this device");
  search->add_option("query", query, "words (SQLite FTS5 syntax: \"exact phrase\", prefix*, a OR b)")->required();
  search->add_option("--limit", limit, "results to show (default 50)")->check(CLI::Range(1, 1000));
  bool on_server = false;
  search->add_flag("--server", on_server, "search the server (every message you can see), not this device");
  std::string friends_action, friends_user;
  std::vector<std::string> friends_words;
  auto* friends = app.add_subcommand("friends", "friends and blocks: list | add <user> [message] | accept <user> | "
                                                "decline <user> | remove <user> | block <user> | unblock <user>");
  friends->add_option("action", friends_action, "list, add, accept, decline, remove, block, unblock")->required();
  friends->add_option("user", friends_user, "the other user");
  friends->add_option("message", friends_words, "add: a note with the request");
  uint64_t op_seq = 0;
  std::string op_arg;
  auto* edit = app.add_subcommand("edit", "replace the text of a message you sent");
  edit->add_option("conversation", to, "a user id or a conversation id")->required();
  edit->add_option("seq", op_seq, "the message's seq (#N in history)")->required();
  edit->add_option("text", words, "the new text")->required();
  auto* react = app.add_subcommand("react", "react to a message with an emoji");
  react->add_option("conversation", to, "a user id or a conversation id")->required();
  react->add_option("seq", op_seq, "the message's seq")->required();
  react->add_option("emoji", op_arg, "the reaction")->required();
  auto* revoke = app.add_subcommand("revoke", "withdraw a message for everyone");
  revoke->add_option("conversation", to, "a user id or a conversation id")->required();
  revoke->add_option("seq", op_seq, "the message's seq")->required();
  auto* tail = app.add_subcommand("tail", "stream every event (messages, sends, reads, connection) until Ctrl-C");
  std::string resend_id, cancel_id;
  auto* outbox = app.add_subcommand("outbox", "list unsent messages; resend or cancel one");
  auto* resend_opt = outbox->add_option("--resend", resend_id, "send this failed message (client_msg_id) again");
  outbox->add_option("--cancel", cancel_id, "remove this unsent message (client_msg_id)")->excludes(resend_opt);
  auto* groups = app.add_subcommand("groups", "create and administer groups: create, add, remove, info, members, invite,\n"
                                               "kick, role, leave, dismiss, requests, join, transfer, update, silence");
  groups->require_subcommand(1);
  auto* gcreate = groups->add_subcommand("create", "create a group (you become its owner)");
  gcreate->add_option("name", group_name, "group name")->required();
  gcreate->add_option("members", members, "user ids to add");
  auto* gadd = groups->add_subcommand("add", "add members (owner only)");
  gadd->add_option("group", group, "group id (g:…)")->required();
  gadd->add_option("users", members, "user ids")->required();
  auto* gremove = groups->add_subcommand("remove", "remove members, or yourself to leave");
  gremove->add_option("group", group, "group id (g:…)")->required();
  gremove->add_option("users", members, "user ids")->required();

  Action chosen;  // set by the subcommands that register themselves (cli/subcommands.h)
  add_group_admin_commands(*groups, chosen);
  add_conversation_commands(app, chosen);
  add_people_commands(app, chosen);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);  // prints the help or the usage error
    return code == 0 ? 0 : 2;
  }
  if (*send && send_file.empty() && words.empty()) {
    std::cerr << "text is required (or --file PATH)\nRun with --help for more information.\n";
    return 2;
  }

  Output out(json);
  try {
    Context ctx;
    ctx.config = load_config(home);
    ctx.server = !server.empty()
                     ? server
                     : env_or("PARLEY_SERVER", ctx.config.server.empty() ? kDefaultServer : ctx.config.server);
    ctx.user = !user.empty() ? user : env_or("PARLEY_USER", ctx.config.user);
    ctx.ca_file = !ca_file.empty() ? ca_file : env_or("PARLEY_CA_FILE", ctx.config.ca_file);
    ctx.out = &out;
    ctx.timeout = std::chrono::seconds(timeout_s);
    ctx.verbose = verbose;

    if (*reg || *login) {
      if (password.empty()) password = env_or("PARLEY_PASSWORD", "");
      if (password.empty()) password = read_password("password for " + who + ": ").value_or("");
      return *reg ? cmd_register(ctx, who, password, display_name) : cmd_login(ctx, who, password);
    }
    if (chosen) return chosen(ctx);
    if (*logout) return cmd_logout(ctx);
    if (*whoami) return cmd_whoami(ctx);
    if (*send && !send_file.empty()) return cmd_send_file(ctx, to, send_file, join(words));
    if (*send) return cmd_send(ctx, to, join(words));
    if (*chat) return cmd_chat(ctx, to);
    if (*convs) return cmd_conversations(ctx);
    if (*history) return cmd_history(ctx, to, limit, before);
    if (*search) return cmd_search(ctx, query, limit, on_server);
    if (*friends) return cmd_friends(ctx, friends_action, friends_user, join(friends_words));
    if (*edit) return cmd_message_op(ctx, MessageOp::kEdit, to, op_seq, join(words));
    if (*react) return cmd_message_op(ctx, MessageOp::kReact, to, op_seq, op_arg);
    if (*revoke) return cmd_message_op(ctx, MessageOp::kRevoke, to, op_seq, "");
    if (*tail) return cmd_tail(ctx);
    if (*outbox) return cmd_outbox(ctx, resend_id, cancel_id);
    if (*gcreate) return cmd_group_create(ctx, group_name, members);
    if (*gadd) return cmd_group_members(ctx, true, group, members);
    if (*gremove) return cmd_group_members(ctx, false, group, members);
  } catch (const std::exception& e) {
    out.err(std::string("parley: ") + e.what());
    return 1;
  }
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "parley: " << e.what() << "\n";
    return 1;
  }
}
