#include "protocol/codec.h"

#include <boost/json/parse.hpp>
#include <google/protobuf/stubs/logging.h>
#include <google/protobuf/util/json_util.h>

#include <charconv>

namespace parley::protocol {
namespace {

namespace pbu = google::protobuf::util;

// Reads "req_id" out of a JSON frame that protobuf rejected, so the error still names its request.
uint64_t salvage_json_req_id(std::string_view payload) {
  boost::system::error_code ec;
  auto value = boost::json::parse(payload, ec);
  if (ec || !value.is_object()) return 0;
  const auto& obj = value.get_object();
  const boost::json::value* id = obj.if_contains("req_id");
  if (!id) id = obj.if_contains("reqId");
  if (!id) return 0;
  if (id->is_uint64()) return id->get_uint64();
  if (id->is_int64() && id->get_int64() >= 0) return static_cast<uint64_t>(id->get_int64());
  if (id->is_string()) {
    const auto& s = id->get_string();
    uint64_t out = 0;
    auto [ptr, err] = std::from_chars(s.data(), s.data() + s.size(), out);
    if (err == std::errc() && ptr == s.data() + s.size()) return out;
  }
  return 0;
}

std::expected<v1::ClientFrame, DecodeError> decode_json(std::string_view payload) {
  v1::ClientFrame frame;
  pbu::JsonParseOptions strict;
  auto status = pbu::JsonStringToMessage(payload, &frame, strict);
  if (status.ok()) {
    if (frame.request_case() == v1::ClientFrame::REQUEST_NOT_SET) {
      return std::unexpected(DecodeError{frame.req_id(), {v1::UNKNOWN_REQUEST, "the frame carries no request"}});
    }
    return frame;
  }
  // Strict parsing failed. If the frame parses once unknown fields are ignored and then has no request, the
  // client used a request type this server does not know (a newer client, or a typo).
  uint64_t req_id = salvage_json_req_id(payload);
  v1::ClientFrame lenient;
  pbu::JsonParseOptions ignore_unknown;
  ignore_unknown.ignore_unknown_fields = true;
  if (pbu::JsonStringToMessage(payload, &lenient, ignore_unknown).ok() &&
      lenient.request_case() == v1::ClientFrame::REQUEST_NOT_SET) {
    return std::unexpected(DecodeError{lenient.req_id(), {v1::UNKNOWN_REQUEST, "unknown request type"}});
  }
  return std::unexpected(DecodeError{
      req_id, {v1::MALFORMED_FRAME, "invalid JSON frame: " + std::string(status.message())}});
}

std::expected<v1::ClientFrame, DecodeError> decode_binary(std::string_view payload) {
  v1::ClientFrame frame;
  if (!frame.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
    return std::unexpected(DecodeError{
        0, {v1::MALFORMED_FRAME, "invalid protobuf frame (truncated, wrong wire type, or invalid UTF-8)"}});
  }
  if (frame.request_case() == v1::ClientFrame::REQUEST_NOT_SET) {
    return std::unexpected(DecodeError{frame.req_id(), {v1::UNKNOWN_REQUEST, "unknown request type"}});
  }
  return frame;
}

}  // namespace

std::expected<v1::ClientFrame, DecodeError> decode_client_frame(std::string_view payload, Encoding encoding) {
  return encoding == Encoding::kJson ? decode_json(payload) : decode_binary(payload);
}

Result<v1::ServerFrame> decode_server_frame(std::string_view payload, Encoding encoding) {
  v1::ServerFrame frame;
  if (encoding == Encoding::kBinary) {
    if (!frame.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
      return fail(v1::MALFORMED_FRAME, "invalid protobuf server frame");
    }
    return frame;
  }
  pbu::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  auto status = pbu::JsonStringToMessage(payload, &frame, options);
  if (!status.ok()) return fail(v1::MALFORMED_FRAME, std::string(status.message()));
  return frame;
}

std::string encode(const google::protobuf::Message& frame, Encoding encoding) {
  std::string out;
  if (encoding == Encoding::kBinary) {
    frame.SerializeToString(&out);
    return out;
  }
  pbu::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  (void)pbu::MessageToJsonString(frame, &out, options);
  return out;
}

v1::ServerFrame error_frame(uint64_t req_id, ErrorCode code, std::string message) {
  v1::ServerFrame frame;
  frame.set_req_id(req_id);
  frame.mutable_error()->set_code(code);
  frame.mutable_error()->set_message(std::move(message));
  return frame;
}

Status parse_json(std::string_view json, google::protobuf::Message& out) {
  auto status = pbu::JsonStringToMessage(json, &out, pbu::JsonParseOptions{});
  if (!status.ok()) return fail(v1::INVALID_ARGUMENT, "invalid JSON body: " + std::string(status.message()));
  return {};
}

const std::string& OutboundFrame::bytes(Encoding encoding) const {
  const int i = encoding == Encoding::kJson ? 1 : 0;
  std::call_once(once_[i], [&] { encoded_[i] = encode(frame_, encoding); });
  return encoded_[i];
}

void silence_protobuf_logging() { google::protobuf::SetLogHandler(nullptr); }

}  // namespace parley::protocol
