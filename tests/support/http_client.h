// A small blocking HTTP/1.1 client for tests of the media endpoints: arbitrary headers in, status, headers
// and body out, one connection per request; plus a raw send that stops half way through a body.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace parley::testing {

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

using Headers = std::vector<std::pair<std::string, std::string>>;

HttpResponse http_call(uint16_t port, const std::string& method, const std::string& target, const Headers& headers,
                       const std::string& body = "");

// Sends a request whose Content-Length says `declared_length` but only `body` (shorter) is sent, then closes the
// sending side: an upload interrupted by the network. Returns the status the server answered with, or 0 when it
// closed without an answer.
int http_send_truncated(uint16_t port, const std::string& method, const std::string& target, const Headers& headers,
                         const std::string& body, size_t declared_length);

std::string base64(const std::string& data);

}  // namespace parley::testing
