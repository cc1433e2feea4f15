// parleyd: wires the parts together (constructor injection, no globals), serves until SIGTERM/SIGINT, then
// stops gracefully: no new connections, open ones closed with "going away", queued writes committed.
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <functional>
#include <fstream>
#include <iostream>

#include "protocol/codec.h"
#include "server/api/admin_api.h"
#include "server/api/api.h"
#include "server/bus/bus.h"
#include "server/config.h"
#include "server/logging.h"
#include "server/media/media_service.h"
#include "server/metrics.h"
#include "server/net/server.h"
#include "server/store/sqlite/sqlite_store.h"

using namespace parley;
using namespace parley::server;

namespace {

int run(int argc, char** argv) {
  Config config;
  try {
    if (load_config(argc, argv, config) == ConfigOutcome::kExit) return 0;
  } catch (const std::exception& e) {
    std::cerr << "parleyd: " << e.what() << "\n";
    return 2;
  }
  setup_logging(config.log_format, config.log_level);
  protocol::silence_protobuf_logging();

  std::error_code fs_error;
  std::filesystem::create_directories(config.data_dir, fs_error);
  if (fs_error) {
    spdlog::error("cannot create the data directory {}: {}", config.data_dir, fs_error.message());
    return 1;
  }

  Metrics metrics;
  SystemClock clock;
  store::sqlite::SqliteStore::Options store_options;
  store_options.path = (std::filesystem::path(config.data_dir) / "parley.db").string();
  store_options.durability = config.durable_sync ? store::sqlite::SqliteStore::Durability::kFull
                                                 : store::sqlite::SqliteStore::Durability::kNormal;
  store_options.read_connections = config.read_connections;
  store_options.max_queue_wait = std::chrono::milliseconds(config.max_write_queue_ms);
  store_options.policy.direct_chat_friends_only = config.direct_chat_friends_only;
  store_options.policy.edit_window_ms = config.edit_window_seconds * 1000;
  store_options.policy.revoke_window_ms = config.revoke_window_seconds * 1000;
  store_options.policy.max_group_members = config.max_group_members;
  store_options.on_commit = [&metrics](size_t batch, double seconds) {
    metrics.store_batch_size.observe(static_cast<double>(batch));
    metrics.store_commit_seconds.observe(seconds);
  };
  auto opened = store::sqlite::SqliteStore::open(std::move(store_options));
  if (!opened) {
    spdlog::error("{}", opened.error().message);
    return 1;
  }
  std::unique_ptr<store::Store> store = std::move(*opened);

  InProcessBus bus;
  WorkerPool workers(std::max(1, config.worker_threads), 10000);
  PresenceHub presence(clock, config.presence_grace_ms);
  Services services{config, *store, bus, clock, metrics, workers, presence};
  if (!media::init_processing(argv[0])) {
    spdlog::error("libvips failed to start");
    return 1;
  }
  std::unique_ptr<media::MediaService> media_service;
  try {
    auto created = media::MediaService::create(config, *store, clock, workers);
    if (!created) {
      spdlog::error("media: {}", created.error().message);
      return 1;
    }
    media_service = std::move(*created);
  } catch (const std::exception& e) {
    spdlog::error("media: {}", e.what());
    return 1;
  }
  services.media = media_service.get();
  Api api(services);
  AdminApi admin(services);
  Server server(config, api, admin, metrics);

  uint16_t port = 0;
  try {
    port = server.start();
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    return 1;
  }
  // SIGINT and SIGTERM stop the server; SIGHUP reloads the TLS certificate. Caught from here on, before
  // anyone can learn the port from the port file and signal us.
  boost::asio::io_context signals_ioc;
  boost::asio::signal_set signals(signals_ioc, SIGINT, SIGTERM, SIGHUP);
  if (!config.port_file.empty()) {
    // The plain port, then the TLS port when there is one.
    std::ofstream out(config.port_file + ".tmp");
    out << port << "\n";
    if (server.tls_port()) out << server.tls_port() << "\n";
    out.close();
    std::filesystem::rename(config.port_file + ".tmp", config.port_file, fs_error);
  }
  spdlog::info("parleyd listening on {}:{} (WebSocket /v1/ws, HTTP), data in {}, admin API {}",
               config.listen_host(), port, config.data_dir, config.admin_secret.empty() ? "off" : "on");
  if (server.tls_port()) {
    spdlog::info("parleyd listening on {}:{} with TLS (wss:// and https://), certificate {}",
                 Config::split_host_port(config.tls_listen, "tls_listen").host, server.tls_port(),
                 config.tls_cert_file);
  }

  std::function<void(boost::system::error_code, int)> on_signal = [&](boost::system::error_code ec, int signal) {
    if (ec) return;
    if (signal != SIGHUP) {
      spdlog::info("received {}, stopping", signal == SIGTERM ? "SIGTERM" : "SIGINT");
      return;
    }
    if (auto failed = server.reload_tls()) spdlog::error("SIGHUP: TLS certificate not reloaded: {}", *failed);
    else spdlog::info("SIGHUP: TLS certificate reloaded from {}", config.tls_cert_file);
    signals.async_wait(on_signal);
  };
  signals.async_wait(on_signal);
  signals_ioc.run();

  server.stop();
  presence.stop();
  workers.stop();          // runs what is queued, some of it media work, while the media service still exists
  media_service.reset();   // then waits for processing in flight (which may still write to the store)
  store->flush();
  store.reset();
  spdlog::info("stopped cleanly");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {  // a failure at start-up or shutdown that nothing else caught
    std::cerr << "parleyd: " << e.what() << "\n";
    return 1;
  }
}
