// The `backpressure` scenario (`parley-bench backpressure`, `make bench-backpressure`): what a few clients that
// stop reading cost everybody else. N users (tokens from the admin API), one connection each, in groups of
// ~group_size consecutive users, carry a steady open-loop load of small group messages. S of them ("stalled")
// also share one hot group with H readers, into which large messages flow steadily, so that their backlog
// grows fast enough to reach the server's max_queued_bytes within the run.
//
// Phases, on one schedule: warm-up, baseline (everybody reads), stall (the S stop issuing reads on their
// sockets), after (the S read again, to record what they see: frames, then a close frame with its code and
// reason, or a cut connection). Reported per phase: send->delivery latency of the reading clients (the S
// excluded in every phase, so the population is the same), server RSS second by second, and from /metrics
// how many connections the server closed as slow consumers. Results: <output>.json and <output>.md.
//
// Threading: one io_context on the calling thread; /metrics is read only at phase boundaries.
#pragma once

namespace parley::bench {

// argv[0] is "backpressure". Returns the process exit code (3: the run has warnings).
int run_backpressure_command(int argc, char** argv);

}  // namespace parley::bench
