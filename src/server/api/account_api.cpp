// Accounts and sessions: register, login, authenticate, refresh, logout, devices.
#include "common/password.h"
#include "common/random.h"
#include "server/api/request.h"
#include "server/api/sessions.h"
#include "server/core/account_rules.h"
#include "server/core/ids.h"

namespace parley::server {
namespace {

constexpr size_t kMaxPassword = 256;

// Verifying against a real hash when the user does not exist keeps "no such user" and "wrong password"
// equally slow, so response times do not reveal which user ids exist.
const std::string& decoy_hash() {
  static const std::string hash = hash_password("decoy password").value_or("");
  return hash;
}

// Reserves one of the bounded password-hashing slots; false when they are all taken.
bool reserve_hash_slot(const Request& r) {
  auto& pending = r.services->pending_hashes;
  if (pending.fetch_add(1) >= r.services->config.max_pending_hashes) {
    pending.fetch_sub(1);
    r.error(v1::UNAVAILABLE, "too many logins in progress; retry in a moment");
    return false;
  }
  return true;
}

void answer_session(const Request& r, Result<IssuedSession> issued, bool login) {
  if (!issued) return r.error(issued.error());
  adopt_identity(*r.services, r.conn, issued->identity);
  v1::ServerFrame out;
  if (login) *out.mutable_login()->mutable_session() = std::move(issued->info);
  else *out.mutable_refresh()->mutable_session() = std::move(issued->info);
  r.ok(std::move(out));
}

}  // namespace

void handle_register_user(const Request& r, const v1::RegisterUserRequest& req) {
  const Config& config = r.services->config;
  if (!config.allow_registration) {
    return r.error(v1::PERMISSION_DENIED, "self-registration is disabled on this server");
  }
  if (!core::is_valid_name(req.user_id())) {
    return r.error(v1::INVALID_ARGUMENT, "user_id must be 1-64 characters of A-Z a-z 0-9 _ . -");
  }
  if (auto ok = core::validate_password(req.password()); !ok) return r.error(ok.error());
  if (auto ok = core::validate_display_name(req.display_name()); !ok) return r.error(ok.error());
  if (!reserve_hash_slot(r)) return;
  store::UserRecord user{req.user_id(), req.display_name().empty() ? req.user_id() : req.display_name(), "",
                         false, r.services->clock.now_ms(), {}};
  bool queued = r.on_worker([r, user = std::move(user), password = req.password()]() mutable {
    auto hash = hash_password(password);
    r.services->pending_hashes.fetch_sub(1);
    if (!hash) return r.error(hash.error());
    user.password_hash = std::move(*hash);
    r.services->store.create_user(std::move(user), [r](Result<store::UserRecord> created) {
      if (!created) return r.error(created.error());
      v1::ServerFrame out;
      *out.mutable_register_user()->mutable_user() = to_proto(*created);
      r.ok(std::move(out));
    });
  });
  if (!queued) r.services->pending_hashes.fetch_sub(1);
}

void handle_login(const Request& r, const v1::LoginRequest& req) {
  if (r.conn->identity()) return r.error(v1::CONFLICT, "this connection is already authenticated; log out first");
  if (!core::is_valid_name(req.user_id()) || req.password().empty() || req.password().size() > kMaxPassword) {
    return r.error(v1::UNAUTHENTICATED, "wrong user id or password");
  }
  if (!core::is_valid_name(req.device_id())) {
    return r.error(v1::INVALID_ARGUMENT, "device_id must be 1-64 characters of A-Z a-z 0-9 _ . -");
  }
  // Brute force: after a few failures in a row an account, or an address, waits longer before each try.
  // Unknown accounts count too, so the answer does not tell which ids exist.
  AbuseLimits& limits = r.services->limits;
  const std::string& address = r.conn->remote_address();
  const int64_t now = r.services->clock.now_ms();
  const int64_t wait_ms = std::max(limits.logins_per_account.wait_ms(req.user_id(), now),
                                   limits.logins_per_address.wait_ms(address, now));
  if (wait_ms > 0) return r.error(v1::RATE_LIMITED, "too many failed logins; " + retry_in(wait_ms));
  if (!reserve_hash_slot(r)) return;
  bool queued = r.on_worker([r, req, address]() {
    Services& s = *r.services;
    auto user = s.store.get_user(req.user_id());
    bool match = user ? verify_password(req.password(), user->password_hash)
                      : (verify_password(req.password(), decoy_hash()), false);
    s.pending_hashes.fetch_sub(1);
    if (!user && user.error().code != v1::NOT_FOUND) return r.error(user.error());
    if (!match) {
      s.limits.logins_per_account.failed(req.user_id(), s.clock.now_ms());
      s.limits.logins_per_address.failed(address, s.clock.now_ms());
      return r.error(v1::UNAUTHENTICATED, "wrong user id or password");
    }
    s.limits.logins_per_account.succeeded(req.user_id());
    s.limits.logins_per_address.succeeded(address);
    if (user->disabled) return r.error(v1::PERMISSION_DENIED, "this account is disabled");
    issue_session(s, *user, req.device_id(), req.platform(),
                  [r](Result<IssuedSession> issued) { answer_session(r, std::move(issued), true); });
  });
  if (!queued) r.services->pending_hashes.fetch_sub(1);
}

void handle_authenticate(const Request& r, const v1::AuthenticateRequest& req) {
  if (r.conn->identity()) return r.error(v1::CONFLICT, "this connection is already authenticated; log out first");
  if (req.token().empty() || req.token().size() > 256) return r.error(v1::UNAUTHENTICATED, "invalid token");
  r.on_worker([r, token_hash = sha256_hex(req.token())]() {
    Services& s = *r.services;
    auto session = s.store.get_session(token_hash);
    if (!session) {
      if (session.error().code == v1::NOT_FOUND) return r.error(v1::UNAUTHENTICATED, "invalid or revoked token");
      return r.error(session.error());
    }
    const int64_t now = s.clock.now_ms();
    if (session->expires_at_ms <= now) return r.error(v1::TOKEN_EXPIRED, "the token has expired; refresh it or log in");
    auto user = s.store.get_user(session->user_id);
    if (!user) return r.error(user.error());
    if (user->disabled) return r.error(v1::PERMISSION_DENIED, "this account is disabled");
    s.store.touch_session(token_hash, now);
    adopt_identity(s, r.conn,
                   Identity{session->user_id, session->device_id, token_hash, session->platform, session->expires_at_ms});
    v1::ServerFrame out;
    *out.mutable_authenticate()->mutable_session() = session_info(*session, *user);
    r.ok(std::move(out));
  });
}

void handle_refresh(const Request& r, const v1::RefreshRequest& req) {
  if (req.refresh_token().empty() || req.refresh_token().size() > 256) {
    return r.error(v1::UNAUTHENTICATED, "invalid refresh token");
  }
  // identity() may only be read on the connection's thread, which is this one; the worker gets a copy.
  std::optional<Identity> current = r.conn->identity();
  r.on_worker([r, current = std::move(current), refresh_hash = sha256_hex(req.refresh_token())]() {
    Services& s = *r.services;
    auto old = s.store.get_session_by_refresh(refresh_hash);
    if (!old) {
      if (old.error().code == v1::NOT_FOUND) return r.error(v1::UNAUTHENTICATED, "invalid or revoked refresh token");
      return r.error(old.error());
    }
    // Refreshing would make this connection the refreshed session; on a connection that already acts as
    // another user or device that would be a silent switch of identity. Checked before the rotation, so the
    // refresh token stays valid.
    if (current && (current->user_id != old->user_id || current->device_id != old->device_id)) {
      return r.error(v1::CONFLICT, "this connection is authenticated as another session");
    }
    const int64_t now = s.clock.now_ms();
    if (old->refresh_expires_at_ms <= now) return r.error(v1::TOKEN_EXPIRED, "the refresh token has expired; log in");
    auto user = s.store.get_user(old->user_id);
    if (!user) return r.error(user.error());
    if (user->disabled) return r.error(v1::PERMISSION_DENIED, "this account is disabled");

    store::SessionRecord fresh = *old;  // same user, device, platform and creation time
    IssuedSession issued = with_fresh_tokens(s, fresh, *user);
    s.store.rotate_session(refresh_hash, std::move(fresh),
                           [r, issued = std::move(issued)](Result<store::SessionRecord> rotated) mutable {
                             if (!rotated) return r.error(rotated.error());
                             answer_session(r, std::move(issued), false);
                           });
  });
}

void handle_logout(const Request& r, const Identity& me) {
  // The connection lets go of its identity before the session is deleted, not after: the check that
  // authenticate runs once a connection is attached (adopt_identity) must not find this session gone while the
  // connection still holds it and kick it, closing the connection before this answer is sent. If the delete
  // fails, the connection stays signed out and the token stays valid; the client may authenticate again.
  adopt_identity(*r.services, r.conn, std::nullopt);
  r.services->store.delete_sessions(me.user_id, me.device_id, [r, me](Result<std::vector<store::SessionRecord>> deleted) {
    if (!deleted) return r.error(deleted.error());
    v1::KickedEvent kicked;
    kicked.set_reason(v1::KickedEvent::REVOKED);
    kicked.set_message("this device logged out");
    r.services->bus.kick(me.user_id, me.device_id, kicked, r.conn->id());
    v1::ServerFrame out;
    out.mutable_logout();
    r.ok(std::move(out));
  });
}

void handle_list_devices(const Request& r, const Identity& me) {
  r.on_worker([r, me]() {
    auto sessions = r.services->store.list_sessions(me.user_id);
    if (!sessions) return r.error(sessions.error());
    v1::ServerFrame out;
    auto* list = out.mutable_list_devices();
    for (const auto& s : *sessions) {
      auto* d = list->add_devices();
      d->set_device_id(s.device_id);
      d->set_platform(s.platform);
      d->set_created_at_ms(s.created_at_ms);
      d->set_last_seen_ms(s.last_seen_ms);
      d->set_expires_at_ms(s.expires_at_ms);
      // By device, not token: a refresh on another connection of this device replaces the token this
      // connection authenticated with, but it is still this device's session.
      d->set_current(s.device_id == me.device_id);
    }
    r.ok(std::move(out));
  });
}

void handle_revoke_device(const Request& r, const Identity& me, const v1::RevokeDeviceRequest& req) {
  if (!core::is_valid_name(req.device_id())) return r.error(v1::INVALID_ARGUMENT, "device_id is not valid");
  r.services->store.delete_sessions(
      me.user_id, req.device_id(), [r, me, device = req.device_id()](Result<std::vector<store::SessionRecord>> deleted) {
        if (!deleted) return r.error(deleted.error());
        if (deleted->empty()) return r.error(v1::NOT_FOUND, "no session on device " + device);
        v1::ServerFrame out;
        out.mutable_revoke_device();
        r.ok(std::move(out));
        v1::KickedEvent kicked;
        kicked.set_reason(v1::KickedEvent::REVOKED);
        kicked.set_message("this device was signed out from another device");
        r.services->bus.kick(me.user_id, device, kicked);
      });
}

}  // namespace parley::server
