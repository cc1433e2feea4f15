// Password hashing with argon2id (libsodium, "interactive" limits). Slow by design (tens of milliseconds):
// call only from worker threads, never from an I/O thread.
#pragma once

#include <string>

#include "common/result.h"

namespace parley {

// The encoded hash (algorithm, parameters and salt included), or UNAVAILABLE when memory runs out.
Result<std::string> hash_password(std::string_view password);

// True when `password` matches `encoded_hash`. Never throws; a malformed hash does not match.
bool verify_password(std::string_view password, const std::string& encoded_hash);

}  // namespace parley
