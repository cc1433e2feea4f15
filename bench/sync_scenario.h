// The `sync` scenario (`parley-bench sync`): a user with C direct conversations and M messages reconnects.
// Measures, as the client sees it on loopback: time to the first screen (connect, authenticate, the whole
// conversation list by `sync`, and the newest page of the most recent conversation by `pull_messages`), and
// time to a full sync of every message (pull_messages pages, a few requests in flight). The user and its
// peers come from bench/run-sync (admin API, no password hashing); the messages are sent here first.
//
// Threading: one io_context on the calling thread.
#pragma once

namespace parley::bench {

// argv[0] is "sync". Returns the process exit code.
int run_sync_command(int argc, char** argv);

}  // namespace parley::bench
