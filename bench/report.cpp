// JSON and Markdown for benchmark results. Latencies are stored in milliseconds, rates in messages per second,
// memory in MiB, CPU in percent of one core.
#include "report.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace parley::bench {
namespace json = boost::json;
namespace {

constexpr double kMiB = 1024.0 * 1024.0;
// The goal: >= 60,000 durable messages/s, and p99 <= 5 ms at half that rate.
constexpr double kGoalRate = 60000, kGoalP99Ms = 5;

double round_to(double value, int decimals) {
  const double scale = std::pow(10.0, decimals);
  return std::round(value * scale) / scale;
}

double ms(uint64_t ns) { return round_to(static_cast<double>(ns) / 1e6, 3); }

// ---------------------------------------------------------------------------------------- /metrics deltas

// Upper bucket edges of a Prometheus histogram with their cumulative counts, from `name_bucket{le="..."}`.
std::vector<std::pair<double, double>> bucket_deltas(const MetricsSnapshot& before, const MetricsSnapshot& after,
                                                      const std::string& name) {
  const std::string prefix = name + "_bucket{le=\"";
  std::vector<std::pair<double, double>> buckets;
  for (auto it = after.samples.lower_bound(prefix); it != after.samples.end() && it->first.starts_with(prefix);
       ++it) {
    const std::string edge = it->first.substr(prefix.size(), it->first.size() - prefix.size() - 2);
    const double le = edge == "+Inf" ? INFINITY : std::strtod(edge.c_str(), nullptr);
    buckets.emplace_back(le, it->second - before.value(it->first));
  }
  std::sort(buckets.begin(), buckets.end());
  return buckets;
}

double bucket_quantile(const std::vector<std::pair<double, double>>& cumulative, double quantile) {
  if (cumulative.empty() || cumulative.back().second <= 0) return 0;
  const double wanted = quantile * cumulative.back().second;
  for (const auto& [le, count] : cumulative) {
    if (count >= wanted) return le;
  }
  return cumulative.back().first;
}

double delta(const MetricsSnapshot& before, const MetricsSnapshot& after, const std::string& key) {
  return after.value(key) - before.value(key);
}

// ---------------------------------------------------------------------------------------- JSON

json::object latency_json(const LatencyHistogram& h) {
  return {{"count", h.count()},          {"p50_ms", ms(h.percentile(0.50))}, {"p90_ms", ms(h.percentile(0.90))},
          {"p99_ms", ms(h.percentile(0.99))}, {"p999_ms", ms(h.percentile(0.999))},
          {"max_ms", ms(h.max())},       {"mean_ms", round_to(h.mean() / 1e6, 3)}};
}

json::object usage_json(const ResourceUsage& u) {
  json::object out{{"bench_cpu_percent", round_to(u.bench_cpu_percent, 1)},
                   {"other_cpu_percent", round_to(u.other_cpu_percent, 1)},
                   {"machine_cpu_percent", round_to(u.machine_cpu_percent, 1)}};
  if (u.server_sampled) {
    out["server_cpu_percent"] = round_to(u.server_cpu_percent, 1);
    out["server_busiest_thread_cpu_percent"] = round_to(u.server_busiest_thread_cpu_percent, 1);
    out["server_rss_mib"] = round_to(u.server_rss_bytes / kMiB, 1);
    out["server_rss_max_mib"] = round_to(u.server_rss_max_bytes / kMiB, 1);
    out["server_threads"] = u.server_threads;
  }
  return out;
}

json::object store_json(const StoreFigures& s) {
  json::object errors;
  for (const auto& [code, n] : s.errors) errors[code] = n;
  return {{"batches", s.batches},
          {"mean_batch_size", round_to(s.mean_batch_size, 1)},
          {"batch_size_p99_le", s.batch_size_p99},
          {"mean_commit_ms", round_to(s.mean_commit_ms, 3)},
          {"commit_p99_le_ms", round_to(s.commit_p99_ms, 3)},
          {"messages_stored", s.messages_stored},
          {"messages_delivered", s.messages_delivered},
          {"slow_consumers_closed", s.slow_consumers_closed},
          {"errors", std::move(errors)}};
}

json::object stats_json(const StepStats& s) {
  json::object errors;
  for (const auto& [code, n] : s.errors) errors[code] = n;
  return {{"offered", s.offered},
          {"sent", s.sent},
          {"acked_ok", s.acked_ok},
          {"acked_error", s.acked_error},
          {"delivered", s.delivered},
          {"unacked", s.unacked},
          {"undelivered", s.undelivered},
          {"acks_in_window", s.acks_in_window},
          {"deliveries_in_window", s.deliveries_in_window},
          {"duplicate_acks", s.duplicate_acks},
          {"seq_gaps", s.seq_gaps},
          {"seq_regressions", s.seq_regressions},
          {"unexpected_frames", s.unexpected_frames},
          {"connections_lost", s.connections_lost},
          {"max_send_queue", s.max_send_queue},
          {"errors", std::move(errors)}};
}

json::array timeline_json(const std::vector<SecondSample>& timeline) {
  json::array out;
  for (const auto& s : timeline) {
    json::object second{{"t", round_to(s.at_seconds, 2)},
                        {"sent_per_s", round_to(s.sent_per_second, 0)},
                        {"acked_per_s", round_to(s.acked_per_second, 0)},
                        {"delivered_per_s", round_to(s.delivered_per_second, 0)}};
    for (auto& [key, value] : usage_json(s.usage)) second[key] = value;
    second.erase("server_rss_max_mib");
    out.push_back(std::move(second));
  }
  return out;
}

json::object step_json(const StepResult& step) {
  json::array warnings;
  for (const auto& w : step.warnings) warnings.push_back(json::string(w));
  json::object out{
      {"rate", step.plan.rate},
      {"measured_seconds", round_to(step.plan.measured_seconds(), 3)},
      {"offered_per_s", round_to(step.offered_per_second(), 1)},
      {"acked_per_s", round_to(step.acked_per_second(), 1)},
      {"delivered_per_s", round_to(step.delivered_per_second(), 1)},
      {"verdict", step.verdict},
      {"warnings", std::move(warnings)},
      {"latency", json::object{{"send_to_ack", latency_json(step.stats.ack_latency)},
                               {"send_to_delivery", latency_json(step.stats.delivery_latency)},
                               {"client_send_lag", latency_json(step.stats.send_lag)}}},
      {"counts", stats_json(step.stats)},
      {"resources", usage_json(step.usage)},
      {"timeline", timeline_json(step.timeline)},
  };
  if (step.store) out["server_metrics"] = store_json(*step.store);
  return out;
}

// Indented JSON, so results diff and read well.
void pretty_print(std::ostream& out, const json::value& v, int indent = 0) {
  const std::string pad(indent + 2, ' '), close_pad(indent, ' ');
  if (v.is_object()) {
    const auto& obj = v.get_object();
    if (obj.empty()) return void(out << "{}");
    out << "{\n";
    for (auto it = obj.begin(); it != obj.end(); ++it) {
      out << pad << json::serialize(json::string(it->key())) << ": ";
      pretty_print(out, it->value(), indent + 2);
      out << (std::next(it) == obj.end() ? "\n" : ",\n");
    }
    out << close_pad << "}";
  } else if (v.is_array()) {
    const auto& arr = v.get_array();
    if (arr.empty()) return void(out << "[]");
    out << "[\n";
    for (size_t i = 0; i < arr.size(); ++i) {
      out << pad;
      pretty_print(out, arr[i], indent + 2);
      out << (i + 1 == arr.size() ? "\n" : ",\n");
    }
    out << close_pad << "]";
  } else {
    out << json::serialize(v);
  }
}

std::expected<json::object, std::string> read_document(const std::string& path) {
  std::ifstream in(path);
  if (!in) return json::object{};
  std::stringstream text;
  text << in.rdbuf();
  boost::system::error_code ec;
  json::value doc = json::parse(text.str(), ec);
  if (ec || !doc.is_object()) return std::unexpected(path + " is not a results document; not appending to it");
  return doc.get_object();
}

std::expected<void, std::string> write_file(const std::string& path, const std::string& content) {
  std::ofstream out(path + ".tmp");
  out << content;
  out.close();
  if (!out) return std::unexpected("cannot write " + path + ".tmp");
  std::error_code ec;
  std::filesystem::rename(path + ".tmp", path, ec);
  if (ec) return std::unexpected("cannot rename to " + path + ": " + ec.message());
  return {};
}

// ---------------------------------------------------------------------------------------- Markdown

double number(const json::value* v) {
  if (!v) return 0;
  if (v->is_double()) return v->get_double();
  if (v->is_int64()) return static_cast<double>(v->get_int64());
  if (v->is_uint64()) return static_cast<double>(v->get_uint64());
  return 0;
}

double at(const json::object& o, std::initializer_list<const char*> path) {
  const json::object* current = &o;
  const json::value* v = nullptr;
  for (const char* key : path) {
    if (!current) return 0;
    v = current->if_contains(key);
    if (!v) return 0;
    current = v->if_object();
  }
  return number(v);
}

std::string fixed(double value, int decimals) {
  std::ostringstream out;
  out.setf(std::ios::fixed);
  out.precision(decimals);
  out << value;
  return out.str();
}

std::string latency_cell(const json::object& step, const char* which) {
  return fixed(at(step, {"latency", which, "p50_ms"}), 2) + " / " + fixed(at(step, {"latency", which, "p99_ms"}), 2) +
         " / " + fixed(at(step, {"latency", which, "p999_ms"}), 2);
}

std::string errors_cell(const json::object& step) {
  const auto* errors = step.at("counts").as_object().if_contains("errors");
  std::string cell;
  if (errors && errors->is_object()) {
    for (const auto& [code, n] : errors->get_object()) {
      cell += (cell.empty() ? "" : ", ") + std::string(code) + " " + fixed(number(&n), 0);
    }
  }
  return cell.empty() ? "0" : cell;
}

std::string store_cell(const json::object& step) {
  if (!step.contains("server_metrics")) return "n/a";
  return fixed(at(step, {"server_metrics", "mean_batch_size"}), 1) + " / " +
         fixed(at(step, {"server_metrics", "mean_commit_ms"}), 2) + " / " +
         fixed(at(step, {"server_metrics", "commit_p99_le_ms"}), 2);
}

bool server_sampled(const json::object& step) {
  return step.at("resources").as_object().contains("server_cpu_percent");
}

std::string server_cpu_cell(const json::object& step) {
  if (!server_sampled(step)) return "n/a";
  return fixed(at(step, {"resources", "server_cpu_percent"}), 0) + " (" +
         fixed(at(step, {"resources", "server_busiest_thread_cpu_percent"}), 0) + ")";
}

std::string server_rss_cell(const json::object& step) {
  return server_sampled(step) ? fixed(at(step, {"resources", "server_rss_max_mib"}), 0) : "n/a";
}

std::string checks_cell(const json::object& step) {
  const double acked = at(step, {"counts", "acked_ok"}), delivered = at(step, {"counts", "delivered"});
  std::string cell = fixed(delivered, 0) + "/" + fixed(acked, 0);
  const double gaps = at(step, {"counts", "seq_gaps"}) + at(step, {"counts", "seq_regressions"});
  const double unacked = at(step, {"counts", "unacked"});
  if (gaps > 0) cell += ", seq anomalies " + fixed(gaps, 0);
  if (unacked > 0) cell += ", unacked " + fixed(unacked, 0);
  return cell;
}

// One sentence per run: the peak throughput and the highest step that met the latency goal.
void render_run_summary(std::ostringstream& md, const json::array& steps) {
  double peak_acked = 0, peak_at = 0, fast_rate = 0, fast_p99 = 0;
  for (const auto& value : steps) {
    const auto& step = value.as_object();
    if (at(step, {"acked_per_s"}) > peak_acked) {
      peak_acked = at(step, {"acked_per_s"});
      peak_at = at(step, {"rate"});
    }
    const double p99 = at(step, {"latency", "send_to_delivery", "p99_ms"});
    if (step.at("verdict").as_string() == "ok" && p99 <= kGoalP99Ms && at(step, {"rate"}) > fast_rate) {
      fast_rate = at(step, {"rate"});
      fast_p99 = p99;
    }
  }
  md << "Peak: " << fixed(peak_acked, 0) << " acked msg/s (offered " << fixed(peak_at, 0) << "). ";
  if (fast_rate > 0) {
    md << "Highest step with send→delivery p99 ≤ " << fixed(kGoalP99Ms, 0) << " ms: " << fixed(fast_rate, 0)
       << " msg/s (p99 " << fixed(fast_p99, 2) << " ms). ";
  } else {
    md << "No step met send→delivery p99 ≤ " << fixed(kGoalP99Ms, 0) << " ms. ";
  }
  md << "Goal: ≥ " << fixed(kGoalRate, 0) << " durable msg/s, p99 ≤ " << fixed(kGoalP99Ms, 0) << " ms at "
     << fixed(kGoalRate / 2, 0) << " msg/s.\n\n";
}

void render_run(std::ostringstream& md, const json::object& run) {
  md << "## " << run.at("label").as_string().c_str() << "\n\n";
  if (auto* note = run.if_contains("note"); note && !note->as_string().empty()) {
    md << note->as_string().c_str() << "\n\n";
  }
  md << "Set-up (register + login of every user): " << fixed(number(run.if_contains("setup_seconds")), 1)
     << " s. Stopped: " << run.at("stop_reason").as_string().c_str() << ".\n\n";
  render_run_summary(md, run.at("steps").as_array());
  md << "| offered msg/s | acked msg/s | delivered msg/s | send→ack p50 / p99 / p99.9 ms "
        "| send→delivery p50 / p99 / p99.9 ms | errors | delivered/acked | server CPU % (busiest thread) "
        "| bench CPU % | other CPU % | server RSS MiB | batch size / commit mean ms / commit p99 ms | verdict |\n";
  md << "|---:|---:|---:|---|---|---|---|---:|---:|---:|---:|---|---|\n";
  for (const auto& value : run.at("steps").as_array()) {
    const auto& step = value.as_object();
    md << "| " << fixed(at(step, {"offered_per_s"}), 0) << " | " << fixed(at(step, {"acked_per_s"}), 0) << " | "
       << fixed(at(step, {"delivered_per_s"}), 0) << " | " << latency_cell(step, "send_to_ack") << " | "
       << latency_cell(step, "send_to_delivery") << " | " << errors_cell(step) << " | " << checks_cell(step)
       << " | " << server_cpu_cell(step) << " | " << fixed(at(step, {"resources", "bench_cpu_percent"}), 0) << " | "
       << fixed(at(step, {"resources", "other_cpu_percent"}), 0) << " | " << server_rss_cell(step) << " | "
       << store_cell(step) << " | " << step.at("verdict").as_string().c_str() << " |\n";
  }
  std::string warnings;
  for (const auto& value : run.at("steps").as_array()) {
    const auto& step = value.as_object();
    for (const auto& w : step.at("warnings").as_array()) {
      warnings += "- " + fixed(at(step, {"rate"}), 0) + " msg/s: " + std::string(w.as_string().c_str()) + "\n";
    }
  }
  if (!warnings.empty()) md << "\nWarnings:\n" << warnings;
  md << "\n";
}

}  // namespace

std::string utc_now_iso8601() {
  std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

std::string utc_stamp() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y%m%d-%H%M%S", &tm);
  return text;
}

StoreFigures store_figures_between(const MetricsSnapshot& before, const MetricsSnapshot& after) {
  StoreFigures s;
  s.batches = delta(before, after, "parley_store_batch_size_count");
  const double writes = delta(before, after, "parley_store_batch_size_sum");
  const double commit_seconds = delta(before, after, "parley_store_commit_seconds_sum");
  if (s.batches > 0) {
    s.mean_batch_size = writes / s.batches;
    s.mean_commit_ms = 1000.0 * commit_seconds / s.batches;
  }
  s.batch_size_p99 = bucket_quantile(bucket_deltas(before, after, "parley_store_batch_size"), 0.99);
  s.commit_p99_ms = 1000.0 * bucket_quantile(bucket_deltas(before, after, "parley_store_commit_seconds"), 0.99);
  s.messages_stored = delta(before, after, "parley_messages_stored_total");
  s.messages_delivered = delta(before, after, "parley_messages_delivered_total");
  s.slow_consumers_closed = delta(before, after, "parley_slow_consumers_closed_total");
  const std::string prefix = "parley_errors_total{code=\"";
  for (auto it = after.samples.lower_bound(prefix); it != after.samples.end() && it->first.starts_with(prefix);
       ++it) {
    const double n = it->second - before.value(it->first);
    if (n > 0) s.errors[it->first.substr(prefix.size(), it->first.size() - prefix.size() - 2)] = n;
  }
  return s;
}

json::object to_json(const RunReport& run) {
  json::array steps;
  for (const auto& step : run.steps) steps.push_back(step_json(step));
  return {{"label", run.label},
          {"note", run.note},
          {"started_at", run.started_at},
          {"finished_at", utc_now_iso8601()},
          {"config", run.config},
          {"setup_seconds", round_to(run.setup_seconds, 2)},
          {"stop_reason", run.stop_reason},
          {"steps", std::move(steps)}};
}

std::expected<void, std::string> write_report(const std::string& prefix, const RunReport& run, WriteMode mode) {
  const std::string json_path = prefix + ".json", md_path = prefix + ".md";
  json::object document;
  if (mode == WriteMode::kAppend) {
    auto existing = read_document(json_path);
    if (!existing) return std::unexpected(existing.error());
    document = std::move(*existing);
  }
  if (!document.contains("benchmark")) {
    document["benchmark"] = "direct";
    document["started_at"] = run.started_at;
  }
  if (!document.contains("runs") || !document["runs"].is_array()) document["runs"] = json::array{};
  document["runs"].as_array().push_back(to_json(run));

  std::ostringstream text;
  pretty_print(text, document);
  text << "\n";
  if (auto ok = write_file(json_path, text.str()); !ok) return ok;
  return write_file(md_path, render_markdown(document));
}

std::string render_markdown(const json::object& document) {
  std::ostringstream md;
  md << "# Parley benchmark: direct messages\n\n";
  if (auto* started = document.if_contains("started_at")) md << "Started " << started->as_string().c_str() << ". ";
  md << "Open-loop load: every step offers a fixed total rate spread evenly over the senders; latencies run from "
        "each message's scheduled send time (no coordinated omission). Rates count arrivals inside the "
        "measurement window; latencies and delivered/acked cover the messages scheduled inside it. "
        "CPU is in percent of one core (200 = both cores of a 2-core machine).\n\n";
  for (const auto& run : document.at("runs").as_array()) render_run(md, run.as_object());
  return md.str();
}

}  // namespace parley::bench

namespace parley::bench {
std::string pretty_json(const boost::json::value& v) {
  std::ostringstream out;
  pretty_print(out, v);
  out << "\n";
  return out.str();
}
}  // namespace parley::bench
