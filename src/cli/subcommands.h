// Subcommands that register themselves. Each add_* adds its subcommands (with their --help texts) to `parent`;
// when the user picks one, CLI11 runs its callback during parsing, which sets `chosen` to the function that
// carries it out. main() calls `chosen` with the Context once the global options are known.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

#include "cli/commands.h"

namespace parley::cli {

using Action = std::function<int(Context&)>;

// groups info | members | invite | kick | role | leave | dismiss | requests | join | transfer | update | silence
void add_group_admin_commands(CLI::App& groups, Action& chosen);
// conversation pin | unpin | mute | unmute | archive | unarchive | hide | clear | delete, and `unread`
void add_conversation_commands(CLI::App& app, Action& chosen);
// block, unblock, blocked, users search, privacy
void add_people_commands(CLI::App& app, Action& chosen);

}  // namespace parley::cli
