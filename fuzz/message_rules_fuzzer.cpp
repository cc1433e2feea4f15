// libFuzzer target for the checks on message content a client controls: whatever frame decodes, the
// validation of its message, edit or reaction must answer (ok or an error) without crashing or hanging,
// and the UTF-8 and JSON checks must agree with what they are given.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "protocol/codec.h"
#include "server/core/message_rules.h"

using parley::protocol::Encoding;
namespace core = parley::core;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool quiet = (parley::protocol::silence_protobuf_logging(), true);
  (void)quiet;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  (void)core::is_valid_json(input);
  // Every byte of valid UTF-8 is either ASCII or part of a multi-byte sequence: a quick cross-check.
  if (core::is_valid_utf8(input)) {
    for (unsigned char c : input) {
      if (c == 0xC0 || c == 0xC1 || c >= 0xF5) std::abort();
    }
  }
  const core::MessageLimits limits;
  for (Encoding encoding : {Encoding::kBinary, Encoding::kJson}) {
    auto frame = parley::protocol::decode_client_frame(input, encoding);
    if (!frame) continue;
    if (frame->has_send_message()) (void)core::validate_message(frame->send_message().message(), limits);
    if (frame->has_edit_message()) {
      const auto& e = frame->edit_message();
      (void)core::validate_edit(e.text(), e.custom_data(), e.mentions_size(), limits);
    }
    if (frame->has_react()) (void)core::validate_emoji(frame->react().emoji());
  }
  return 0;
}
