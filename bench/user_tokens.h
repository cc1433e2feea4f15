// The users a scenario acts as, from a tokens file written by bench/admin-tokens: "<user id> <token>" per
// line (session tokens issued by the admin API, so set-up needs no password hashing).
#pragma once

#include <fstream>
#include <string>
#include <utility>
#include <vector>

namespace parley::bench {

// Every (user id, token) pair of `path`, in file order; empty when the file cannot be read.
inline std::vector<std::pair<std::string, std::string>> read_user_tokens(const std::string& path) {
  std::vector<std::pair<std::string, std::string>> users;
  std::ifstream in(path);
  for (std::string user, token; in >> user >> token;) users.emplace_back(std::move(user), std::move(token));
  return users;
}

}  // namespace parley::bench
