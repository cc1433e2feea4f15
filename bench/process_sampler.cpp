// /proc parsing for ResourceWindow: /proc/<pid>/stat (CPU ticks, threads), /proc/<pid>/status (VmRSS) and
// /proc/stat (machine-wide CPU ticks).
#include "process_sampler.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace parley::bench {
namespace {

double clock_ticks_per_second() {
  static const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  return ticks;
}

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// The fields of /proc/<pid>/stat after "(comm)", which may itself contain spaces and parentheses.
std::optional<std::vector<std::string>> stat_fields_after_comm(pid_t pid) {
  auto text = read_file("/proc/" + std::to_string(pid) + "/stat");
  if (!text) return std::nullopt;
  size_t close = text->rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream rest(text->substr(close + 1));
  std::vector<std::string> fields;
  for (std::string field; rest >> field;) fields.push_back(field);
  return fields;
}

std::optional<uint64_t> rss_bytes_of(pid_t pid) {
  auto status = read_file("/proc/" + std::to_string(pid) + "/status");
  if (!status) return std::nullopt;
  size_t at = status->find("VmRSS:");
  if (at == std::string::npos) return std::nullopt;
  std::istringstream line(status->substr(at + 6));
  uint64_t kilobytes = 0;
  line >> kilobytes;
  return kilobytes * 1024;
}

// utime + stime of one thread, from /proc/<pid>/task/<tid>/stat.
std::optional<double> thread_cpu_seconds(pid_t pid, pid_t tid) {
  auto text = read_file("/proc/" + std::to_string(pid) + "/task/" + std::to_string(tid) + "/stat");
  if (!text) return std::nullopt;
  size_t close = text->rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream rest(text->substr(close + 1));
  std::string field;
  double utime = 0, stime = 0;
  for (int i = 0; i < 13 && rest >> field; ++i) {
    if (i == 11) utime = std::stod(field);
    if (i == 12) stime = std::stod(field);
  }
  return (utime + stime) / clock_ticks_per_second();
}

std::map<pid_t, double> threads_cpu_seconds(pid_t pid) {
  std::map<pid_t, double> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec)) {
    const pid_t tid = static_cast<pid_t>(std::atoi(entry.path().filename().c_str()));
    if (auto seconds = thread_cpu_seconds(pid, tid)) out[tid] = *seconds;
  }
  return out;
}

double percent(double seconds, double wall_seconds) { return wall_seconds > 0 ? 100.0 * seconds / wall_seconds : 0; }

}  // namespace

std::optional<ProcessSample> sample_process(pid_t pid, PerThread per_thread) {
  auto fields = stat_fields_after_comm(pid);
  // After the comm: [0] state, [11] utime, [12] stime, [17] num_threads (fields 3, 14, 15 and 20 of proc(5)).
  if (!fields || fields->size() < 18 || (*fields)[0] == "Z" || (*fields)[0] == "X") return std::nullopt;
  ProcessSample sample;
  sample.cpu_seconds = (std::stod((*fields)[11]) + std::stod((*fields)[12])) / clock_ticks_per_second();
  sample.threads = std::stoi((*fields)[17]);
  sample.rss_bytes = rss_bytes_of(pid).value_or(0);
  if (per_thread == PerThread::kYes) sample.thread_cpu_seconds = threads_cpu_seconds(pid);
  return sample;
}

std::optional<MachineSample> sample_machine() {
  auto text = read_file("/proc/stat");
  if (!text || !text->starts_with("cpu ")) return std::nullopt;
  std::istringstream line(text->substr(4, text->find('\n') - 4));
  // user nice system idle iowait irq softirq steal (guest time is already counted in user).
  std::vector<double> ticks;
  for (double t; ticks.size() < 8 && line >> t;) ticks.push_back(t);
  if (ticks.size() < 5) return std::nullopt;
  double total = 0;
  for (double t : ticks) total += t;
  const double idle = ticks[3] + ticks[4];
  return MachineSample{(total - idle) / clock_ticks_per_second(), total / clock_ticks_per_second()};
}

ResourceWindow::Reading ResourceWindow::read() const {
  Reading r;
  r.at = std::chrono::steady_clock::now();
  if (server_pid_) r.server = sample_process(*server_pid_, PerThread::kYes);
  r.bench = sample_process(getpid());
  r.machine = sample_machine();
  return r;
}

void ResourceWindow::begin() {
  first_ = previous_ = last_ = read();
  server_rss_max_ = first_.server ? first_.server->rss_bytes : 0;
}

ResourceUsage ResourceWindow::interval() {
  previous_ = last_;
  last_ = read();
  if (last_.server) server_rss_max_ = std::max(server_rss_max_, last_.server->rss_bytes);
  return usage_between(previous_, last_);
}

ResourceUsage ResourceWindow::total() const { return usage_between(first_, last_); }

ResourceUsage ResourceWindow::usage_between(const Reading& from, const Reading& to) const {
  ResourceUsage u;
  const double wall = std::chrono::duration<double>(to.at - from.at).count();
  if (from.server && to.server) {
    u.server_sampled = true;
    u.server_cpu_percent = percent(to.server->cpu_seconds - from.server->cpu_seconds, wall);
    u.server_rss_bytes = to.server->rss_bytes;
    u.server_threads = to.server->threads;
    for (const auto& [tid, seconds] : to.server->thread_cpu_seconds) {
      auto before = from.server->thread_cpu_seconds.find(tid);
      const double used = seconds - (before == from.server->thread_cpu_seconds.end() ? 0.0 : before->second);
      u.server_busiest_thread_cpu_percent = std::max(u.server_busiest_thread_cpu_percent, percent(used, wall));
    }
  }
  u.server_rss_max_bytes = server_rss_max_;
  if (from.bench && to.bench) u.bench_cpu_percent = percent(to.bench->cpu_seconds - from.bench->cpu_seconds, wall);
  if (from.machine && to.machine) {
    // /proc/stat counts every CPU; scale its share of elapsed CPU time to "percent of one core".
    const double busy = to.machine->busy_seconds - from.machine->busy_seconds;
    const double total = to.machine->total_seconds - from.machine->total_seconds;
    const double cores = static_cast<double>(std::max(1L, sysconf(_SC_NPROCESSORS_ONLN)));
    u.machine_cpu_percent = total > 0 ? 100.0 * cores * busy / total : 0;
    u.other_cpu_percent = std::max(0.0, u.machine_cpu_percent - u.server_cpu_percent - u.bench_cpu_percent);
  }
  return u;
}

}  // namespace parley::bench
