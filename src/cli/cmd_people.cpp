// parley block | unblock | blocked | users search | privacy: blocks (listed from the local cache, so offline
// too), the user directory and privacy settings.
#include <boost/json/serialize.hpp>

#include "cli/command_support.h"
#include "cli/subcommands.h"
#include "parley/json.h"

namespace parley::cli {
namespace {

namespace json = boost::json;

struct PeopleArgs {
  std::string user;
  std::string query;
  uint32_t limit = 20;
  std::optional<std::string> receipts, presence;
};

int block(Context& ctx, const std::string& user, bool on) {
  auto r = with_server<std::string>(ctx, (std::string(on ? "block " : "unblock ") + user).c_str(),
                                    [&](Session& s, Done<std::string> d) {
                                      if (on)
                                        s.client().block_user(user, std::move(d));
                                      else
                                        s.client().unblock_user(user, std::move(d));
                                    });
  if (!r) return 1;
  ctx.out->out(ctx.out->json() ? std::string(on ? "{\"blocked\":\"" : "{\"unblocked\":\"") + user + "\"}"
                               : std::string(on ? "blocked " : "unblocked ") + user);
  return 0;
}

// The blocked list: refreshed from the server when it answers within the timeout, else the local cache.
int list_blocked(Context& ctx) {
  auto s = open_session(ctx, trouble_hooks(*ctx.out, ctx.verbose));
  if (!s) return 1;
  if (!wait_ready_or_warn(ctx, *s)) return 1;  // catching up refreshes the cache
  auto list = s->client().blocked();
  if (!list) {
    ctx.out->err("parley: " + list.error().message);
    return 1;
  }
  for (const auto& c : *list)
    ctx.out->out(ctx.out->json() ? to_json(c)
                                 : c.user_id + (c.display_name.empty() ? "" : " (" + c.display_name + ")"));
  if (list->empty() && !ctx.out->json()) ctx.out->out("you have blocked nobody");
  return 0;
}

int search_users(Context& ctx, const PeopleArgs& a) {
  auto r = with_server<std::string>(ctx, "search users", [&](Session& s, Done<std::string> d) {
    s.client().search_users(a.query, a.limit, std::move(d));
  });
  if (!r) return 1;
  auto v = parse_json(*r);
  const auto* users = v.is_object() ? v.get_object().if_contains("users") : nullptr;
  size_t n = 0;
  if (users && users->is_array()) {
    for (const auto& u : users->get_array()) {
      ++n;
      ctx.out->out(ctx.out->json() ? json::serialize(u) : user_line(u));
    }
  }
  if (n == 0 && !ctx.out->json()) ctx.out->out("nobody matches '" + a.query + "'");
  return 0;
}

int privacy(Context& ctx, const PeopleArgs& a) {
  if (!a.receipts && !a.presence) {
    auto r = with_server<std::string>(ctx, "read privacy settings",
                                      [](Session& s, Done<std::string> d) { s.client().get_privacy(std::move(d)); });
    if (!r) return 1;
    if (ctx.out->json()) {
      ctx.out->out(*r);
      return 0;
    }
    auto p = parse_json(*r);
    const json::value* inner = p.is_object() ? p.get_object().if_contains("privacy") : nullptr;
    json::value none;
    std::string presence = json_field(inner ? *inner : none, "presence");
    ctx.out->out(std::string("read receipts: ") +
                 (json_field(inner ? *inner : none, "receipts_disabled") == "true" ? "off" : "on"));
    ctx.out->out("presence visible to: " + (presence.empty() || presence == "PRESENCE_VISIBILITY_UNSPECIFIED"
                                                ? std::string("CONTACTS")
                                                : presence));
    return 0;
  }
  // set_privacy replaces the whole settings: start from the current ones.
  auto s = open_session(ctx, trouble_hooks(*ctx.out, ctx.verbose));
  if (!s) return 1;
  if (s->wait_ready(ctx.timeout) != ConnectionState::kConnected) {
    ctx.out->err("parley: privacy settings need the server: " + s->last_detail());
    return 1;
  }
  auto current =
      Session::wait_done<std::string>([&](Done<std::string> d) { s->client().get_privacy(std::move(d)); }, ctx.timeout);
  if (!current || !*current) {
    ctx.out->err("parley: cannot read privacy settings: " + (current ? (*current).error().message : "timeout"));
    return 1;
  }
  auto p = parse_json(**current);
  const json::value* inner = p.is_object() ? p.get_object().if_contains("privacy") : nullptr;
  json::value none;
  PrivacySettings settings;
  settings.receipts_disabled = json_field(inner ? *inner : none, "receipts_disabled") == "true";
  std::string presence = json_field(inner ? *inner : none, "presence");
  settings.presence = presence == "FRIENDS"  ? PresenceVisibility::kFriends
                      : presence == "NOBODY" ? PresenceVisibility::kNobody
                                             : PresenceVisibility::kContacts;
  if (a.receipts) settings.receipts_disabled = *a.receipts == "off";
  if (a.presence) {
    settings.presence = *a.presence == "friends"  ? PresenceVisibility::kFriends
                        : *a.presence == "nobody" ? PresenceVisibility::kNobody
                                                  : PresenceVisibility::kContacts;
  }
  auto r = Session::wait_done<std::string>(
      [&](Done<std::string> d) { s->client().set_privacy(settings, std::move(d)); }, ctx.timeout);
  if (!r || !*r) {
    ctx.out->err("parley: cannot change privacy settings: " + (r ? (*r).error().message : "timeout"));
    return 1;
  }
  ctx.out->out(ctx.out->json() ? **r : "privacy settings saved");
  return 0;
}

}  // namespace

void add_people_commands(CLI::App& app, Action& chosen) {
  auto a = std::make_shared<PeopleArgs>();
  auto* b = app.add_subcommand("block", "block a user: they can no longer message you or ask to be friends");
  b->add_option("user", a->user, "user id")->required();
  b->callback([&chosen, a] { chosen = [a](Context& ctx) { return block(ctx, a->user, true); }; });
  auto* u = app.add_subcommand("unblock", "lift a block (an ended friendship does not come back)");
  u->add_option("user", a->user, "user id")->required();
  u->callback([&chosen, a] { chosen = [a](Context& ctx) { return block(ctx, a->user, false); }; });
  auto* listed = app.add_subcommand("blocked", "list the users you blocked (from this device when offline)");
  listed->callback([&chosen] { chosen = [](Context& ctx) { return list_blocked(ctx); }; });

  auto* users = app.add_subcommand("users", "the user directory");
  users->require_subcommand(1);
  auto* search = users->add_subcommand("search", "find users whose id or display name starts with a text");
  search->add_option("query", a->query, "1-64 bytes, case-insensitive")->required();
  search->add_option("--limit", a->limit, "at most this many (default 20, at most 100)")->check(CLI::Range(1, 100));
  search->callback([&chosen, a] { chosen = [a](Context& ctx) { return search_users(ctx, *a); }; });

  auto* p = app.add_subcommand("privacy", "show your privacy settings, or change them with the options");
  p->add_option("--receipts", a->receipts, "on: others see when you received and read; off: they do not")
      ->check(CLI::IsMember({"on", "off"}));
  p->add_option("--presence", a->presence, "who sees when you are online: contacts, friends or nobody")
      ->check(CLI::IsMember({"contacts", "friends", "nobody"}));
  p->callback([&chosen, a] { chosen = [a](Context& ctx) { return privacy(ctx, *a); }; });
}

}  // namespace parley::cli
