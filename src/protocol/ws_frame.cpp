#include "protocol/ws_frame.h"

namespace parley::protocol {

size_t encode_ws_frame_header(WsOpcode opcode, uint64_t payload_size, std::array<uint8_t, kMaxWsHeaderSize>& out) {
  out[0] = 0x80 | static_cast<uint8_t>(opcode);  // FIN, no extensions
  if (payload_size < 126) {
    out[1] = static_cast<uint8_t>(payload_size);
    return 2;
  }
  if (payload_size <= 0xffff) {
    out[1] = 126;
    out[2] = static_cast<uint8_t>(payload_size >> 8);
    out[3] = static_cast<uint8_t>(payload_size);
    return 4;
  }
  out[1] = 127;
  for (int i = 0; i < 8; ++i) out[2 + i] = static_cast<uint8_t>(payload_size >> (56 - 8 * i));
  return 10;
}

}  // namespace parley::protocol
