// Helpers shared by the parley subcommands: resolving "bob" to a conversation id, opening the account's
// session, reporting connection trouble, and running one request that needs the server.
#pragma once

#include <boost/json/value.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "cli/commands.h"

namespace parley::cli {

// "bob" -> "d:alice:bob"; conversation ids (d:… / g:…) pass through.
std::string resolve_target(const std::string& me, const std::string& to);
// Prints connection trouble to stderr as it happens (the CLI's "cannot reach …, retrying in 4 s").
SessionHooks trouble_hooks(Output& out, bool verbose);
// False (and says how to log in) when no account is selected.
bool require_user(Context& ctx);
// Opens the account and connects; reports an unusable session. nullptr when the command cannot go on.
std::unique_ptr<Session> open_session(Context& ctx, SessionHooks hooks);
// Waits to be caught up; on failure says why and that local data is shown. False for terminal states.
bool wait_ready_or_warn(Context& ctx, Session& s);
// Small JSON readers for the human output of server answers: a field as text (strings unquoted, numbers and
// booleans as written; "" when absent or not an object), and a parse that yields null when malformed.
std::string json_field(const boost::json::value& object, const char* key);
boost::json::value parse_json(const std::string& text);
// "30m", "8h", "2d" -> that long from now, "forever" -> 9999-12-31, "0" / "off" -> 0; in ms since the epoch.
// nullopt when malformed.
std::optional<int64_t> until_from_duration(const std::string& text);
// "bob (Bob)" from a wire User in JSON.
std::string user_line(const boost::json::value& user);

// Connects and runs one request needing the server; prints why on failure. nullopt: failed (reported).
template <typename T>
std::optional<T> with_server(Context& ctx, const char* what, const std::function<void(Session&, Done<T>)>& call) {
  auto s = open_session(ctx, trouble_hooks(*ctx.out, ctx.verbose));
  if (!s) return std::nullopt;
  if (s->wait_ready(ctx.timeout) != ConnectionState::kConnected) {
    ctx.out->err(std::string("parley: ") + what + " needs the server: " + s->last_detail());
    return std::nullopt;
  }
  auto r = Session::wait_done<T>([&](Done<T> done) { call(*s, std::move(done)); }, ctx.timeout);
  if (!r || !*r) {
    ctx.out->err(std::string("parley: cannot ") + what + ": " + (r ? (*r).error().message : std::string("timeout")));
    return std::nullopt;
  }
  return std::move(**r);
}

}  // namespace parley::cli
