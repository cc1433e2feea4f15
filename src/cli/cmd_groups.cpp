// parley groups info | members | invite | kick | role | leave | dismiss | requests | join | transfer | update |
// silence: group administration on libparley.
#include <boost/json/serialize.hpp>

#include "cli/command_support.h"
#include "cli/subcommands.h"

namespace parley::cli {
namespace {

namespace json = boost::json;

struct GroupArgs {
  std::string group;
  std::vector<std::string> users;
  std::string role;
  std::string action;
  std::string user;
  std::string message;
  uint32_t limit = 0;
  std::string after;
  std::optional<std::string> name, description, announcement, policy;
  std::optional<bool> mute_all, history_visible;
  std::string duration = "forever";
};

constexpr size_t kMaxMemberPages = 100;  // 100 pages of up to 500: a bound on what one command prints

// Prints a group change answer ({"seq", "group"}).
void print_change(Context& ctx, const std::string& json_text, const std::string& done_text) {
  if (ctx.out->json()) {
    ctx.out->out(json_text);
    return;
  }
  auto v = parse_json(json_text);
  std::string seq = json_field(v, "seq");
  ctx.out->out(done_text + (seq.empty() ? " (nothing changed)" : " (#" + seq + ")"));
}

int group_info(Context& ctx, const GroupArgs& a) {
  auto r = with_server<std::string>(
      ctx, "read the group", [&](Session& s, Done<std::string> d) { s.client().get_group(a.group, std::move(d)); });
  if (!r) return 1;
  if (ctx.out->json()) {
    ctx.out->out(*r);
    return 0;
  }
  auto v = parse_json(*r);
  const json::value* g = v.is_object() ? v.get_object().if_contains("group") : nullptr;
  json::value none;
  const json::value& group = g ? *g : none;
  std::string role = json_field(v, "my_role");
  ctx.out->out(json_field(group, "name") + " (" + a.group + ")");
  ctx.out->out("  owner:    " + json_field(group, "owner_id"));
  ctx.out->out("  members:  " + (json_field(group, "member_count").empty() ? "0" : json_field(group, "member_count")));
  ctx.out->out("  joining:  " +
               (json_field(group, "join_policy").empty() ? "INVITE_ONLY" : json_field(group, "join_policy")));
  ctx.out->out("  you:      " + (role.empty() ? "not a member" : role));
  for (const char* k : {"description", "announcement"})
    if (!json_field(group, k).empty()) ctx.out->out(std::string("  ") + k + ": " + json_field(group, k));
  if (json_field(group, "mute_all") == "true") ctx.out->out("  only the owner and admins may post");
  if (json_field(group, "dismissed") == "true") ctx.out->out("  dismissed: read-only history");
  return 0;
}

int group_members(Context& ctx, const GroupArgs& a) {
  auto s = open_session(ctx, trouble_hooks(*ctx.out, ctx.verbose));
  if (!s) return 1;
  if (s->wait_ready(ctx.timeout) != ConnectionState::kConnected) {
    ctx.out->err("parley: listing members needs the server: " + s->last_detail());
    return 1;
  }
  std::string after = a.after;
  for (size_t page = 0; page < kMaxMemberPages; ++page) {
    auto r = Session::wait_done<std::string>(
        [&](Done<std::string> d) { s->client().list_members(a.group, after, a.limit, std::move(d)); }, ctx.timeout);
    if (!r || !*r) {
      ctx.out->err("parley: cannot list members: " + (r ? (*r).error().message : std::string("timeout")));
      return 1;
    }
    auto v = parse_json(**r);
    const auto* members = v.is_object() ? v.get_object().if_contains("members") : nullptr;
    if (members && members->is_array()) {
      for (const auto& m : members->get_array()) {
        after = json_field(m, "user_id");
        if (ctx.out->json()) {
          ctx.out->out(json::serialize(m));
          continue;
        }
        std::string name = json_field(m, "display_name");
        std::string silenced = json_field(m, "silenced_until_ms");
        ctx.out->out(after + (name.empty() ? "" : " (" + name + ")") + "  " + json_field(m, "role") +
                     (silenced.empty() ? "" : "  (silenced)"));
      }
    }
    // --limit asks for one page; without it, every page.
    if (a.limit != 0 || json_field(v, "end") == "true" || !members || !members->is_array() ||
        members->get_array().empty())
      break;
  }
  return 0;
}

int group_requests(Context& ctx, const GroupArgs& a) {
  if (a.action.empty()) {
    auto r = with_server<std::string>(ctx, "list join requests", [&](Session& s, Done<std::string> d) {
      s.client().list_join_requests(a.group, std::move(d));
    });
    if (!r) return 1;
    auto v = parse_json(*r);
    const auto* list = v.is_object() ? v.get_object().if_contains("requests") : nullptr;
    size_t n = 0;
    if (list && list->is_array()) {
      for (const auto& q : list->get_array()) {
        ++n;
        if (ctx.out->json()) {
          ctx.out->out(json::serialize(q));
        } else {
          std::string text = json_field(q, "message");
          ctx.out->out(json_field(q, "user_id") + " asks to join" + (text.empty() ? "" : ": " + text));
        }
      }
    }
    if (n == 0 && !ctx.out->json()) ctx.out->out("no pending join requests");
    return 0;
  }
  if ((a.action != "approve" && a.action != "decline") || a.user.empty()) {
    ctx.out->err("parley: groups requests <group> [approve|decline <user>]");
    return 2;
  }
  bool approve = a.action == "approve";
  auto r = with_server<std::string>(
      ctx, (a.action + " the request of " + a.user).c_str(), [&](Session& s, Done<std::string> d) {
        s.client().answer_join_request(a.group, a.user, approve ? JoinAnswer::kAccept : JoinAnswer::kDecline,
                                       std::move(d));
      });
  if (!r) return 1;
  print_change(ctx, *r, approve ? a.user + " joined " + a.group : "declined " + a.user);
  return 0;
}

int group_update(Context& ctx, const GroupArgs& a) {
  GroupChange change;
  change.name = a.name;
  change.description = a.description;
  change.announcement = a.announcement;
  change.mute_all = a.mute_all;
  change.history_visible = a.history_visible;
  if (a.policy) {
    if (*a.policy == "open")
      change.join_policy = JoinPolicy::kOpen;
    else if (*a.policy == "approval")
      change.join_policy = JoinPolicy::kApproval;
    else if (*a.policy == "invite-only")
      change.join_policy = JoinPolicy::kInviteOnly;
    else {
      ctx.out->err("parley: --policy is open, approval or invite-only");
      return 2;
    }
  }
  if (!change.name && !change.description && !change.announcement && !change.mute_all && !change.history_visible &&
      !change.join_policy) {
    ctx.out->err(
        "parley: nothing to change: give --name, --description, --announcement, --policy, --mute-all or "
        "--history-visible");
    return 2;
  }
  auto r = with_server<std::string>(ctx, "update the group", [&](Session& s, Done<std::string> d) {
    s.client().update_group(a.group, change, std::move(d));
  });
  if (!r) return 1;
  print_change(ctx, *r, "updated " + a.group);
  return 0;
}

CLI::App* sub(CLI::App& groups, const char* name, const char* help, const std::shared_ptr<GroupArgs>& a) {
  auto* c = groups.add_subcommand(name, help);
  c->add_option("group", a->group, "group id (g:…)")->required();
  return c;
}

}  // namespace

void add_group_admin_commands(CLI::App& groups, Action& chosen) {
  auto a = std::make_shared<GroupArgs>();
  auto simple = [&chosen](CLI::App* c, const Action& action) { c->callback([&chosen, action] { chosen = action; }); };

  simple(sub(groups, "info", "show a group's settings, owner, size and your role", a),
         [a](Context& ctx) { return group_info(ctx, *a); });

  auto* members =
      sub(groups, "members", "list a group's members with their roles (every page, or one with --limit)", a);
  members->add_option("--limit", a->limit, "one page of at most this many (1-500)")->check(CLI::Range(1, 500));
  members->add_option("--after", a->after, "start after this user id (paging)");
  simple(members, [a](Context& ctx) { return group_members(ctx, *a); });

  auto* invite = sub(groups, "invite", "add members (owner and admins; anyone in an open group)", a);
  invite->add_option("users", a->users, "user ids")->required();
  simple(invite, [a](Context& ctx) { return cmd_group_members(ctx, true, a->group, a->users); });

  auto* kick = sub(groups, "kick", "remove members (owner and admins; admins cannot remove admins)", a);
  kick->add_option("users", a->users, "user ids")->required();
  simple(kick, [a](Context& ctx) { return cmd_group_members(ctx, false, a->group, a->users); });

  auto* role = sub(groups, "role", "make members admins or plain members again (owner only)", a);
  role->add_option("role", a->role, "admin or member")->required()->check(CLI::IsMember({"admin", "member"}));
  role->add_option("users", a->users, "user ids")->required();
  simple(role, [a](Context& ctx) {
    auto r = with_server<std::string>(ctx, "change roles", [&](Session& s, Done<std::string> d) {
      s.client().set_member_role(a->group, a->users, a->role == "admin" ? MemberRole::kAdmin : MemberRole::kMember,
                                 std::move(d));
    });
    if (!r) return 1;
    print_change(ctx, *r, "made " + std::to_string(a->users.size()) + " member(s) " + a->role);
    return 0;
  });

  simple(sub(groups, "leave", "leave a group (an owner transfers ownership first)", a), [a](Context& ctx) {
    auto r = with_server<uint64_t>(
        ctx, "leave the group", [&](Session& s, Done<uint64_t> d) { s.client().leave_group(a->group, std::move(d)); });
    if (!r) return 1;
    ctx.out->out(ctx.out->json() ? "{\"seq\":" + std::to_string(*r) + "}"
                                 : "left " + a->group + " (#" + std::to_string(*r) + ")");
    return 0;
  });

  simple(sub(groups, "dismiss", "close a group for good; it stays as read-only history (owner only)", a),
         [a](Context& ctx) {
           auto r = with_server<std::string>(ctx, "dismiss the group", [&](Session& s, Done<std::string> d) {
             s.client().dismiss_group(a->group, std::move(d));
           });
           if (!r) return 1;
           print_change(ctx, *r, "dismissed " + a->group);
           return 0;
         });

  auto* requests = sub(groups, "requests",
                       "list pending join requests, or approve/decline one (owner and admins):\n"
                       "  parley groups requests g:… | parley groups requests g:… approve dave",
                       a);
  requests->add_option("action", a->action, "approve or decline")->check(CLI::IsMember({"approve", "decline"}));
  requests->add_option("user", a->user, "whose request");
  simple(requests, [a](Context& ctx) { return group_requests(ctx, *a); });

  auto* join = sub(groups, "join", "join an open group, or ask to join an approval group", a);
  join->add_option("message", a->message, "a note for the admins (approval groups)");
  simple(join, [a](Context& ctx) {
    auto r = with_server<std::string>(ctx, "join the group", [&](Session& s, Done<std::string> d) {
      s.client().join_group(a->group, a->message, std::move(d));
    });
    if (!r) return 1;
    if (ctx.out->json())
      ctx.out->out(*r);
    else
      ctx.out->out(json_field(parse_json(*r), "joined") == "true" ? "joined " + a->group
                                                                  : "asked to join " + a->group + "; an admin decides");
    return 0;
  });

  auto* transfer = sub(groups, "transfer", "make another member the owner; you become an admin (owner only)", a);
  transfer->add_option("user", a->user, "the new owner")->required();
  simple(transfer, [a](Context& ctx) {
    auto r = with_server<std::string>(ctx, "transfer ownership", [&](Session& s, Done<std::string> d) {
      s.client().transfer_ownership(a->group, a->user, std::move(d));
    });
    if (!r) return 1;
    print_change(ctx, *r, a->user + " owns " + a->group + " now");
    return 0;
  });

  auto* update =
      sub(groups, "update", "change a group's settings (owner and admins); only the options given change", a);
  update->add_option("--name", a->name, "new name");
  update->add_option("--description", a->description, "new description");
  update->add_option("--announcement", a->announcement, "new announcement");
  update->add_option("--policy", a->policy, "who may join: open, approval or invite-only");
  update->add_option("--mute-all", a->mute_all, "true: only the owner and admins may post");
  update->add_option("--history-visible", a->history_visible, "true: new members see the history from the start");
  simple(update, [a](Context& ctx) { return group_update(ctx, *a); });

  auto* silence = sub(groups, "silence", "stop members posting for a while (owner and admins)", a);
  silence->add_option("users", a->users, "user ids")->required();
  silence->add_option("--for", a->duration, "how long: 30m, 8h, 2d, forever (default), or 0 to lift");
  simple(silence, [a](Context& ctx) {
    auto until = until_from_duration(a->duration);
    if (!until) {
      ctx.out->err("parley: --for takes 30m, 8h, 2d, forever or 0");
      return 2;
    }
    auto r = with_server<std::string>(ctx, "silence members", [&](Session& s, Done<std::string> d) {
      s.client().silence_members(a->group, a->users, *until, std::move(d));
    });
    if (!r) return 1;
    print_change(ctx, *r, *until ? "silenced " + std::to_string(a->users.size()) + " member(s)" : "lifted the silence");
    return 0;
  });
}

}  // namespace parley::cli
