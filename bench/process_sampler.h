// CPU and memory of the server under test, of the benchmark itself and of the whole machine, read from
// /proc. On a small shared machine the three together tell whether the server, the load generator or
// something else (a compiler next door) was using the cores during a step.
//
// Threading: a ResourceWindow belongs to one thread (the coordinator).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>

namespace parley::bench {

// One reading of a process: CPU time used so far (user + system), per thread too, and resident memory now.
struct ProcessSample {
  double cpu_seconds = 0;
  uint64_t rss_bytes = 0;
  int threads = 0;
  std::map<pid_t, double> thread_cpu_seconds;  // by thread id; filled only when asked for
};

enum class PerThread { kNo, kYes };

// nullopt when the process does not exist (or is a zombie) or /proc cannot be read.
std::optional<ProcessSample> sample_process(pid_t pid, PerThread per_thread = PerThread::kNo);

// All CPUs together: seconds busy and seconds in total since boot (from the first line of /proc/stat).
struct MachineSample {
  double busy_seconds = 0;
  double total_seconds = 0;
};
std::optional<MachineSample> sample_machine();

// CPU use in percent of one core (200 = two cores fully busy) and memory over an interval.
struct ResourceUsage {
  bool server_sampled = false;     // false without a server pid (or once the server is gone)
  double server_cpu_percent = 0;
  double server_busiest_thread_cpu_percent = 0;  // one thread near 100 % is a serial bottleneck
  double bench_cpu_percent = 0;
  double machine_cpu_percent = 0;  // everything that ran, on all cores
  double other_cpu_percent = 0;    // machine minus server minus bench: other processes, the kernel's share
  uint64_t server_rss_bytes = 0;   // at the end of the interval
  uint64_t server_rss_max_bytes = 0;
  int server_threads = 0;
};

// Usage between begin() and each later call: interval() since the previous call, total() since begin().
class ResourceWindow {
 public:
  explicit ResourceWindow(std::optional<pid_t> server_pid) : server_pid_(server_pid) {}

  void begin();
  ResourceUsage interval();
  ResourceUsage total() const;

 private:
  struct Reading {
    std::chrono::steady_clock::time_point at;
    std::optional<ProcessSample> server, bench;
    std::optional<MachineSample> machine;
  };

  Reading read() const;
  ResourceUsage usage_between(const Reading& from, const Reading& to) const;

  std::optional<pid_t> server_pid_;
  Reading first_, previous_, last_;
  uint64_t server_rss_max_ = 0;
};

}  // namespace parley::bench
