// Rules for account fields, shared by self-registration and the admin API. Pure functions, no I/O.
#pragma once

#include <string_view>

#include "common/result.h"

namespace parley::core {

// 8 to 256 bytes.
inline Status validate_password(std::string_view password) {
  if (password.size() < 8 || password.size() > 256) return fail(v1::INVALID_ARGUMENT, "password must be 8 to 256 bytes");
  return {};
}

// At most 64 bytes (empty means: use the user id).
inline Status validate_display_name(std::string_view name) {
  if (name.size() > 64) return fail(v1::INVALID_ARGUMENT, "display_name must be at most 64 bytes");
  return {};
}

}  // namespace parley::core
