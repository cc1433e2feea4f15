// Errors as values. Every fallible call across a module boundary returns Result<T> (or Status), carrying one
// of the protocol's closed set of error codes and a message fit to show a user or an operator.
#pragma once

#include <expected>
#include <string>
#include <utility>

#include "parley/v1/common.pb.h"

namespace parley {

using ErrorCode = v1::ErrorCode;

struct Error {
  ErrorCode code = v1::INTERNAL;
  std::string message;
};

template <typename T>
using Result = std::expected<T, Error>;

// The result of an operation with nothing to return.
using Status = std::expected<void, Error>;

inline std::unexpected<Error> fail(ErrorCode code, std::string message) {
  return std::unexpected<Error>(Error{code, std::move(message)});
}

// The enum value's name as written in the protocol ("PERMISSION_DENIED").
inline const std::string& code_name(ErrorCode code) { return v1::ErrorCode_Name(code); }

}  // namespace parley
