// `parley-bench compare ...`: the protocol-neutral direct and fanout scenarios (load_scenario.h) against one
// server (parleyd, an MQTT broker or an XMPP server), stepping the offered rate up; appends one run to
// <output>.json. bench/run-peers calls it once per server and scenario.
#pragma once

namespace parley::bench {

// argv[0] is "compare". Returns the process exit code.
int run_compare_command(int argc, char** argv);

}  // namespace parley::bench
