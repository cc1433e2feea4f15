// WebSocket frame headers for server-to-client data frames (RFC 6455 §5.2): final, unmasked, one frame per
// message. The server writes its data frames itself, so that many queued frames leave in one socket write
// that points at the shared encoded buffers (see server/net/coalescing_stream.h). No I/O.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace parley::protocol {

constexpr size_t kMaxWsHeaderSize = 10;

enum class WsOpcode : uint8_t { kText = 0x1, kBinary = 0x2 };

// Writes the header of a final, unmasked frame carrying `payload_size` bytes; returns its size (2, 4 or 10).
size_t encode_ws_frame_header(WsOpcode opcode, uint64_t payload_size, std::array<uint8_t, kMaxWsHeaderSize>& out);

}  // namespace parley::protocol
