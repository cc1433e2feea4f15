// The envelope codec: ClientFrame / ServerFrame to and from the bytes of one WebSocket message, in either
// encoding. No I/O and no state, so the server, SDK, bench and gateways share it and it is fuzzed once.
//
// Thread-safety: every function is safe to call from any thread.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "common/result.h"
#include "parley/v1/envelope.pb.h"

namespace parley::protocol {

// Binary WebSocket frames carry protobuf; text frames carry the canonical protobuf JSON mapping.
enum class Encoding { kBinary, kJson };

// A frame that could not be decoded. `req_id` is the request's id when it could still be read (JSON), else 0,
// so the error can be matched to the request that caused it.
struct DecodeError {
  uint64_t req_id = 0;
  Error error;
};

// Decodes one client frame. Fails with MALFORMED_FRAME when the bytes are not a ClientFrame (bad protobuf,
// invalid UTF-8 in a string, not JSON, a field of the wrong type, an unknown field name in JSON) and with
// UNKNOWN_REQUEST when the frame is well-formed but carries no request this version knows.
std::expected<v1::ClientFrame, DecodeError> decode_client_frame(std::string_view payload, Encoding encoding);

// Decodes a server frame (for clients: the SDK, the bench and the tests). Unknown fields are ignored.
Result<v1::ServerFrame> decode_server_frame(std::string_view payload, Encoding encoding);

// Encodes any frame. JSON uses the proto field names (`req_id`), which every protobuf JSON parser accepts.
std::string encode(const google::protobuf::Message& frame, Encoding encoding);

// The frame answering request `req_id` with an error.
v1::ServerFrame error_frame(uint64_t req_id, ErrorCode code, std::string message);

// Parses a JSON document into `out` (the admin HTTP API's bodies). Unknown fields are an error.
Status parse_json(std::string_view json, google::protobuf::Message& out);

// A server frame encoded at most once per encoding, shared by every recipient of a fan-out.
class OutboundFrame {
 public:
  explicit OutboundFrame(v1::ServerFrame frame) : frame_(std::move(frame)) {}

  const v1::ServerFrame& frame() const { return frame_; }

  // The encoded bytes; the first call per encoding encodes, later calls (from any thread) share the result.
  const std::string& bytes(Encoding encoding) const;

 private:
  v1::ServerFrame frame_;
  mutable std::once_flag once_[2];
  mutable std::string encoded_[2];
};

using SharedFrame = std::shared_ptr<const OutboundFrame>;

inline SharedFrame make_shared_frame(v1::ServerFrame frame) {
  return std::make_shared<const OutboundFrame>(std::move(frame));
}

// Silences protobuf's own stderr logging: malformed input is reported through our errors instead.
void silence_protobuf_logging();

}  // namespace parley::protocol
