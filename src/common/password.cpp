#include "common/password.h"

#include <sodium.h>

#include "common/random.h"

namespace parley {

Result<std::string> hash_password(std::string_view password) {
  (void)random_token(1);  // makes sure libsodium is initialised
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                            crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return fail(v1::UNAVAILABLE, "out of memory while hashing the password");
  }
  return std::string(out);
}

bool verify_password(std::string_view password, const std::string& encoded_hash) {
  if (encoded_hash.empty() || encoded_hash.size() >= crypto_pwhash_STRBYTES) return false;
  return crypto_pwhash_str_verify(encoded_hash.c_str(), password.data(), password.size()) == 0;
}

}  // namespace parley
