// parley-bench: the load generator. Runs the `direct` scenario (see direct_scenario.h) against a parleyd on
// a loopback address, one load step per rate in --rates, and writes <output>.json and <output>.md.
//
// Per step: warm-up, a measurement window, then a drain that waits (bounded) for every outstanding ack and
// delivery. Stepping stops at saturation (delivered/offered below --stop-below) or when the delivery p99
// passes --stop-p99-ms. A progress line goes to stderr every second.
#include <CLI/CLI.hpp>

#include <cmath>
#include <ctime>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <random>
#include <sstream>
#include <thread>

#include "backpressure_scenario.h"
#include "ceiling_command.h"
#include "compare_command.h"
#include "connections_scenario.h"
#include "mixed_scenario.h"
#include "sync_scenario.h"
#include "direct_scenario.h"
#include "metrics_scraper.h"
#include "process_sampler.h"
#include "protocol/codec.h"
#include "report.h"

namespace parley::bench {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr auto kScrapeTimeout = 2000ms;
constexpr auto kSetupTimeout = std::chrono::seconds(180);
constexpr double kClientLagWarningMs = 5.0;

struct Settings {
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  std::string port_file;
  std::optional<pid_t> server_pid;
  std::vector<uint32_t> rates = {2000, 5000, 10000, 15000, 20000, 30000, 40000, 60000};
  double duration_s = 10, warmup_s = 2, drain_s = 5;
  double stop_below = 0.95, stop_p99_ms = 1000;
  std::string label = "direct";
  std::string note;
  std::string output;
  bool append = false;
  bool scrape = true;
  DirectOptions direct;
};

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

Clock::time_point to_time_point(int64_t ns) { return Clock::time_point(std::chrono::nanoseconds(ns)); }

std::string random_user_prefix() {
  std::random_device random;
  std::ostringstream out;
  out << "bench" << std::hex << (random() & 0xffffff) << "-";
  return out.str();
}

// ------------------------------------------------------------------------------------------- command line

Settings parse_command_line(int argc, char** argv) {
  Settings s;
  CLI::App app{"parley-bench: open-loop load generator for parleyd (scenario: direct)"};
  app.add_option("--host", s.host, "parleyd address; loopback only")->capture_default_str();
  app.add_option("--port", s.port, "parleyd port");
  app.add_option("--port-file", s.port_file, "read the port from this file (parleyd --port-file)");
  app.add_option("--server-pid", s.server_pid, "parleyd's pid, to sample its CPU and RSS from /proc");
  app.add_option("--pairs", s.direct.pairs, "sender/receiver pairs (two connections each)")->capture_default_str();
  app.add_option("--rates", s.rates, "total offered rates in messages/s, one step each")
      ->delimiter(',')
      ->capture_default_str();
  app.add_option("--duration", s.duration_s, "seconds measured per step")->capture_default_str();
  app.add_option("--warmup", s.warmup_s, "seconds of load before each measurement")->capture_default_str();
  app.add_option("--drain", s.drain_s, "at most this many seconds to wait for stragglers")->capture_default_str();
  app.add_option("--threads", s.direct.threads, "load threads (one io_context each)")->capture_default_str();
  app.add_option("--text-bytes", s.direct.text_bytes, "message text length")->capture_default_str();
  app.add_option("--tick-us", s.direct.tick_us, "send schedule granularity in microseconds")->capture_default_str();
  app.add_option("--setup-concurrency", s.direct.setup_concurrency, "users logging in at once")->capture_default_str();
  app.add_option("--max-send-queue", s.direct.max_send_queue, "per-connection client backlog limit (messages)")
      ->capture_default_str();
  app.add_option("--stop-below", s.stop_below, "stop stepping when delivered/offered falls below this")
      ->capture_default_str();
  app.add_option("--stop-p99-ms", s.stop_p99_ms, "stop stepping when send->delivery p99 exceeds this")
      ->capture_default_str();
  app.add_option("--label", s.label, "name of this run in the results")->capture_default_str();
  app.add_option("--note", s.note, "free text stored with the run (server flags, CPU pinning)");
  app.add_option("--output", s.output, "results path prefix; default bench/results/direct-<UTC time>");
  app.add_flag("--append", s.append, "add this run to an existing <output>.json instead of replacing it");
  app.add_option("--user-prefix", s.direct.user_prefix, "user id prefix (default: random per run)");
  app.add_flag("!--no-metrics", s.scrape, "do not read the server's /metrics");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    std::exit(app.exit(e));
  }
  return s;
}

std::expected<boost::asio::ip::tcp::endpoint, std::string> server_endpoint(const Settings& s) {
  boost::system::error_code ec;
  auto address = boost::asio::ip::make_address(s.host, ec);
  if (ec) return std::unexpected("--host '" + s.host + "' is not an IP address");
  if (!address.is_loopback()) return std::unexpected("--host must be a loopback address (127.0.0.0/8 or ::1)");
  uint16_t port = s.port;
  if (!s.port_file.empty()) {
    std::ifstream in(s.port_file);
    if (!(in >> port)) return std::unexpected("cannot read a port from " + s.port_file);
  }
  if (port == 0) return std::unexpected("give --port or --port-file");
  return boost::asio::ip::tcp::endpoint(address, port);
}

std::expected<void, std::string> validate(const Settings& s) {
  if (s.direct.pairs < 1) return std::unexpected("--pairs must be at least 1");
  if (s.rates.empty()) return std::unexpected("--rates needs at least one rate");
  for (uint32_t rate : s.rates) {
    if (rate == 0) return std::unexpected("--rates must be positive");
  }
  if (s.duration_s <= 0 || s.warmup_s < 0 || s.drain_s < 0) return std::unexpected("bad --duration/--warmup/--drain");
  if (s.direct.tick_us == 0) return std::unexpected("--tick-us must be positive");
  if (s.direct.text_bytes == 0) return std::unexpected("--text-bytes must be positive");
  return {};
}

boost::json::object config_json(const Settings& s) {
  boost::json::array rates;
  for (uint32_t r : s.rates) rates.push_back(r);
  return {{"scenario", "direct"},
          {"pairs", s.direct.pairs},
          {"connections", 2 * s.direct.pairs},
          {"rates", std::move(rates)},
          {"duration_s", s.duration_s},
          {"warmup_s", s.warmup_s},
          {"drain_s", s.drain_s},
          {"threads", s.direct.threads},
          {"text_bytes", s.direct.text_bytes},
          {"tick_us", s.direct.tick_us},
          {"encoding", "protobuf (binary WebSocket frames)"},
          {"stop_below", s.stop_below},
          {"stop_p99_ms", s.stop_p99_ms},
          {"cpus", std::thread::hardware_concurrency()}};
}

// ------------------------------------------------------------------------------------------- one step

// One progress line: rates over the last interval, totals, and (in the window) who used the CPU.
void print_progress_line(const std::string& step_name, const std::string& phase, const SecondSample& sample,
                         const Progress& totals, const ResourceUsage* usage) {
  std::ostringstream line;
  line.setf(std::ios::fixed);
  line.precision(0);
  line << "[" << step_name << "] " << phase << "  sent " << sample.sent_per_second << "/s  acked "
       << sample.acked_per_second << "/s  delivered " << sample.delivered_per_second << "/s  not yet acked "
       << static_cast<int64_t>(totals.sent - totals.acked) << "  errors " << totals.errors;
  if (usage) {
    if (usage->server_sampled) {
      line << "  | server " << usage->server_cpu_percent << "% cpu (busiest thread "
           << usage->server_busiest_thread_cpu_percent << "%) " << usage->server_rss_bytes / (1024 * 1024) << " MiB";
    }
    line << "  bench " << usage->bench_cpu_percent << "%  other " << usage->other_cpu_percent << "%";
  }
  std::cerr << line.str() << "\n";
}

// Turns the scenario's running totals into per-interval rates, printing a line each time.
class ProgressLine {
 public:
  ProgressLine(const DirectScenario& scenario, std::string step_name)
      : scenario_(scenario), step_name_(std::move(step_name)), last_(scenario.progress()), last_at_(Clock::now()) {}

  // Rates since the previous call, printed with `phase` and, when given, resource usage.
  SecondSample tick(const std::string& phase, const ResourceUsage* usage) {
    const Progress now = scenario_.progress();
    const auto at = Clock::now();
    const double seconds = std::max(1e-3, std::chrono::duration<double>(at - last_at_).count());
    SecondSample sample;
    sample.sent_per_second = (now.sent - last_.sent) / seconds;
    sample.acked_per_second = (now.acked - last_.acked) / seconds;
    sample.delivered_per_second = (now.delivered - last_.delivered) / seconds;
    if (usage) sample.usage = *usage;
    print_progress_line(step_name_, phase, sample, now, usage);
    last_ = now;
    last_at_ = at;
    return sample;
  }

 private:
  const DirectScenario& scenario_;
  std::string step_name_;
  Progress last_;
  Clock::time_point last_at_;
};

StepPlan make_plan(const Settings& s, int index, uint32_t rate) {
  StepPlan plan;
  plan.index = index;
  plan.rate = rate;
  plan.start_ns = now_ns() + 50'000'000;  // 50 ms for the load threads to receive the plan
  plan.measure_from_ns = plan.start_ns + static_cast<int64_t>(s.warmup_s * 1e9);
  plan.measure_until_ns = plan.measure_from_ns + static_cast<int64_t>(s.duration_s * 1e9);
  plan.drain_until_ns = plan.measure_until_ns + static_cast<int64_t>(s.drain_s * 1e9);
  return plan;
}

std::optional<MetricsSnapshot> scrape(const Settings& s, const boost::asio::ip::tcp::endpoint& server) {
  if (!s.scrape) return std::nullopt;
  return scrape_metrics(server, kScrapeTimeout);
}

void print_until(ProgressLine& progress, const std::string& phase, int64_t until_ns) {
  while (now_ns() < until_ns) {
    std::this_thread::sleep_until(std::min(Clock::now() + 1s, to_time_point(until_ns)));
    if (now_ns() < until_ns) progress.tick(phase, nullptr);
  }
}

// "ok", or why stepping stops after this step.
std::string verdict_for(const Settings& s, const StepResult& step) {
  const double offered = step.offered_per_second();
  const double delivered_ratio = offered > 0 ? step.delivered_per_second() / offered : 0;
  const double delivery_p99_ms = step.stats.delivery_latency.percentile(0.99) / 1e6;
  std::ostringstream verdict;
  verdict.setf(std::ios::fixed);
  verdict.precision(2);
  if (delivered_ratio < s.stop_below) {
    verdict << "saturated: delivered/offered " << delivered_ratio;
  } else if (delivery_p99_ms > s.stop_p99_ms) {
    verdict << "latency: delivery p99 " << delivery_p99_ms << " ms";
  } else {
    verdict << "ok";
  }
  return verdict.str();
}

// Sanity checks on a finished step; each failure is a human-readable warning.
std::vector<std::string> sanity_warnings(const StepResult& step) {
  const StepStats& st = step.stats;
  std::vector<std::string> warnings;
  const double lag_p99_ms = st.send_lag.percentile(0.99) / 1e6;
  if (lag_p99_ms > kClientLagWarningMs) {
    std::ostringstream warning;
    warning.setf(std::ios::fixed);
    warning.precision(2);
    warning << "the load generator fell behind its schedule (send lag p99 " << lag_p99_ms
            << " ms): it was short of CPU, and the latencies include that delay";
    warnings.push_back(warning.str());
  }
  if (st.delivered != st.acked_ok) {
    warnings.push_back("delivered " + std::to_string(st.delivered) + " != acked " + std::to_string(st.acked_ok));
  }
  if (st.seq_gaps + st.seq_regressions > 0) {
    warnings.push_back("sequence anomalies: " + std::to_string(st.seq_gaps) + " gaps, " +
                       std::to_string(st.seq_regressions) + " regressions");
  }
  if (st.duplicate_acks > 0) warnings.push_back(std::to_string(st.duplicate_acks) + " duplicate acks");
  if (st.connections_lost > 0) warnings.push_back(std::to_string(st.connections_lost) + " connections lost");
  if (st.unexpected_frames > 0) warnings.push_back(std::to_string(st.unexpected_frames) + " unexpected frames");
  const double acks = static_cast<double>(st.acks_in_window);
  if (step.store && acks > 0 && std::abs(step.store->messages_stored - acks) > 0.02 * acks) {
    warnings.push_back("the server stored " + std::to_string(static_cast<uint64_t>(step.store->messages_stored)) +
                       " messages in the window but the clients saw " + std::to_string(st.acks_in_window) +
                       " acks (a few in flight at the window's edges are normal)");
  }
  return warnings;
}

StepResult run_step(const Settings& s, DirectScenario& scenario, const boost::asio::ip::tcp::endpoint& server,
                    int index, uint32_t rate) {
  const std::string name = "step " + std::to_string(index + 1) + "/" + std::to_string(s.rates.size()) + " " +
                           std::to_string(rate) + " msg/s";
  StepResult result;
  result.plan = make_plan(s, index, rate);
  const StepPlan& plan = result.plan;
  ProgressLine progress(scenario, name);
  scenario.start_step(plan);

  print_until(progress, "warm-up", plan.measure_from_ns);
  ResourceWindow resources(s.server_pid);
  resources.begin();
  const auto metrics_before = scrape(s, server);
  const auto window_start = Clock::now();
  while (now_ns() < plan.measure_until_ns) {
    std::this_thread::sleep_until(std::min(Clock::now() + 1s, to_time_point(plan.measure_until_ns)));
    ResourceUsage usage = resources.interval();
    SecondSample sample = progress.tick("measure", &usage);
    sample.at_seconds = std::chrono::duration<double>(Clock::now() - window_start).count();
    result.timeline.push_back(sample);
  }
  const auto metrics_after = scrape(s, server);
  result.usage = resources.total();
  if (metrics_before && metrics_after) result.store = store_figures_between(*metrics_before, *metrics_after);

  std::optional<StepStats> stats;
  while (!(stats = scenario.wait_step(1000ms))) progress.tick("drain", nullptr);
  result.stats = std::move(*stats);
  result.verdict = verdict_for(s, result);
  result.warnings = sanity_warnings(result);
  return result;
}

void print_step_summary(const StepResult& step) {
  const auto& st = step.stats;
  std::ostringstream out;
  out.setf(std::ios::fixed);
  out.precision(2);
  out << "==> " << step.plan.rate << " msg/s offered: acked " << std::setprecision(0) << step.acked_per_second()
      << "/s, delivered " << step.delivered_per_second() << "/s" << std::setprecision(2) << "; send->ack p50 "
      << st.ack_latency.percentile(0.5) / 1e6 << " p99 " << st.ack_latency.percentile(0.99) / 1e6 << " p99.9 "
      << st.ack_latency.percentile(0.999) / 1e6 << " ms; send->delivery p50 "
      << st.delivery_latency.percentile(0.5) / 1e6 << " p99 " << st.delivery_latency.percentile(0.99) / 1e6
      << " p99.9 " << st.delivery_latency.percentile(0.999) / 1e6 << " ms; " << step.verdict;
  std::cerr << out.str() << "\n";
  for (const auto& w : step.warnings) std::cerr << "    warning: " << w << "\n";
}

// ------------------------------------------------------------------------------------------- the run

// One line on stdout for scripts (everything else goes to stderr): the highest rate that passed and the
// rate that stopped the stepping (0 when none).
void print_summary_line(const RunReport& report) {
  uint32_t max_ok = 0, stopped_at = 0;
  for (const auto& step : report.steps) {
    if (step.verdict == "ok") max_ok = std::max(max_ok, step.plan.rate);
    else stopped_at = step.plan.rate;
  }
  std::cout << "max_ok_rate=" << max_ok << " stopped_at_rate=" << stopped_at << std::endl;
}

int run(const Settings& s) {
  auto server = server_endpoint(s);
  if (!server) {
    std::cerr << "parley-bench: " << server.error() << "\n";
    return 2;
  }
  DirectOptions direct = s.direct;
  direct.server = *server;
  if (direct.user_prefix.empty()) direct.user_prefix = random_user_prefix();

  RunReport report;
  report.label = s.label;
  report.note = s.note;
  report.config = config_json(s);
  report.started_at = utc_now_iso8601();

  std::cerr << "parley-bench: " << direct.pairs << " pairs (" << 2 * direct.pairs << " connections) against "
            << server->address().to_string() << ":" << server->port() << ", setting up users...\n";
  DirectScenario scenario(direct);
  const auto setup_started = Clock::now();
  if (auto ready = scenario.set_up(kSetupTimeout); !ready) {
    std::cerr << "parley-bench: set-up failed: " << ready.error() << "\n";
    return 1;
  }
  report.setup_seconds = std::chrono::duration<double>(Clock::now() - setup_started).count();
  std::cerr << "parley-bench: set-up took " << report.setup_seconds << " s\n";

  report.stop_reason = "every rate ran";
  for (size_t i = 0; i < s.rates.size(); ++i) {
    report.steps.push_back(run_step(s, scenario, *server, static_cast<int>(i), s.rates[i]));
    print_step_summary(report.steps.back());
    if (s.server_pid && !sample_process(*s.server_pid)) {
      report.stop_reason = "the server process exited";
      break;
    }
    if (report.steps.back().verdict != "ok") {
      report.stop_reason = report.steps.back().verdict + " at " + std::to_string(s.rates[i]) + " msg/s";
      break;
    }
  }

  const std::string prefix = s.output.empty() ? "bench/results/direct-" + utc_stamp() : s.output;
  if (auto written = write_report(prefix, report, s.append ? WriteMode::kAppend : WriteMode::kReplace); !written) {
    std::cerr << "parley-bench: " << written.error() << "\n";
    return 1;
  }
  std::cerr << "parley-bench: results in " << prefix << ".json and " << prefix << ".md\n";
  print_summary_line(report);
  return 0;
}

}  // namespace
}  // namespace parley::bench

int main(int argc, char** argv) {
  parley::protocol::silence_protobuf_logging();
  if (argc > 1 && std::string_view(argv[1]) == "compare") return parley::bench::run_compare_command(argc - 1, argv + 1);
  if (argc > 1 && std::string_view(argv[1]) == "mixed") return parley::bench::run_mixed_command(argc - 1, argv + 1);
  if (argc > 1 && std::string_view(argv[1]) == "backpressure") {
    return parley::bench::run_backpressure_command(argc - 1, argv + 1);
  }
  if (argc > 1 && std::string_view(argv[1]) == "ceiling") return parley::bench::run_ceiling_command(argc - 1, argv + 1);
  if (argc > 1 && std::string_view(argv[1]) == "sync") return parley::bench::run_sync_command(argc - 1, argv + 1);
  if (argc > 1 && std::string_view(argv[1]) == "connections") {
    return parley::bench::run_connections_command(argc - 1, argv + 1);
  }
  const auto settings = parley::bench::parse_command_line(argc, argv);
  if (auto ok = parley::bench::validate(settings); !ok) {
    std::cerr << "parley-bench: " << ok.error() << "\n";
    return 2;
  }
  return parley::bench::run(settings);
}
