// `parley-bench ceiling`: what this machine's loopback TCP can carry at all, measured with the least possible
// work per message, so that Parley's figures can be read as a fraction of it. No protocol, no parsing, no
// storage: fixed-size frames of bytes, one send() per frame and socket, epoll readers.
//
// fanout: one writer thread sends each frame to every one of N sockets (as a server's fan-out does: one
//   write per recipient connection); one reader thread receives on all N (as the load generator does).
//   Result: deliveries/s.
// relay: N pairs through a do-nothing relay thread (sender thread -> relay -> receiver thread), as a direct
//   message goes client -> server -> client. Result: messages/s.
//
// Both are closed loops with a bounded window of frames in flight, so nothing queues without limit. The figure
// is the machine's for one send() per frame; a server that gathers several waiting frames for one connection
// into a single write can pass it.
#pragma once

namespace parley::bench {

// argv[0] is "ceiling". Returns the process exit code.
int run_ceiling_command(int argc, char** argv);

}  // namespace parley::bench
