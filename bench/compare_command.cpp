// The compare command: command line, the step loop, progress lines, and the run's JSON.
#include "compare_command.h"

#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <thread>
#include <unordered_map>

#include "load_scenario.h"
#include "process_sampler.h"
#include "report.h"
#include "user_tokens.h"

namespace parley::bench {
namespace {

namespace json = boost::json;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

struct CompareSettings {
  std::string protocol = "parley";
  std::string scenario = "direct";
  std::string target;  // e.g. "mosquitto qos1", shown in tables
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  std::string port_file;
  std::optional<pid_t> server_pid;
  std::vector<uint32_t> rates = {1000, 2000, 5000, 10000};
  double duration_s = 5, warmup_s = 1, drain_s = 3;
  double stop_below = 0.95, stop_p99_ms = 1000;
  int qos = 1;
  bool xmpp_register = true;
  std::string output;
  std::string note;
  int setup_timeout_s = 300;
  std::string tokens_file;
  LoadOptions load;
};

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

double ms(uint64_t ns) { return std::round(static_cast<double>(ns) / 1e3) / 1e3; }

json::object latency_json(const LatencyHistogram& h) {
  return {{"count", h.count()},           {"p50_ms", ms(h.percentile(0.5))},  {"p99_ms", ms(h.percentile(0.99))},
          {"p999_ms", ms(h.percentile(0.999))}, {"max_ms", ms(h.max())}, {"mean_ms", std::round(h.mean() / 1e3) / 1e3}};
}

struct StepOutcome {
  uint32_t rate = 0;
  LoadStepStats stats;
  ResourceUsage usage;
  double seconds = 1;
  std::string verdict;
};

json::object step_json(const StepOutcome& s, int recipients) {
  const auto& st = s.stats;
  json::object errors;
  for (const auto& [code, n] : st.errors) errors[code] = n;
  return {
      {"rate", s.rate},
      {"offered_per_s", std::round(st.offered / s.seconds)},
      {"acked_per_s", std::round(st.acks_in_window / s.seconds)},
      {"delivered_per_s", std::round(st.deliveries_in_window / s.seconds)},
      {"messages_per_s", std::round(st.deliveries_in_window / s.seconds / recipients)},
      {"counts",
       {{"offered", st.offered}, {"sent", st.sent}, {"acked_ok", st.acked_ok}, {"acked_error", st.acked_error},
        {"expected_deliveries", st.expected_deliveries}, {"delivered", st.delivered}, {"completed", st.completed},
        {"undelivered", st.undelivered}, {"unexpected", st.unexpected}, {"connections_lost", st.connections_lost},
        {"errors", std::move(errors)}}},
      {"latency",
       {{"send_to_ack", latency_json(st.ack_latency)},
        {"send_to_delivery", latency_json(st.delivery_latency)},
        {"send_to_last_recipient", latency_json(st.last_delivery)},
        {"client_send_lag", latency_json(st.send_lag)}}},
      {"resources",
       {{"server_sampled", s.usage.server_sampled},
        {"server_cpu_percent", std::round(s.usage.server_cpu_percent)},
        {"server_busiest_thread_cpu_percent", std::round(s.usage.server_busiest_thread_cpu_percent)},
        {"server_threads", s.usage.server_threads},
        {"server_rss_mib", std::round(s.usage.server_rss_bytes / 1048576.0 * 10) / 10},
        {"bench_cpu_percent", std::round(s.usage.bench_cpu_percent)},
        {"other_cpu_percent", std::round(s.usage.other_cpu_percent)}}},
      {"verdict", s.verdict},
  };
}

std::string verdict_for(const CompareSettings& s, const StepOutcome& o, int recipients) {
  const auto& st = o.stats;
  const double expected = static_cast<double>(st.offered) * recipients;
  const double ratio = expected > 0 ? st.deliveries_in_window / expected : 0;
  const double lost = st.expected_deliveries > 0 ? static_cast<double>(st.undelivered) / st.expected_deliveries : 0;
  const double p99 = st.delivery_latency.percentile(0.99) / 1e6;
  std::ostringstream v;
  v.setf(std::ios::fixed);
  v.precision(2);
  if (ratio < s.stop_below) v << "saturated: delivered/offered " << ratio;
  else if (lost > 1 - s.stop_below) v << "saturated: " << st.undelivered << " deliveries missing after the drain";
  else if (p99 > s.stop_p99_ms) v << "latency: delivery p99 " << p99 << " ms";
  else v << "ok";
  return v.str();
}

std::expected<void, std::string> append_run(const std::string& path, const std::string& scenario, json::object run) {
  json::object doc;
  if (std::ifstream in(path); in) {
    std::stringstream text;
    text << in.rdbuf();
    boost::system::error_code ec;
    auto parsed = json::parse(text.str(), ec);
    if (ec || !parsed.is_object()) return std::unexpected(path + " is not a results document");
    doc = parsed.get_object();
  }
  doc["scenario"] = scenario;
  if (!doc.contains("runs")) doc["runs"] = json::array{};
  doc["runs"].as_array().push_back(std::move(run));
  std::ofstream out(path + ".tmp");
  out << pretty_json(doc);
  out.close();
  if (!out) return std::unexpected("cannot write " + path);
  std::filesystem::rename(path + ".tmp", path);
  return {};
}

int run(CompareSettings s) {
  boost::system::error_code ec;
  auto address = boost::asio::ip::make_address(s.host, ec);
  if (ec || !address.is_loopback()) {
    std::cerr << "parley-bench compare: --host must be a loopback address\n";
    return 2;
  }
  uint16_t port = s.port;
  if (!s.port_file.empty()) {
    std::ifstream in(s.port_file);
    if (!(in >> port)) {
      std::cerr << "parley-bench compare: cannot read a port from " << s.port_file << "\n";
      return 2;
    }
  }
  if (port == 0 || s.rates.empty()) {
    std::cerr << "parley-bench compare: give --port (or --port-file) and --rates\n";
    return 2;
  }
  LoadOptions load = s.load;
  load.client.server = {address, port};
  if (!s.tokens_file.empty()) {
    // "<user id> <token>" per line, from the admin API (bench/admin-tokens); --user-prefix must match the ids.
    auto tokens = std::make_shared<std::unordered_map<std::string, std::string>>();
    for (auto& [user, token] : read_user_tokens(s.tokens_file)) (*tokens)[user] = std::move(token);
    if (tokens->empty() || load.user_prefix.empty()) {
      std::cerr << "parley-bench compare: --tokens-file needs lines '<user> <token>' and a --user-prefix\n";
      return 2;
    }
    load.client.tokens = std::move(tokens);
  }
  load.client.protocol = s.protocol == "mqtt" ? Protocol::kMqtt : s.protocol == "xmpp" ? Protocol::kXmpp : Protocol::kParley;
  load.client.mqtt_qos = static_cast<uint8_t>(s.qos);
  load.client.xmpp_register = s.xmpp_register;
  load.shape = s.scenario == "fanout" ? Shape::kFanout : Shape::kDirect;
  if (load.user_prefix.empty()) {
    std::random_device random;
    std::ostringstream prefix;
    prefix << "b" << std::hex << (random() & 0xffffff);
    load.user_prefix = prefix.str();
  }
  const std::string scenario = load.shape == Shape::kDirect ? "direct" : "fanout-" + std::to_string(load.group_size);
  if (s.target.empty()) s.target = s.protocol;
  const int recipients = load.shape == Shape::kDirect ? 1 : load.group_size;

  std::cerr << "parley-bench compare: " << scenario << " against " << s.target << " at " << s.host << ":" << port
            << ", setting up...\n";
  const auto setup_start = Clock::now();
  LoadScenario scenario_runner(load);
  if (auto ready = scenario_runner.set_up(std::chrono::seconds(s.setup_timeout_s)); !ready) {
    std::cerr << "parley-bench compare: set-up failed: " << ready.error() << "\n";
    return 1;
  }
  const double setup_seconds = std::chrono::duration<double>(Clock::now() - setup_start).count();
  std::cerr << "parley-bench compare: set-up took " << setup_seconds << " s\n";

  json::array steps;
  std::string stop_reason = "every rate ran";
  for (size_t i = 0; i < s.rates.size(); ++i) {
    StepPlan plan;
    plan.index = static_cast<int>(i);
    plan.rate = s.rates[i];
    plan.start_ns = now_ns() + 50'000'000;
    plan.measure_from_ns = plan.start_ns + static_cast<int64_t>(s.warmup_s * 1e9);
    plan.measure_until_ns = plan.measure_from_ns + static_cast<int64_t>(s.duration_s * 1e9);
    plan.drain_until_ns = plan.measure_until_ns + static_cast<int64_t>(s.drain_s * 1e9);
    auto future = scenario_runner.start_step(plan);
    ResourceWindow resources(s.server_pid);
    bool began = false;
    std::optional<ResourceUsage> window_usage;  // CPU and memory over the measurement window (to 1 s)
    LoadProgress last = scenario_runner.progress();
    // Poll once a second, and exactly at the window's edges so the CPU figures cover the window.
    auto next_poll = [&] {
      auto at = Clock::now() + 1s;
      const int64_t edge = !began ? plan.measure_from_ns : !window_usage ? plan.measure_until_ns : 0;
      if (edge != 0) at = std::min(at, Clock::time_point(std::chrono::nanoseconds(edge)));
      return at;
    };
    while (future.wait_until(next_poll()) != std::future_status::ready) {
      const int64_t now = now_ns();
      std::optional<ResourceUsage> usage;
      if (!began && now >= plan.measure_from_ns) {
        resources.begin();
        began = true;
      } else if (began && !window_usage) {
        usage = resources.interval();
        if (now >= plan.measure_until_ns) window_usage = resources.total();
      }
      const LoadProgress p = scenario_runner.progress();
      std::ostringstream line;
      line << "[" << s.target << " " << scenario << " " << plan.rate << "/s] "
           << (now < plan.measure_from_ns ? "warm-up" : now < plan.measure_until_ns ? "measure" : "drain")
           << "  sent " << p.sent - last.sent << "  acked " << p.acked - last.acked << "  delivered "
           << p.delivered - last.delivered << "  errors " << p.errors;
      if (usage) {
        line << "  | server " << std::lround(usage->server_cpu_percent) << "% cpu "
             << usage->server_rss_bytes / 1048576 << " MiB  bench " << std::lround(usage->bench_cpu_percent)
             << "%  other " << std::lround(usage->other_cpu_percent) << "%";
      }
      std::cerr << line.str() << "\n";
      last = p;
    }
    StepOutcome outcome;
    outcome.rate = plan.rate;
    outcome.stats = future.get();
    outcome.usage = window_usage ? *window_usage : began ? resources.total() : ResourceUsage{};
    outcome.seconds = plan.measured_seconds();
    outcome.verdict = verdict_for(s, outcome, recipients);
    const auto& st = outcome.stats;
    std::cerr << "==> " << s.target << " " << scenario << " " << plan.rate << " msg/s: delivered "
              << std::llround(st.deliveries_in_window / outcome.seconds) << "/s, delivery p50/p99/p99.9 "
              << st.delivery_latency.percentile(0.5) / 1e6 << "/" << st.delivery_latency.percentile(0.99) / 1e6 << "/"
              << st.delivery_latency.percentile(0.999) / 1e6 << " ms; " << outcome.verdict << "\n";
    steps.push_back(step_json(outcome, recipients));
    if (outcome.verdict != "ok") {
      stop_reason = outcome.verdict + " at " + std::to_string(plan.rate) + " msg/s";
      break;
    }
  }

  json::array rates;
  for (auto r : s.rates) rates.push_back(r);
  json::object run{
      {"target", s.target},
      {"protocol", s.protocol},
      {"note", s.note},
      {"started_at", utc_now_iso8601()},
      {"setup_seconds", std::round(setup_seconds * 10) / 10},
      {"config",
       {{"scenario", scenario}, {"pairs", load.pairs}, {"group_size", load.group_size}, {"rates", std::move(rates)},
        {"duration_s", s.duration_s}, {"warmup_s", s.warmup_s}, {"drain_s", s.drain_s},
        {"text_bytes", load.text_bytes}, {"qos", s.qos}, {"cpus", std::thread::hardware_concurrency()}}},
      {"steps", std::move(steps)},
      {"stop_reason", stop_reason},
  };
  const std::string prefix = s.output.empty() ? "bench/results/" + scenario + "-" + utc_stamp() : s.output;
  if (auto ok = append_run(prefix + ".json", scenario, std::move(run)); !ok) {
    std::cerr << "parley-bench compare: " << ok.error() << "\n";
    return 1;
  }
  std::cerr << "parley-bench compare: appended to " << prefix << ".json\n";
  return 0;
}

}  // namespace

int run_compare_command(int argc, char** argv) {
  CompareSettings s;
  CLI::App app{"parley-bench compare: the direct/fanout scenarios against parleyd, an MQTT broker or an XMPP server"};
  app.add_option("--protocol", s.protocol, "parley | mqtt | xmpp")->check(CLI::IsMember({"parley", "mqtt", "xmpp"}))->capture_default_str();
  app.add_option("--scenario", s.scenario, "direct | fanout")->check(CLI::IsMember({"direct", "fanout"}))->capture_default_str();
  app.add_option("--target", s.target, "name of the server in the results (e.g. 'mosquitto qos1')");
  app.add_option("--host", s.host, "server address; loopback only")->capture_default_str();
  app.add_option("--port", s.port, "server port");
  app.add_option("--port-file", s.port_file, "read the port from this file");
  app.add_option("--server-pid", s.server_pid, "the server's pid, to sample its CPU and RSS");
  app.add_option("--pairs", s.load.pairs, "direct: sender/receiver pairs")->capture_default_str();
  app.add_option("--group-size", s.load.group_size, "fanout: receiving members")->capture_default_str();
  app.add_option("--rates", s.rates, "offered messages/s, one step each")->delimiter(',')->capture_default_str();
  app.add_option("--duration", s.duration_s, "seconds measured per step")->capture_default_str();
  app.add_option("--warmup", s.warmup_s, "seconds of load before each measurement")->capture_default_str();
  app.add_option("--drain", s.drain_s, "at most this many seconds for stragglers")->capture_default_str();
  app.add_option("--text-bytes", s.load.text_bytes, "payload length")->capture_default_str();
  app.add_option("--qos", s.qos, "MQTT QoS of publishes and subscriptions (0 or 1)")->check(CLI::Range(0, 1))->capture_default_str();
  app.add_option("--xmpp-domain", s.load.client.xmpp_domain, "XMPP domain")->capture_default_str();
  app.add_option("--muc-domain", s.load.client.xmpp_muc_domain, "XMPP multi-user chat service")->capture_default_str();
  app.add_flag("!--no-register", s.xmpp_register, "XMPP: the users exist already (no in-band registration)");
  app.add_option("--user-prefix", s.load.user_prefix, "user id prefix (default: random)");
  app.add_option("--password", s.load.client.password, "every user's password")->capture_default_str();
  app.add_option("--setup-concurrency", s.load.setup_concurrency, "clients setting up at once")->capture_default_str();
  app.add_option("--tokens-file", s.tokens_file,
                 "Parley: '<user id> <token>' lines (admin API tokens); those users authenticate instead of "
                 "registering and logging in");
  app.add_option("--source-addresses", s.load.source_addresses,
                 "Parley: connect from 127.0.0.1 .. 127.0.0.N (each has its own ephemeral port range)")
      ->capture_default_str();
  app.add_option("--setup-timeout", s.setup_timeout_s, "seconds")->capture_default_str();
  app.add_option("--stop-below", s.stop_below, "stop when delivered/offered falls below this")->capture_default_str();
  app.add_option("--stop-p99-ms", s.stop_p99_ms, "stop when the delivery p99 exceeds this")->capture_default_str();
  app.add_option("--output", s.output, "results path prefix (the run is appended to <prefix>.json)");
  app.add_option("--note", s.note, "free text stored with the run");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return run(std::move(s));
}

}  // namespace parley::bench
