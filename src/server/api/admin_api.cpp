#include "server/api/admin_api.h"

#include <sodium.h>

#include "common/password.h"
#include "parley/v1/admin.pb.h"
#include "protocol/codec.h"
#include "server/api/sessions.h"
#include "server/core/account_rules.h"
#include "server/core/ids.h"

namespace parley::server {
namespace {

HttpReply json_reply(unsigned status, const google::protobuf::Message& body) {
  return HttpReply{status, protocol::encode(body, protocol::Encoding::kJson)};
}

bool secret_matches(const std::string& secret, std::string_view authorization) {
  constexpr std::string_view kBearer = "Bearer ";
  if (!authorization.starts_with(kBearer)) return false;
  authorization.remove_prefix(kBearer.size());
  return authorization.size() == secret.size() &&
         sodium_memcmp(authorization.data(), secret.data(), secret.size()) == 0;
}

template <typename T>
Result<T> parse_body(const std::string& body) {
  T out;
  if (auto ok = protocol::parse_json(body.empty() ? "{}" : body, out); !ok) return std::unexpected(ok.error());
  return out;
}

v1::AdminUserResponse user_response(const store::UserRecord& user) {
  v1::AdminUserResponse r;
  *r.mutable_user() = to_proto(user);
  return r;
}

void kick_all(Services& s, const std::string& user_id, v1::KickedEvent::Reason reason, const char* message) {
  v1::KickedEvent kicked;
  kicked.set_reason(reason);
  kicked.set_message(message);
  s.bus.kick(user_id, "", kicked);
}

}  // namespace

unsigned http_status_for(ErrorCode code) {
  switch (code) {
    case v1::UNAUTHENTICATED:
    case v1::TOKEN_EXPIRED: return 401;
    case v1::PERMISSION_DENIED: return 403;
    case v1::NOT_FOUND: return 404;
    case v1::INVALID_ARGUMENT:
    case v1::MALFORMED_FRAME:
    case v1::UNKNOWN_REQUEST: return 400;
    case v1::CONFLICT: return 409;
    case v1::TOO_LARGE: return 413;
    case v1::RATE_LIMITED: return 429;
    case v1::UNAVAILABLE: return 503;
    default: return 500;
  }
}

HttpReply error_reply(ErrorCode code, std::string message) {
  v1::AdminErrorResponse r;
  r.mutable_error()->set_code(code);
  r.mutable_error()->set_message(std::move(message));
  return json_reply(http_status_for(code), r);
}

void AdminApi::handle(std::string_view method, std::string_view path, std::string_view authorization,
                      const std::string& body, const HttpDone& done) {
  Services& s = services_;
  auto error = [&s, done](const Error& e) {
    s.metrics.count_error(e.code);
    done(error_reply(e.code, e.message));
  };
  if (s.config.admin_secret.empty()) {
    return error({v1::NOT_FOUND, "the admin API is off: start parleyd with --admin-secret to enable it"});
  }
  if (!secret_matches(s.config.admin_secret, authorization)) {
    return error({v1::UNAUTHENTICATED, "missing or wrong admin secret (Authorization: Bearer <secret>)"});
  }
  // Split /v1/admin/users[/{id}[/{action}]].
  std::string_view rest = path.substr(std::string_view("/v1/admin/").size());
  if (!rest.starts_with("users")) return error({v1::NOT_FOUND, "no such admin endpoint"});
  rest.remove_prefix(5);
  std::string user_id, action;
  if (!rest.empty()) {
    if (rest.front() != '/') return error({v1::NOT_FOUND, "no such admin endpoint"});
    rest.remove_prefix(1);
    auto slash = rest.find('/');
    user_id = std::string(rest.substr(0, slash));
    if (slash != std::string_view::npos) action = std::string(rest.substr(slash + 1));
    if (!core::is_valid_name(user_id)) return error({v1::INVALID_ARGUMENT, "invalid user id in the path"});
  }
  auto on_worker = [&s, error](std::function<void()> task) {
    if (!s.workers.submit(std::move(task))) error({v1::UNAVAILABLE, "the server is busy; retry later"});
  };

  if (method == "POST" && user_id.empty()) {
    auto req = parse_body<v1::AdminCreateUserRequest>(body);
    if (!req) return error(req.error());
    if (!core::is_valid_name(req->user_id())) return error({v1::INVALID_ARGUMENT, "user_id must be 1-64 of A-Z a-z 0-9 _ . -"});
    if (auto ok = core::validate_display_name(req->display_name()); !ok) return error(ok.error());
    if (!req->password().empty()) {
      if (auto ok = core::validate_password(req->password()); !ok) return error(ok.error());
    }
    return on_worker([&s, req = *req, done, error] {
      store::UserRecord user{req.user_id(), req.display_name().empty() ? req.user_id() : req.display_name(), "",
                             false, s.clock.now_ms(), {}};
      if (!req.password().empty()) {
        auto hash = hash_password(req.password());
        if (!hash) return error(hash.error());
        user.password_hash = *hash;
      }
      s.store.create_user(std::move(user), [done, error](Result<store::UserRecord> created) {
        if (!created) return error(created.error());
        done(json_reply(201, user_response(*created)));
      });
    });
  }
  if (user_id.empty()) return error({v1::NOT_FOUND, "no such admin endpoint"});

  if (method == "GET" && action.empty()) {
    return on_worker([&s, user_id, done, error] {
      auto user = s.store.get_user(user_id);
      if (!user) return error(user.error());
      done(json_reply(200, user_response(*user)));
    });
  }
  if (method == "PATCH" && action.empty()) {
    auto req = parse_body<v1::AdminUpdateUserRequest>(body);
    if (!req) return error(req.error());
    if (auto ok = core::validate_display_name(req->display_name()); !ok) return error(ok.error());
    if (req->has_password()) {
      if (auto ok = core::validate_password(req->password()); !ok) return error(ok.error());
    }
    return on_worker([&s, user_id, req = *req, done, error] {
      store::UserUpdate update;
      if (req.has_display_name()) update.display_name = req.display_name();
      if (req.has_disabled()) update.disabled = req.disabled();
      if (req.has_password()) {
        auto hash = hash_password(req.password());
        if (!hash) return error(hash.error());
        update.password_hash = *hash;
      }
      bool disable = req.has_disabled() && req.disabled();
      s.store.update_user(user_id, std::move(update), [&s, user_id, disable, done, error](Result<store::UserRecord> user) {
        if (!user) return error(user.error());
        if (!disable) return done(json_reply(200, user_response(*user)));
        s.store.delete_sessions(user_id, "", [&s, user_id, user = *user, done, error](auto deleted) {
          if (!deleted) return error(deleted.error());
          kick_all(s, user_id, v1::KickedEvent::DISABLED, "this account was disabled");
          done(json_reply(200, user_response(user)));
        });
      });
    });
  }
  if (method == "POST" && action == "tokens") {
    auto req = parse_body<v1::AdminIssueTokenRequest>(body);
    if (!req) return error(req.error());
    if (!core::is_valid_name(req->device_id())) return error({v1::INVALID_ARGUMENT, "device_id is not valid"});
    if (req->ttl_seconds() < 0) return error({v1::INVALID_ARGUMENT, "ttl_seconds must not be negative"});
    return on_worker([&s, user_id, req = *req, done, error] {
      auto user = s.store.get_user(user_id);
      if (!user) return error(user.error());
      if (user->disabled) return error({v1::PERMISSION_DENIED, "this account is disabled"});
      issue_session(
          s, *user, req.device_id(), req.platform(),
          [done, error](Result<IssuedSession> issued) {
            if (!issued) return error(issued.error());
            v1::AdminTokenResponse r;
            *r.mutable_session() = std::move(issued->info);
            done(json_reply(201, r));
          },
          req.ttl_seconds());
    });
  }
  if (method == "DELETE" && action == "sessions") {
    // The user is looked up first (a blocking read, hence the worker) so that an unknown id is NOT_FOUND
    // like on every other endpoint, not a silent 200 that hides a typo in the app's backend.
    return on_worker([&s, user_id, done, error] {
      auto user = s.store.get_user(user_id);
      if (!user) return error(user.error());
      s.store.delete_sessions(user_id, "", [&s, user_id, done, error](auto deleted) {
        if (!deleted) return error(deleted.error());
        kick_all(s, user_id, v1::KickedEvent::REVOKED, "all sessions of this account were revoked");
        done(HttpReply{200, "{}"});
      });
    });
  }
  error({v1::NOT_FOUND, "no such admin endpoint"});
}

}  // namespace parley::server
