// The `connections` scenario (`parley-bench connections`): opens N WebSocket connections to parleyd, each
// authenticated with a session token (tokens issued beforehand through the admin API by bench/run-connections,
// so no password hashing is involved), and leaves them idle. At checkpoints it pauses, lets the server settle,
// and samples the server's RSS and CPU, and the kernel's TCP socket memory, to get memory per connection,
// the connect rate and idle CPU. One process holds at most ~19,900 sockets here (the open-file limit is
// 20,000), so N stays below that; the report extrapolates to 1,000,000 connections.
//
// Threading: one io_context on the calling thread for the connections; sampling runs between its polls.
#pragma once

namespace parley::bench {

// argv[0] is "connections". Returns the process exit code.
int run_connections_command(int argc, char** argv);

}  // namespace parley::bench
