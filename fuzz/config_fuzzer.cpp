// libFuzzer target for the config file: whatever TOML an operator writes, applying it must either succeed or
// throw std::runtime_error with a message (which parleyd prints before exiting), never crash or hang; and a
// configuration that passes validation must render and read back to the same configuration.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string_view>

#include "server/config.h"

using parley::server::Config;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  Config config;
  try {
    parley::server::apply_config_file(text, "fuzz.toml", config);
    parley::server::validate_config(config);
  } catch (const std::runtime_error&) {
    return 0;
  }
  // The rendered form of a valid configuration is itself a valid config file meaning the same thing (the
  // admin secret is redacted in it, so it is left out of the comparison).
  const std::string rendered = parley::server::render_config(config);
  Config again;
  try {
    parley::server::apply_config_file(rendered, "rendered.toml", again);
  } catch (const std::runtime_error&) {
    std::abort();
  }
  again.admin_secret = config.admin_secret;
  if (parley::server::render_config(again) != rendered) std::abort();
  return 0;
}
