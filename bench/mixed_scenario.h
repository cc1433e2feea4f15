// The `mixed` scenario (`parley-bench mixed`, `make bench-mixed`): a realistic mix at a fixed message rate
// against one parleyd, over N users with one connection each (tokens from the admin API):
//   - messages: a share to direct conversations (a user and one of its contacts), the rest to groups of
//     ~group_size members (a random member sends);
//   - typing: a `typing` request before a share of the messages, in the same conversation;
//   - presence: every connection subscribes to its contacts' presence (co-members of its group, so the
//     default CONTACTS privacy lets it see them) after each (re)connect, and users flip AWAY/ONLINE now and then;
//   - reconnects: a share of the clients per minute drop their connection and authenticate again.
// Reports server CPU and RSS, send->deliver latency (direct, group, group last recipient), ack latency,
// typing/presence event counts and reconnect times, in bench/results/mixed-<UTC time>.json.
//
// Threading: one io_context on the calling thread.
#pragma once

namespace parley::bench {

// argv[0] is "mixed". Returns the process exit code.
int run_mixed_command(int argc, char** argv);

}  // namespace parley::bench
