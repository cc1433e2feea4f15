// The parley subcommands. Each returns the process exit code: 0 done, 1 failed (the reason is printed),
// 3 a message was queued but could not be sent yet (offline; it goes out the next time parley connects).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "cli/cli_config.h"
#include "cli/cli_session.h"

namespace parley::cli {

inline constexpr int kExitQueued = 3;

struct Context {
  CliConfig config;
  std::string server;  // effective server URL
  std::string ca_file;  // effective CA file for wss:// ("" : the system's CA certificates)
  std::string user;    // effective account ("" if none)
  Output* out = nullptr;
  std::chrono::milliseconds timeout{std::chrono::seconds(10)};
  bool verbose = false;
};

int cmd_register(Context& ctx, const std::string& user, const std::string& password, const std::string& display_name);
int cmd_login(Context& ctx, const std::string& user, const std::string& password);
int cmd_logout(Context& ctx);
int cmd_whoami(Context& ctx);
int cmd_send(Context& ctx, const std::string& to, const std::string& text);
int cmd_send_file(Context& ctx, const std::string& to, const std::string& path, const std::string& caption);  // send_file.cpp
int cmd_chat(Context& ctx, const std::string& to);
int cmd_conversations(Context& ctx);
int cmd_history(Context& ctx, const std::string& to, uint32_t limit, uint64_t before_seq);
// `on_server`: the server's index of every message the user can see, instead of this device's.
int cmd_search(Context& ctx, const std::string& query, uint32_t limit, bool on_server);
// friends list | add <user> [message] | accept <user> | decline <user> | remove <user> | block <user> |
// unblock <user>; list also shows pending requests.
int cmd_friends(Context& ctx, const std::string& action, const std::string& user, const std::string& message);
enum class MessageOp { kEdit, kRevoke, kReact };
// Edits (arg: new text), revokes, or reacts to (arg: emoji) message `seq` of `to`.
int cmd_message_op(Context& ctx, MessageOp op, const std::string& to, uint64_t seq, const std::string& arg);
int cmd_tail(Context& ctx);
// Lists unsent messages; with `resend_id` / `cancel_id` acts on one failed (or waiting) message.
int cmd_outbox(Context& ctx, const std::string& resend_id, const std::string& cancel_id);
int cmd_group_create(Context& ctx, const std::string& name, const std::vector<std::string>& members);
int cmd_group_members(Context& ctx, bool add, const std::string& group, const std::vector<std::string>& users);

}  // namespace parley::cli
