// Unpredictable identifiers and secrets (libsodium's CSPRNG). Thread-safe.
#pragma once

#include <cstdint>
#include <string>

namespace parley {

// `bytes` random bytes as lowercase base32 (no padding): safe in URLs, ids and file names.
std::string random_token(size_t bytes);

// A uniformly random 64-bit number.
uint64_t random_u64();

// SHA-256 of `data` as lowercase hex. Session tokens are stored only as this hash.
std::string sha256_hex(std::string_view data);

}  // namespace parley
