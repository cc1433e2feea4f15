// libFuzzer target for the envelope codec: every byte string a client or server could send, in both
// encodings. Decoding must never crash, hang or leak; whatever decodes must survive a re-encode round trip.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "protocol/codec.h"

using parley::protocol::Encoding;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool quiet = (parley::protocol::silence_protobuf_logging(), true);
  (void)quiet;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  for (Encoding encoding : {Encoding::kBinary, Encoding::kJson}) {
    if (auto frame = parley::protocol::decode_client_frame(input, encoding)) {
      auto again = parley::protocol::decode_client_frame(parley::protocol::encode(*frame, encoding), encoding);
      if (!again || again->req_id() != frame->req_id() || again->request_case() != frame->request_case()) {
        std::abort();  // what we accept, we must be able to write back and read again
      }
    }
    (void)parley::protocol::decode_server_frame(input, encoding);
  }
  return 0;
}
