// The admin HTTP API for app-server integration (as OpenIM, Sendbird and Tencent IM are embedded): an app's
// backend creates, updates and disables users and issues their session tokens. Authorised by the configured
// admin secret as a bearer token; off (404 with a message) when no secret is configured.
//
//   POST   /v1/admin/users                       AdminCreateUserRequest  -> 201 AdminUserResponse
//   GET    /v1/admin/users/{user_id}                                     -> 200 AdminUserResponse
//   PATCH  /v1/admin/users/{user_id}             AdminUpdateUserRequest  -> 200 AdminUserResponse
//   POST   /v1/admin/users/{user_id}/tokens      AdminIssueTokenRequest  -> 201 AdminTokenResponse
//   DELETE /v1/admin/users/{user_id}/sessions                            -> 200 {} (every device kicked)
// Errors: AdminErrorResponse with the protocol's error code, and the matching HTTP status.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "server/api/services.h"

namespace parley::server {

struct HttpReply {
  unsigned status = 200;
  std::string body;
  std::string content_type = "application/json";
};

using HttpDone = std::function<void(HttpReply)>;

class AdminApi {
 public:
  explicit AdminApi(Services& services) : services_(services) {}

  // Handles one request whose path starts with /v1/admin/. `done` runs exactly once, on any thread.
  void handle(std::string_view method, std::string_view path, std::string_view authorization,
              const std::string& body, const HttpDone& done);

 private:
  Services& services_;
};

unsigned http_status_for(ErrorCode code);
HttpReply error_reply(ErrorCode code, std::string message);

}  // namespace parley::server
