// Issuing and adopting login sessions, shared by the WebSocket login and the admin API's token endpoint.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "server/api/connection.h"
#include "server/api/services.h"

namespace parley::server {

struct IssuedSession {
  v1::SessionInfo info;  // with the plain tokens: shown to the client once, never stored
  Identity identity;
};

// What a client is told about `session` (without tokens).
v1::SessionInfo session_info(const store::SessionRecord& session, const store::UserRecord& user);

// Gives `session` new tokens and expiry times (now + the configured TTLs, or `ttl_seconds` for the session
// token when positive) and returns what the client is told, tokens included. Only the hashes stay in `session`.
IssuedSession with_fresh_tokens(Services& s, store::SessionRecord& session, const store::UserRecord& user,
                                int64_t ttl_seconds = 0);

// Creates a session for `user` on (device_id, platform), applying the multi-device policy: the sessions it
// replaces are deleted and their connections kicked (REPLACED). Runs the store read inline: call it on a
// worker thread. `done` runs on the store's writer thread.
void issue_session(Services& s, const store::UserRecord& user, const std::string& device_id,
                   v1::Platform platform, std::function<void(Result<IssuedSession>)> done,
                   int64_t ttl_seconds = 0);

// Makes `conn` act as `identity` (or anonymous, with nullopt) and routes the user's events to it. Posts to
// the connection's thread; a connection that closed meanwhile is left alone. Once attached, the session and
// user are read again (on a worker) and the connection is ended if a revoke or disable raced with it.
void adopt_identity(Services& s, const std::shared_ptr<Connection>& conn, std::optional<Identity> identity);

v1::User to_proto(const store::UserRecord& user);

}  // namespace parley::server
