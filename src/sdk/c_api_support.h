// Pieces shared by the files implementing the C API (c_api.cpp and c_api_*.cpp, one per area): the handle,
// string out-parameters, error documents, adapting parley_done_fn to Done<T>, and the exception guard.
#pragma once

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "parley/client.h"
#include "parley/parley.h"
#include "sdk/records.h"

struct parley_client {
  std::unique_ptr<parley::Client> client;
};

namespace parley::capi {

namespace json = boost::json;
using parley::ClientError;
using parley::ClientResult;

inline void fill(parley_string* out, const std::string& value) {
  if (!out) return;
  out->len = value.size();
  out->data = nullptr;
  if (value.empty()) return;
  out->data = static_cast<char*>(std::malloc(value.size() + 1));
  if (!out->data) {
    out->len = 0;
    return;
  }
  std::memcpy(out->data, value.data(), value.size());
  out->data[value.size()] = '\0';
}

// The JSON object `text` holds, or nullopt with `error` set to "<what> must be a JSON object".
inline std::optional<json::object> parse_object(std::string_view text, const char* what, std::string& error) {
  boost::system::error_code ec;
  auto value = json::parse(text, ec);
  if (ec || !value.is_object()) {
    error = std::string(what) + " must be a JSON object";
    return std::nullopt;
  }
  return std::move(value.as_object());
}

inline int fail(parley_string* error, int code, const std::string& message) {
  fill(error, message);
  return code;
}

inline std::string view(const char* data, size_t len) { return data && len ? std::string(data, len) : std::string(); }

inline std::string error_json(const ClientError& e) {
  json::object o;
  o["code"] = e.code;
  o["message"] = e.message;
  return json::serialize(o);
}

// Adapts a parley_done_fn to a Done<T>, with `to_json` turning the value into the result document.
template <typename T, typename F>
parley::Done<T> adapt(parley_done_fn done, void* user_data, F to_json) {
  return [done, user_data, to_json](ClientResult<T> r) {
    if (!done) return;
    if (!r) {
      std::string j = error_json(r.error());
      done(user_data, r.error().code, j.data(), j.size());
      return;
    }
    std::string j = to_json(*r);
    done(user_data, PARLEY_OK, j.data(), j.size());
  };
}

inline bool parse_id_list(const char* data, size_t len, std::vector<std::string>& out, std::string& error) {
  boost::system::error_code ec;
  auto value = json::parse(std::string_view(data ? data : "", data ? len : 0), ec);
  if (ec || !value.is_array()) {
    error = "expected a JSON array of user ids";
    return false;
  }
  for (const auto& v : value.get_array()) {
    if (!v.is_string()) {
      error = "expected a JSON array of user ids (strings)";
      return false;
    }
    out.emplace_back(v.get_string().c_str());
  }
  return true;
}

template <typename T>
int result_status(const ClientResult<T>& r, parley_string* error) {
  if (r) return PARLEY_OK;
  return fail(error, r.error().code, r.error().message);
}

// Runs an entry point's body; anything thrown (bad_alloc, a bug) becomes a status instead of crossing into C.
template <typename F>
int guard(parley_string* error, F&& body) {
  try {
    return body();
  } catch (const std::exception& e) {
    return fail(error, 12, std::string("internal error: ") + e.what());
  } catch (...) {
    return fail(error, 12, "internal error");
  }
}

#define PARLEY_REQUIRE_CLIENT(c, error) \
  if (!(c) || !(c)->client) return fail((error), PARLEY_ERR_BAD_ARGUMENT, "client is NULL")
inline parley::Done<parley::MessageRecord> message_done(parley_done_fn done, void* user_data) {
  return adapt<parley::MessageRecord>(done, user_data, [](const auto& m) { return parley::sdk::to_json(m); });
}
inline parley::Done<std::string> json_done(parley_done_fn done, void* user_data) {
  return adapt<std::string>(done, user_data, [](const std::string& j) { return j; });
}

}  // namespace parley::capi
