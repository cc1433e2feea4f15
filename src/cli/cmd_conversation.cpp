// parley conversation pin | unpin | mute | unmute | archive | unarchive | hide | clear | delete, and
// parley unread: my settings for a conversation (shared by my devices) and deletions for me.
#include <boost/json/serialize.hpp>

#include "cli/command_support.h"
#include "cli/subcommands.h"
#include "parley/json.h"

namespace parley::cli {
namespace {

struct ConversationArgs {
  std::string with;
  std::string duration = "forever";
  uint64_t up_to = 0;
  std::vector<uint64_t> seqs;
};

int change_settings(Context& ctx, const std::string& with, const SettingsChange& change, const std::string& done_text) {
  if (!require_user(ctx)) return 1;
  std::string conversation = resolve_target(ctx.user, with);
  auto r = with_server<ConversationRecord>(
      ctx, "change the conversation's settings",
      [&](Session& s, Done<ConversationRecord> d) { s.client().update_settings(conversation, change, std::move(d)); });
  if (!r) return 1;
  ctx.out->out(ctx.out->json() ? to_json(*r) : done_text + " " + conversation);
  return 0;
}

}  // namespace

void add_conversation_commands(CLI::App& app, Action& chosen) {
  auto a = std::make_shared<ConversationArgs>();
  auto* conv = app.add_subcommand("conversation",
                                  "your settings for one conversation (all your devices follow) and deleting for you");
  conv->require_subcommand(1);
  auto setting = [&chosen, a, conv](const char* name, const char* help, auto make_change, const char* done_text) {
    auto* c = conv->add_subcommand(name, help);
    c->add_option("with", a->with, "a user id or a conversation id")->required();
    c->callback([&chosen, a, make_change, done_text] {
      chosen = [a, make_change, done_text](Context& ctx) {
        SettingsChange change;
        make_change(change);
        return change_settings(ctx, a->with, change, done_text);
      };
    });
    return c;
  };
  setting(
      "pin", "pin the conversation to the top of your list", [](SettingsChange& c) { c.pinned = true; }, "pinned");
  setting(
      "unpin", "unpin it", [](SettingsChange& c) { c.pinned = false; }, "unpinned");
  setting(
      "archive", "archive it (a new message does not unarchive it)", [](SettingsChange& c) { c.archived = true; },
      "archived");
  setting(
      "unarchive", "bring it back from the archive", [](SettingsChange& c) { c.archived = false; }, "unarchived");
  setting(
      "hide", "hide it from your list until its next message", [](SettingsChange& c) { c.hidden = true; }, "hid");
  setting(
      "unmute", "turn notifications back on", [](SettingsChange& c) { c.muted_until_ms = 0; }, "unmuted");

  auto* mute = conv->add_subcommand("mute", "turn notifications off for a while");
  mute->add_option("with", a->with, "a user id or a conversation id")->required();
  mute->add_option("--for", a->duration, "how long: 30m, 8h, 2d or forever (default)");
  mute->callback([&chosen, a] {
    chosen = [a](Context& ctx) {
      auto until = until_from_duration(a->duration);
      if (!until || *until == 0) {
        ctx.out->err("parley: --for takes 30m, 8h, 2d or forever (unmute lifts it)");
        return 2;
      }
      SettingsChange change;
      change.muted_until_ms = *until;
      return change_settings(ctx, a->with, change, "muted");
    };
  });

  auto* clear = conv->add_subcommand("clear", "clear the history for you only (others keep theirs)");
  clear->add_option("with", a->with, "a user id or a conversation id")->required();
  clear->add_option("--up-to", a->up_to, "clear up to and including this seq (default: everything so far)");
  clear->callback([&chosen, a] {
    chosen = [a](Context& ctx) {
      if (!require_user(ctx)) return 1;
      std::string conversation = resolve_target(ctx.user, a->with);
      auto r = with_server<uint64_t>(ctx, "clear the history", [&](Session& s, Done<uint64_t> d) {
        s.client().clear_for_me(conversation, a->up_to, std::move(d));
      });
      if (!r) return 1;
      ctx.out->out(ctx.out->json() ? "{\"cleared_seq\":" + std::to_string(*r) + "}"
                                   : "cleared " + conversation + " up to #" + std::to_string(*r));
      return 0;
    };
  });

  auto* del = conv->add_subcommand("delete", "delete messages for you only (others keep them)");
  del->add_option("with", a->with, "a user id or a conversation id")->required();
  del->add_option("seqs", a->seqs, "the messages' seqs (#N in history), 1 to 500")->required();
  del->callback([&chosen, a] {
    chosen = [a](Context& ctx) {
      if (!require_user(ctx)) return 1;
      std::string conversation = resolve_target(ctx.user, a->with);
      auto r = with_server<bool>(ctx, "delete the messages", [&](Session& s, Done<bool> d) {
        s.client().delete_for_me(conversation, a->seqs, [d = std::move(d)](ClientResult<void> r) {
          d(r ? ClientResult<bool>(true) : ClientResult<bool>(std::unexpected(r.error())));
        });
      });
      if (!r) return 1;
      ctx.out->out(ctx.out->json() ? "{\"deleted\":" + std::to_string(a->seqs.size()) + "}"
                                   : "deleted " + std::to_string(a->seqs.size()) + " message(s) for you");
      return 0;
    };
  });

  auto* unread = app.add_subcommand("unread", "unread totals over your conversations (for a badge)");
  unread->callback([&chosen] {
    chosen = [](Context& ctx) {
      auto r = with_server<std::string>(ctx, "count unread messages",
                                        [](Session& s, Done<std::string> d) { s.client().unread_total(std::move(d)); });
      if (!r) return 1;
      if (ctx.out->json()) {
        ctx.out->out(*r);
        return 0;
      }
      auto v = parse_json(*r);
      auto n = [&](const char* k) { return json_field(v, k).empty() ? std::string("0") : json_field(v, k); };
      ctx.out->out(n("unread") + " unread in " + n("conversations") + " conversation(s); " + n("unread_unmuted") +
                   " not muted; " + n("mentions") + " mention(s)");
      return 0;
    };
  });
}

}  // namespace parley::cli
