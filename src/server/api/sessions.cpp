#include "server/api/sessions.h"

#include "common/random.h"
#include "server/core/device_policy.h"

namespace parley::server {

v1::User to_proto(const store::UserRecord& user) {
  v1::User out;
  out.set_user_id(user.user_id);
  out.set_display_name(user.display_name);
  out.set_disabled(user.disabled);
  out.set_created_at_ms(user.created_at_ms);
  return out;
}

v1::SessionInfo session_info(const store::SessionRecord& session, const store::UserRecord& user) {
  v1::SessionInfo info;
  info.set_expires_at_ms(session.expires_at_ms);
  info.set_refresh_expires_at_ms(session.refresh_expires_at_ms);
  *info.mutable_user() = to_proto(user);
  info.set_device_id(session.device_id);
  info.set_platform(session.platform);
  return info;
}

IssuedSession with_fresh_tokens(Services& s, store::SessionRecord& session, const store::UserRecord& user,
                                int64_t ttl_seconds) {
  const int64_t now = s.clock.now_ms();
  std::string token = random_token(32), refresh = random_token(32);
  session.token_hash = sha256_hex(token);
  session.refresh_hash = sha256_hex(refresh);
  session.expires_at_ms = now + (ttl_seconds > 0 ? ttl_seconds : s.config.token_ttl_seconds) * 1000;
  session.refresh_expires_at_ms = now + s.config.refresh_ttl_seconds * 1000;
  session.last_seen_ms = now;
  IssuedSession issued;
  issued.info = session_info(session, user);
  issued.info.set_token(std::move(token));
  issued.info.set_refresh_token(std::move(refresh));
  issued.identity =
      Identity{session.user_id, session.device_id, session.token_hash, session.platform, session.expires_at_ms};
  return issued;
}

void issue_session(Services& s, const store::UserRecord& user, const std::string& device_id,
                   v1::Platform platform, std::function<void(Result<IssuedSession>)> done, int64_t ttl_seconds) {
  auto existing = s.store.list_sessions(user.user_id);
  if (!existing) return done(std::unexpected(existing.error()));
  auto replaced = core::devices_replaced_by_login(s.config.device_policy, *existing, device_id, platform);

  store::SessionRecord record;
  record.user_id = user.user_id;
  record.device_id = device_id;
  record.platform = platform;
  record.created_at_ms = s.clock.now_ms();
  IssuedSession issued = with_fresh_tokens(s, record, user, ttl_seconds);

  s.store.create_session(std::move(record), std::move(replaced),
                         [&s, issued = std::move(issued), done = std::move(done)](
                             Result<std::vector<store::SessionRecord>> deleted) mutable {
                           if (!deleted) return done(std::unexpected(deleted.error()));
                           for (const auto& old : *deleted) {
                             v1::KickedEvent kicked;
                             kicked.set_reason(v1::KickedEvent::REPLACED);
                             kicked.set_message(old.device_id == issued.identity.device_id
                                                    ? "this device logged in again"
                                                    : "a newer login on the same kind of device replaced this one");
                             s.bus.kick(old.user_id, old.device_id, kicked);
                           }
                           done(std::move(issued));
                         });
}

void adopt_identity(Services& s, const std::shared_ptr<Connection>& conn, std::optional<Identity> identity) {
  conn->run([&s, conn, identity = std::move(identity)]() mutable {
    if (!conn->is_open()) return;
    // A refresh keeps the user and device: the connection stays routed, present and subscribed.
    const bool same = conn->identity() && identity && conn->identity()->user_id == identity->user_id &&
                      conn->identity()->device_id == identity->device_id;
    if (conn->identity() && !same) {
      s.bus.detach(conn->identity()->user_id, conn->id());
      s.presence.disconnected(conn->identity()->user_id, conn->id());
    }
    if (identity && !same) {
      s.bus.attach(identity->user_id, identity->device_id, conn->id(), conn);
      s.presence.connected(identity->user_id, conn->id(), identity->platform);
    }
    std::string token_hash = identity ? identity->token_hash : std::string();
    std::string user_id = identity ? identity->user_id : std::string();
    conn->set_identity(std::move(identity));
    if (token_hash.empty()) return;
    // A revoke, logout or disable that committed while this connection was being authenticated kicked the
    // user's connections before this one was attached. Look again now that it is: whatever commits later
    // finds it attached and kicks it.
    (void)s.workers.submit([&s, conn, token_hash, user_id] {
      auto session = s.store.get_session(token_hash);
      auto user = s.store.get_user(user_id);
      v1::KickedEvent kicked;
      if (!session && session.error().code == v1::NOT_FOUND) {
        kicked.set_reason(v1::KickedEvent::REVOKED);
        kicked.set_message("this session was ended while the connection was authenticating");
      } else if (user && user->disabled) {
        kicked.set_reason(v1::KickedEvent::DISABLED);
        kicked.set_message("this account was disabled");
      } else {
        return;
      }
      // Decide on the connection's thread: it may have refreshed, logged out or re-authenticated meanwhile.
      conn->run([conn, token_hash, kicked = std::move(kicked)]() mutable {
        if (conn->identity() && conn->identity()->token_hash == token_hash) conn->end_session(std::move(kicked));
      });
    });
  });
}

}  // namespace parley::server
