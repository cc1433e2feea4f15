// Logging set-up: human-readable lines by default, one JSON object per line with log_format = "json".
// Never log secrets, tokens, passwords or message bodies.
#pragma once

#include <string>

namespace parley::server {

void setup_logging(const std::string& format, const std::string& level);

}  // namespace parley::server
