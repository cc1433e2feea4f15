// Benchmark results as data (StepResult, RunReport), their JSON form, and the Markdown summary rendered from
// that JSON. One results document (<prefix>.json) holds one or more runs, e.g. a durable run and a
// durable_sync=false comparison; <prefix>.md is always regenerated from the whole document.
#pragma once

#include <boost/json/object.hpp>

#include <expected>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "metrics_scraper.h"
#include "process_sampler.h"
#include "step_stats.h"

namespace parley::bench {

// What the server's own /metrics said about the measurement window (differences of two scrapes).
struct StoreFigures {
  double batches = 0;               // group commits
  double mean_batch_size = 0;       // writes per commit
  double batch_size_p99 = 0;        // upper bucket edge
  double mean_commit_ms = 0;        // time to run and commit one batch
  double commit_p99_ms = 0;         // upper bucket edge
  double messages_stored = 0;
  double messages_delivered = 0;    // events queued to online devices
  double slow_consumers_closed = 0;
  std::map<std::string, double> errors;  // by code, only non-zero
};

StoreFigures store_figures_between(const MetricsSnapshot& before, const MetricsSnapshot& after);

// Now, UTC, as 2026-01-31T12:00:00Z.
std::string utc_now_iso8601();
// Now, UTC, as 20260131-120000: the stamp in results file names.
std::string utc_stamp();

// One second of the measurement window.
struct SecondSample {
  double at_seconds = 0;  // since the window began
  double sent_per_second = 0;
  double acked_per_second = 0;
  double delivered_per_second = 0;
  ResourceUsage usage;
};

struct StepResult {
  StepPlan plan;
  StepStats stats;
  ResourceUsage usage;                // over the measurement window
  std::optional<StoreFigures> store;  // nullopt when /metrics could not be read
  std::vector<SecondSample> timeline;
  std::string verdict;                // "ok", or why stepping stopped here
  std::vector<std::string> warnings;  // sanity checks that failed, a client that fell behind, ...

  double offered_per_second() const { return stats.offered / plan.measured_seconds(); }
  double acked_per_second() const { return stats.acks_in_window / plan.measured_seconds(); }
  double delivered_per_second() const { return stats.deliveries_in_window / plan.measured_seconds(); }
};

struct RunReport {
  std::string label;          // e.g. "durable_sync=true"
  std::string note;           // free text from the caller: server flags, CPU pinning
  boost::json::object config; // the benchmark's own settings
  std::string started_at;     // UTC, ISO 8601
  double setup_seconds = 0;
  std::vector<StepResult> steps;
  std::string stop_reason;
};

boost::json::object to_json(const RunReport& run);

enum class WriteMode { kReplace, kAppend };

// Writes <prefix>.json (with kAppend: adds `run` to the runs already there) and then <prefix>.md.
std::expected<void, std::string> write_report(const std::string& prefix, const RunReport& run, WriteMode mode);

// `v` as indented JSON (one key per line), so result files diff and read well.
std::string pretty_json(const boost::json::value& v);

// The Markdown summary of a whole results document.
std::string render_markdown(const boost::json::object& document);

}  // namespace parley::bench
