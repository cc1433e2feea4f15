#include "cli/command_support.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>

namespace parley::cli {

namespace json = boost::json;

std::string resolve_target(const std::string& me, const std::string& to) {
  if (to.starts_with("d:") || to.starts_with("g:")) return to;
  return Client::direct_conversation_id(me, to);
}

SessionHooks trouble_hooks(Output& out, bool verbose) {
  SessionHooks hooks;
  hooks.on_state = [&out, verbose](const StateUpdate& u) {
    bool trouble = u.state == ConnectionState::kOffline || is_terminal(u.state);
    if (trouble || verbose) out.err("parley: " + u.detail);
  };
  return hooks;
}

bool require_user(Context& ctx) {
  if (!ctx.user.empty()) return true;
  ctx.out->err("parley: not logged in: run `parley login <user>` (or `parley register <user>`) first");
  return false;
}

std::unique_ptr<Session> open_session(Context& ctx, SessionHooks hooks) {
  if (!require_user(ctx)) return nullptr;
  auto session = std::make_unique<Session>(ctx.server, ctx.ca_file, database_path(ctx.config, ctx.user), std::move(hooks));
  session->client().start();
  return session;
}

bool wait_ready_or_warn(Context& ctx, Session& s) {
  auto state = s.wait_ready(ctx.timeout);
  if (state == ConnectionState::kConnected) return true;
  if (is_terminal(state)) {
    ctx.out->err("parley: " + s.last_detail() + " (run `parley login " + ctx.user + "`)");
    return false;
  }
  ctx.out->err("parley: not connected (" + s.last_detail() + "); showing what is stored locally");
  return true;
}

std::string user_line(const json::value& user) {
  if (!user.is_object()) return "";
  const auto* id = user.get_object().if_contains("user_id");
  const auto* name = user.get_object().if_contains("display_name");
  std::string out = id && id->is_string() ? std::string(id->as_string().c_str()) : "";
  if (name && name->is_string() && !name->as_string().empty())
    out += " (" + std::string(name->as_string().c_str()) + ")";
  return out;
}

std::string json_field(const json::value& object, const char* key) {
  if (!object.is_object()) return "";
  const auto* f = object.get_object().if_contains(key);
  if (!f || f->is_null()) return "";
  return f->is_string() ? std::string(f->as_string().c_str()) : json::serialize(*f);
}

std::optional<int64_t> until_from_duration(const std::string& text) {
  if (text == "0" || text == "off") return 0;
  if (text == "forever") return int64_t{253402300799000};  // 9999-12-31
  if (text.size() < 2) return std::nullopt;
  int64_t n = 0;
  for (size_t i = 0; i + 1 < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9' || n > 1'000'000) return std::nullopt;
    n = n * 10 + (text[i] - '0');
  }
  int64_t unit = text.back() == 'm' ? 60'000 : text.back() == 'h' ? 3'600'000 : text.back() == 'd' ? 86'400'000 : 0;
  if (unit == 0 || n == 0) return std::nullopt;
  auto now = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch());
  return now.count() + n * unit;
}

json::value parse_json(const std::string& text) {
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  return ec ? json::value() : v;
}

}  // namespace parley::cli
