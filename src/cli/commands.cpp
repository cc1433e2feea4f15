#include "cli/commands.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <ctime>

#include "cli/command_support.h"
#include "cli/terminal.h"
#include "cli/typing_reporter.h"
#include "parley/json.h"

namespace parley::cli {
namespace {

namespace json = boost::json;
using Clock = std::chrono::steady_clock;

std::string clock_time(int64_t ms) {
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%H:%M:%S", &tm);
  return buf;
}

std::string describe(const MessageRecord& m) {
  std::string head = "[" + clock_time(m.timestamp_ms) + "] #" + std::to_string(m.seq) + " ";
  if (m.kind == "SYSTEM") {
    boost::system::error_code ec;
    auto v = json::parse(m.json, ec);
    std::string what = "changed the group";
    if (!ec && v.is_object()) {
      if (const auto* sys = v.get_object().if_contains("system"); sys && sys->is_object()) {
        const auto& o = sys->get_object();
        std::string action = o.contains("action") ? std::string(o.at("action").as_string().c_str()) : "";
        std::string users;
        if (const auto* ids = o.if_contains("user_ids"); ids && ids->is_array()) {
          for (const auto& id : ids->get_array())
            users += (users.empty() ? "" : ", ") + std::string(id.as_string().c_str());
        }
        if (action == "GROUP_CREATED")
          what = "created the group" + (users.empty() ? "" : " with " + users);
        else if (action == "MEMBERS_ADDED")
          what = "added " + users;
        else if (action == "MEMBERS_REMOVED")
          what = "removed " + users;
      }
    }
    return head + "* " + m.sender_id + " " + what;
  }
  std::string state = m.state == SendState::kSent      ? ""
                      : m.state == SendState::kSending ? "  (sending)"
                                                       : "  (failed: " + m.error + ")";
  std::string text = m.text, marks;
  boost::system::error_code ec;
  auto v = m.json.empty() ? json::value() : json::parse(m.json, ec);
  if (!ec && v.is_object()) {
    const auto& o = v.get_object();
    if (const auto* r = o.if_contains("revoked"); r && r->is_bool() && r->as_bool()) text = "(revoked)";
    if (o.contains("edit_count")) marks += "  (edited)";
    if (const auto* rs = o.if_contains("reactions"); rs && rs->is_array()) {
      for (const auto& r : rs->get_array()) {
        if (!r.is_object()) continue;
        const auto* emoji = r.get_object().if_contains("emoji");
        const auto* count = r.get_object().if_contains("count");
        if (emoji && emoji->is_string())
          marks += "  " + std::string(emoji->as_string().c_str()) +
                   (count ? " " + json::serialize(*count) : std::string());
      }
    }
  }
  return head + m.sender_id + ": " + text + marks + state;
}

void print_message(Output& out, const MessageRecord& m, const char* origin = nullptr) {
  if (out.json())
    out.out(to_json(m, origin));
  else
    out.out((m.conversation_id.starts_with("g:") || origin ? m.conversation_id + " " : "") + describe(m));
}

int login_common(Context& ctx, const std::string& user, const std::string& password, const std::string& display,
                 bool register_first) {
  if (user.empty() || password.empty()) {
    ctx.out->err("parley: a user id and a password are needed");
    return 1;
  }
  Session s(ctx.server, ctx.ca_file, database_path(ctx.config, user), trouble_hooks(*ctx.out, ctx.verbose));
  auto result = Session::wait_done<SessionSummary>(
      [&](Done<SessionSummary> done) {
        if (register_first)
          s.client().register_and_login(user, password, display, std::move(done));
        else
          s.client().login(user, password, std::move(done));
      },
      ctx.timeout);
  if (!result) {
    ctx.out->err("parley: gave up after " + std::to_string(ctx.timeout.count() / 1000) + " s: " + s.last_detail());
    return 1;
  }
  if (!*result) {
    ctx.out->err(std::string("parley: ") + (register_first ? "registration" : "login") +
                 " failed: " + result->error().message);
    return 1;
  }
  ctx.config.server = ctx.server;
  ctx.config.ca_file = ctx.ca_file;
  ctx.config.user = user;
  save_config(ctx.config);
  if (ctx.out->json()) {
    ctx.out->out(to_json(**result));
  } else {
    ctx.out->out("logged in as " + (*result)->user_id + " on " + ctx.server + " (device " + (*result)->device_id + ")");
  }
  s.wait_ready(ctx.timeout);  // the first sync, so that `parley conversations` right after has data
  return 0;
}

}  // namespace

int cmd_register(Context& ctx, const std::string& user, const std::string& password, const std::string& display) {
  return login_common(ctx, user, password, display, true);
}

int cmd_login(Context& ctx, const std::string& user, const std::string& password) {
  return login_common(ctx, user, password, "", false);
}

int cmd_logout(Context& ctx) {
  auto s = open_session(ctx, trouble_hooks(*ctx.out, ctx.verbose));
  if (!s) return 1;
  s->wait_ready(ctx.timeout);
  auto result = Session::wait_done<void>([&](Done<void> done) { s->client().logout(std::move(done)); }, ctx.timeout);
  if (result && !*result) ctx.out->err("parley: the server refused the logout: " + (*result).error().message);
  ctx.config.user.clear();
  ctx.config.server = ctx.server;
  ctx.config.ca_file = ctx.ca_file;
  save_config(ctx.config);
  ctx.out->out(ctx.out->json() ? "{\"logged_out\":\"" + ctx.user + "\"}" : "logged out " + ctx.user);
  return 0;
}

int cmd_whoami(Context& ctx) {
  if (!require_user(ctx)) return 1;
  if (ctx.out->json()) {
    json::object o;
    o["user_id"] = ctx.user;
    o["server"] = ctx.server;
    o["home"] = ctx.config.home;
    ctx.out->out(json::serialize(o));
  } else {
    ctx.out->out(ctx.user + " on " + ctx.server + " (data in " + ctx.config.home + ")");
  }
  return 0;
}

int cmd_send(Context& ctx, const std::string& to, const std::string& text) {
  auto s = open_session(ctx, trouble_hooks(*ctx.out, ctx.verbose));
  if (!s) return 1;
  std::string conversation = resolve_target(ctx.user, to);
  auto id = s->client().send_text(conversation, text);
  if (!id) {
    ctx.out->err("parley: cannot send: " + id.error().message);
    return 1;
  }
  auto outcome = s->wait_send_outcome(*id, ctx.timeout);
  if (!outcome) {
    ctx.out->err("parley: not sent yet (" + s->last_detail() +
                 "); it stays queued and goes out the next time "
                 "parley connects");
    if (ctx.out->json()) ctx.out->out(to_json(SendUpdate{conversation, *id, SendState::kSending, 0, ""}));
    return kExitQueued;
  }
  if (ctx.out->json()) {
    ctx.out->out(to_json(*outcome));
  } else if (outcome->state == SendState::kSent) {
    ctx.out->out("sent #" + std::to_string(outcome->seq) + " to " + conversation);
  }
  if (outcome->state == SendState::kFailed) {
    ctx.out->err("parley: the server refused the message: " + outcome->error);
    return 1;
  }
  return 0;
}

int cmd_chat(Context& ctx, const std::string& to) {
  if (!require_user(ctx)) return 1;
  std::string conversation = resolve_target(ctx.user, to);
  Output& out = *ctx.out;
  Client* client = nullptr;
  std::vector<std::string> sent;  // ids of the lines typed; their outcomes are kept by the session
  SessionHooks hooks = trouble_hooks(out, ctx.verbose);
  hooks.on_message = [&, conversation](const MessageRecord& m, MessageOrigin origin) {
    if (m.conversation_id != conversation) return;
    print_message(out, m, out.json() ? (origin == MessageOrigin::kLive ? "live" : "sync") : nullptr);
    if (client) (void)client->mark_read(conversation, m.seq);
  };
  hooks.on_message_updated = [&, conversation](const MessageRecord& m) {
    if (m.conversation_id != conversation) return;
    if (out.json())
      out.out("{\"event\":\"updated\",\"message\":" + to_json(m) + "}");
    else
      out.out("(changed) " + describe(m));
  };
  hooks.on_event = [&, conversation](const EventUpdate& e) {
    if (e.conversation_id != conversation || e.origin != MessageOrigin::kLive) return;
    if (e.kind != EventKind::kTyping && e.kind != EventKind::kReceipt) return;
    if (out.json()) {
      out.out(to_json(e));
      return;
    }
    boost::system::error_code ec;
    auto v = json::parse(e.json, ec);
    if (ec || !v.is_object()) return;
    const auto& o = v.get_object();
    auto text = [&](const char* k) {
      const auto* f = o.if_contains(k);
      return f && f->is_string() ? std::string(f->as_string().c_str()) : std::string();
    };
    auto number = [&](const char* k) {
      const auto* f = o.if_contains(k);
      return f ? (f->is_string() ? std::string(f->as_string().c_str()) : json::serialize(*f)) : std::string();
    };
    const auto* typing = o.if_contains("typing");
    if (e.kind == EventKind::kTyping)
      out.err(text("user_id") + (typing && typing->is_bool() && typing->as_bool() ? " is typing…" : " stopped typing"));
    else if (!number("read_seq").empty())
      out.err(text("user_id") + " read up to #" + number("read_seq"));
  };
  hooks.on_send = [&](const SendUpdate& u) {
    if (u.state == SendState::kFailed) out.err("parley: not sent: " + u.error);
    if (out.json() && u.state != SendState::kSending) out.out(to_json(u));
  };
  auto s = open_session(ctx, std::move(hooks));
  if (!s) return 1;
  client = &s->client();
  if (!wait_ready_or_warn(ctx, *s)) return 1;
  if (auto recent = client->messages(conversation, 0, 20); recent && !out.json()) {
    for (const auto& m : *recent) out.out(describe(m));
    if (!recent->empty() && recent->back().seq) (void)client->mark_read(conversation, recent->back().seq);
  }
  if (!out.json())
    out.err("chatting in " + conversation + "; type a message and press Enter, /quit or Ctrl-D to leave");

  StopOrInput input;
  KeystrokeInput keys;  // on a terminal: keystrokes, so the peer sees "typing" while a line is written
  input.edit_keystrokes(keys.active());
  TypingReporter typing(*client, conversation);
  std::string line;
  for (;;) {
    auto event = input.next(line, TypingReporter::kIdleCheck);
    if (event == StopOrInput::Event::kStopSignal) break;
    if (event == StopOrInput::Event::kEndOfInput) break;
    if (event == StopOrInput::Event::kTimeout) {
      typing.idle();
      continue;
    }
    if (event == StopOrInput::Event::kTyping) {
      if (keys.active()) out.set_unfinished_input(line);
      typing.input(line);
      continue;
    }
    if (event != StopOrInput::Event::kLine) continue;
    out.set_unfinished_input("");
    typing.input("");
    if (line == "/quit") break;
    if (line.empty()) continue;
    auto id = client->send_text(conversation, line);
    if (!id) {
      out.err("parley: cannot send: " + id.error().message);
      continue;
    }
    sent.push_back(*id);
  }
  // Typed lines are in the outbox already; give them a moment to reach the server before leaving.
  auto deadline = Clock::now() + ctx.timeout;
  for (const auto& id : sent) {
    while (!s->wait_send_outcome(id, std::chrono::milliseconds(0))) {
      if (Clock::now() >= deadline) {
        out.err("parley: some messages are still queued; they go out the next time parley connects");
        return kExitQueued;
      }
      if (input.next(line, std::chrono::milliseconds(100), false) == StopOrInput::Event::kStopSignal) return 0;
    }
  }
  return 0;
}

int cmd_conversations(Context& ctx) {
  auto s = open_session(ctx, trouble_hooks(*ctx.out, ctx.verbose));
  if (!s) return 1;
  if (!wait_ready_or_warn(ctx, *s)) return 1;
  auto list = s->client().conversations();
  if (!list) {
    ctx.out->err("parley: " + list.error().message);
    return 1;
  }
  for (const auto& c : *list) {
    if (ctx.out->json()) {
      ctx.out->out(to_json(c));
      continue;
    }
    std::string title = c.name.empty() ? c.conversation_id : c.name + " (" + c.conversation_id + ")";
    std::string unread = c.unread_count ? "  [" + std::to_string(c.unread_count) + " unread]" : "";
    std::string left = c.active ? "" : "  (left)";
    std::string marks = std::string(c.pinned ? "  (pinned)" : "") + (c.muted_until_ms ? "  (muted)" : "") +
                        (c.archived ? "  (archived)" : "") + (c.hidden ? "  (hidden)" : "");
    ctx.out->out(title + unread + left + marks + "\n    " + (c.last_sender_id.empty() ? "" : c.last_sender_id + ": ") +
                 c.last_text);
  }
  if (list->empty() && !ctx.out->json()) ctx.out->out("no conversations yet");
  return 0;
}

int cmd_history(Context& ctx, const std::string& to, uint32_t limit, uint64_t before_seq) {
  auto s = open_session(ctx, trouble_hooks(*ctx.out, ctx.verbose));
  if (!s) return 1;
  if (!wait_ready_or_warn(ctx, *s)) return 1;
  std::string conversation = resolve_target(ctx.user, to);
  auto page = Session::wait_done<std::vector<MessageRecord>>(
      [&](Done<std::vector<MessageRecord>> done) {
        s->client().load_history(conversation, before_seq, limit, std::move(done));
      },
      ctx.timeout);
  if (!page || !*page) {
    ctx.out->err("parley: cannot load history: " + (page ? (*page).error().message : std::string("timeout")));
    return 1;
  }
  for (const auto& m : **page) print_message(*ctx.out, m);
  if (before_seq == 0) {  // unsent messages at the end
    if (auto newest = s->client().messages(conversation, 0, 1)) {
      for (const auto& m : *newest) {
        if (m.seq == 0) print_message(*ctx.out, m);
      }
    }
  }
  return 0;
}

int cmd_search(Context& ctx, const std::string& query, uint32_t limit, bool on_server) {
  if (on_server) {
    auto s = open_session(ctx, trouble_hooks(*ctx.out, ctx.verbose));
    if (!s) return 1;
    if (s->wait_ready(ctx.timeout) != ConnectionState::kConnected) {
      ctx.out->err("parley: searching on the server needs a connection: " + s->last_detail());
      return 1;
    }
    auto r = Session::wait_done<std::string>(
        [&](Done<std::string> done) { s->client().search_server(query, "", std::min<uint32_t>(limit, 100), std::move(done)); },
        ctx.timeout);
    if (!r || !*r) {
      ctx.out->err("parley: search failed: " + (r ? (*r).error().message : std::string("timeout")));
      return 1;
    }
    boost::system::error_code ec;
    auto v = json::parse(**r, ec);
    if (ec || !v.is_object()) return 1;
    if (const auto* hits = v.get_object().if_contains("hits"); hits && hits->is_array()) {
      for (const auto& hit : hits->get_array()) {
        if (ctx.out->json()) {
          ctx.out->out(json::serialize(hit));
          continue;
        }
        const auto* m = hit.is_object() ? hit.get_object().if_contains("message") : nullptr;
        if (!m || !m->is_object()) continue;
        const auto& mo = m->get_object();
        auto field = [&](const char* k) {
          const auto* f = mo.if_contains(k);
          return f ? (f->is_string() ? std::string(f->as_string().c_str()) : json::serialize(*f)) : std::string();
        };
        ctx.out->out(field("conversation_id") + " #" + field("seq") + " " + field("sender_id") + ": " + field("text"));
      }
    }
    return 0;
  }
  if (!require_user(ctx)) return 1;
  Session s(ctx.server, ctx.ca_file, database_path(ctx.config, ctx.user));
  auto found = s.client().search(query, limit);
  if (!found) {
    ctx.out->err("parley: search failed: " + found.error().message);
    return 1;
  }
  for (const auto& m : *found) {
    if (ctx.out->json())
      ctx.out->out(to_json(m));
    else
      ctx.out->out(m.conversation_id + " " + describe(m));
  }
  return 0;
}

int cmd_tail(Context& ctx) {
  if (!require_user(ctx)) return 1;
  Output& out = *ctx.out;
  SessionHooks hooks;
  hooks.on_state = [&out](const StateUpdate& u) {
    if (out.json())
      out.out("{\"event\":\"state\",\"state\":" + to_json(u) + "}");
    else
      out.err("parley: " + std::string(to_string(u.state)) + ": " + u.detail);
  };
  hooks.on_message = [&out](const MessageRecord& m, MessageOrigin o) {
    const char* origin = o == MessageOrigin::kLive ? "live" : "sync";
    if (out.json())
      out.out("{\"event\":\"message\",\"message\":" + to_json(m, origin) + "}");
    else
      out.out(m.conversation_id + " " + describe(m));
  };
  hooks.on_send = [&out](const SendUpdate& u) {
    if (out.json())
      out.out("{\"event\":\"send\",\"send\":" + to_json(u) + "}");
    else
      out.out(u.conversation_id + " your message " + u.client_msg_id + ": " + to_string(u.state) +
              (u.seq ? " #" + std::to_string(u.seq) : "") + (u.error.empty() ? "" : " (" + u.error + ")"));
  };
  hooks.on_read = [&out](const std::string& c, uint64_t seq) {
    if (out.json())
      out.out("{\"event\":\"read\",\"conversation_id\":\"" + c + "\",\"read_seq\":" + std::to_string(seq) + "}");
    else
      out.out(c + " read up to #" + std::to_string(seq) + " on another device");
  };
  hooks.on_message_updated = [&out](const MessageRecord& m) {
    if (out.json())
      out.out("{\"event\":\"updated\",\"message\":" + to_json(m) + "}");
    else
      out.out(m.conversation_id + " (changed) " + describe(m));
  };
  hooks.on_event = [&out](const EventUpdate& e) {
    if (out.json())
      out.out("{\"event\":\"" + std::string(to_string(e.kind)) + "\",\"detail\":" + to_json(e) + "}");
    else
      out.out((e.conversation_id.empty() ? "" : e.conversation_id + " ") + to_string(e.kind) + " " + e.json);
  };
  auto s = open_session(ctx, std::move(hooks));
  if (!s) return 1;
  StopOrInput stop;
  std::string ignored;
  for (;;) {
    if (stop.next(ignored, std::chrono::milliseconds(250), false) == StopOrInput::Event::kStopSignal) return 0;
    if (is_terminal(s->client().state())) return 1;
  }
}

int cmd_outbox(Context& ctx, const std::string& resend_id, const std::string& cancel_id) {
  if (!require_user(ctx)) return 1;
  if (!cancel_id.empty()) {
    Session s(ctx.server, ctx.ca_file, database_path(ctx.config, ctx.user));
    auto r = s.client().cancel(cancel_id);
    if (!r) {
      ctx.out->err("parley: cannot cancel: " + r.error().message);
      return 1;
    }
    ctx.out->out(ctx.out->json() ? "{\"cancelled\":\"" + cancel_id + "\"}" : "cancelled " + cancel_id);
    return 0;
  }
  if (!resend_id.empty()) {
    auto s = open_session(ctx, trouble_hooks(*ctx.out, ctx.verbose));
    if (!s) return 1;
    auto r = s->client().resend(resend_id);
    if (!r) {
      ctx.out->err("parley: cannot resend: " + r.error().message);
      return 1;
    }
    auto outcome = s->wait_send_outcome(resend_id, ctx.timeout);
    if (!outcome) {
      ctx.out->err("parley: not sent yet (" + s->last_detail() + "); it stays queued");
      return kExitQueued;
    }
    if (ctx.out->json())
      ctx.out->out(to_json(*outcome));
    else if (outcome->state == SendState::kSent)
      ctx.out->out("sent #" + std::to_string(outcome->seq));
    if (outcome->state == SendState::kFailed) {
      ctx.out->err("parley: the server refused the message again: " + outcome->error);
      return 1;
    }
    return 0;
  }
  Session s(ctx.server, ctx.ca_file, database_path(ctx.config, ctx.user));
  auto list = s.client().unsent(1000);
  if (!list) {
    ctx.out->err("parley: " + list.error().message);
    return 1;
  }
  for (const auto& m : *list) {
    if (ctx.out->json())
      ctx.out->out(to_json(m));
    else
      ctx.out->out(m.client_msg_id + "  " + m.conversation_id + "  " + to_string(m.state) +
                   (m.error.empty() ? "" : " (" + m.error + ")") + "\n    " + m.text);
  }
  if (list->empty() && !ctx.out->json()) ctx.out->out("the outbox is empty");
  return 0;
}

int cmd_group_create(Context& ctx, const std::string& name, const std::vector<std::string>& members) {
  auto s = open_session(ctx, trouble_hooks(*ctx.out, ctx.verbose));
  if (!s) return 1;
  if (s->wait_ready(ctx.timeout) != ConnectionState::kConnected) {
    ctx.out->err("parley: creating a group needs the server: " + s->last_detail());
    return 1;
  }
  auto r = Session::wait_done<ConversationRecord>(
      [&](Done<ConversationRecord> done) { s->client().create_group(name, members, std::move(done)); }, ctx.timeout);
  if (!r || !*r) {
    ctx.out->err("parley: cannot create the group: " + (r ? (*r).error().message : std::string("timeout")));
    return 1;
  }
  ctx.out->out(ctx.out->json() ? to_json(**r) : "created " + (*r)->conversation_id + " (" + name + ")");
  return 0;
}

int cmd_group_members(Context& ctx, bool add, const std::string& group, const std::vector<std::string>& users) {
  auto s = open_session(ctx, trouble_hooks(*ctx.out, ctx.verbose));
  if (!s) return 1;
  if (s->wait_ready(ctx.timeout) != ConnectionState::kConnected) {
    ctx.out->err("parley: changing members needs the server: " + s->last_detail());
    return 1;
  }
  auto r = Session::wait_done<uint64_t>(
      [&](Done<uint64_t> done) {
        if (add)
          s->client().add_members(group, users, std::move(done));
        else
          s->client().remove_members(group, users, std::move(done));
      },
      ctx.timeout);
  if (!r || !*r) {
    ctx.out->err("parley: cannot change members: " + (r ? (*r).error().message : std::string("timeout")));
    return 1;
  }
  ctx.out->out(ctx.out->json() ? "{\"seq\":" + std::to_string(**r) + "}"
                               : std::string(add ? "added" : "removed") + " (#" + std::to_string(**r) + ")");
  return 0;
}
int cmd_friends(Context& ctx, const std::string& action, const std::string& user, const std::string& message) {
  using Call = std::function<void(Session&, Done<std::string>)>;
  if (action != "list" && user.empty()) {
    ctx.out->err("parley: friends " + action + " needs a user id");
    return 2;
  }
  Call call;
  if (action == "list") {
    {
      // Offline: this device's cache of friends (pending requests need the server).
      auto s = open_session(ctx, trouble_hooks(*ctx.out, ctx.verbose));
      if (!s || !wait_ready_or_warn(ctx, *s)) return 1;
      if (s->client().state() != ConnectionState::kConnected) {
        auto cached = s->client().friends();
        if (!cached) {
          ctx.out->err("parley: " + cached.error().message);
          return 1;
        }
        if (ctx.out->json()) ctx.out->out("{\"friends\":" + to_json_array(*cached) + ",\"cached\":true}");
        for (const auto& f : *cached) {
          if (!ctx.out->json())
            ctx.out->out("friend   " + f.user_id + (f.display_name.empty() ? "" : " (" + f.display_name + ")"));
        }
        return 0;
      }
    }
    auto friends = with_server<std::string>(ctx, "list friends", [](Session& s, Done<std::string> d) {
      s.client().list_friends(std::move(d));
    });
    if (!friends) return 1;
    auto requests = with_server<std::string>(ctx, "list friend requests", [](Session& s, Done<std::string> d) {
      s.client().list_friend_requests(std::move(d));
    });
    if (!requests) return 1;
    if (ctx.out->json()) {
      ctx.out->out("{\"friends\":" + *friends + ",\"requests\":" + *requests + "}");
      return 0;
    }
    boost::system::error_code ec;
    auto f = json::parse(*friends, ec);
    if (!ec && f.is_object()) {
      if (const auto* list = f.get_object().if_contains("friends"); list && list->is_array()) {
        for (const auto& e : list->get_array()) {
          if (const auto* u = e.is_object() ? e.get_object().if_contains("user") : nullptr)
            ctx.out->out("friend   " + user_line(*u));
        }
      }
    }
    auto r = json::parse(*requests, ec);
    if (!ec && r.is_object()) {
      for (const char* dir : {"incoming", "outgoing"}) {
        const auto* list = r.get_object().if_contains(dir);
        if (!list || !list->is_array()) continue;
        for (const auto& e : list->get_array()) {
          if (!e.is_object()) continue;
          const auto& o = e.get_object();
          bool in = std::string(dir) == "incoming";
          const auto* who = o.if_contains(in ? "from_user_id" : "to_user_id");
          const auto* text = o.if_contains("message");
          ctx.out->out(std::string(in ? "asks you " : "asked    ") +
                       (who && who->is_string() ? std::string(who->as_string().c_str()) : "") +
                       (text && text->is_string() && !text->as_string().empty()
                            ? ": " + std::string(text->as_string().c_str())
                            : ""));
        }
      }
    }
    return 0;
  }
  if (action == "add")
    call = [&](Session& s, Done<std::string> d) { s.client().send_friend_request(user, message, std::move(d)); };
  else if (action == "accept" || action == "decline")
    call = [&](Session& s, Done<std::string> d) {
      s.client().answer_friend_request(user, action == "accept" ? FriendAnswer::kAccept : FriendAnswer::kDecline,
                                       std::move(d));
    };
  else if (action == "remove")
    call = [&](Session& s, Done<std::string> d) { s.client().remove_friend(user, std::move(d)); };
  else if (action == "block")
    call = [&](Session& s, Done<std::string> d) { s.client().block_user(user, std::move(d)); };
  else if (action == "unblock")
    call = [&](Session& s, Done<std::string> d) { s.client().unblock_user(user, std::move(d)); };
  else {
    ctx.out->err("parley: unknown friends action " + action + " (list, add, accept, decline, remove, block, unblock)");
    return 2;
  }
  auto r = with_server<std::string>(ctx, (action + " " + user).c_str(), call);
  if (!r) return 1;
  if (ctx.out->json()) {
    ctx.out->out(*r);
  } else if (action == "add") {
    ctx.out->out(r->find("true") != std::string::npos ? "you and " + user + " are friends now"
                                                      : "asked " + user + " to be friends");
  } else {
    ctx.out->out(action + " " + user + ": done");
  }
  return 0;
}

int cmd_message_op(Context& ctx, MessageOp op, const std::string& to, uint64_t seq, const std::string& arg) {
  if (!require_user(ctx)) return 1;
  std::string conversation = resolve_target(ctx.user, to);
  const char* what = op == MessageOp::kEdit ? "edit the message" : op == MessageOp::kRevoke ? "revoke the message"
                                                                                          : "react";
  auto r = with_server<MessageRecord>(ctx, what, [&](Session& s, Done<MessageRecord> d) {
    if (op == MessageOp::kEdit)
      s.client().edit(conversation, seq, arg, std::move(d));
    else if (op == MessageOp::kRevoke)
      s.client().revoke(conversation, seq, std::move(d));
    else
      s.client().react(conversation, seq, arg, ReactionChange::kAdd, std::move(d));
  });
  if (!r) return 1;
  print_message(*ctx.out, *r);
  return 0;
}

}  // namespace parley::cli
