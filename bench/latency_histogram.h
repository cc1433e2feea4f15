// A small HDR-style latency histogram for the load generator: values (nanoseconds) fall into log-spaced
// buckets, each power of two split into 2^kSubBucketBits linear sub-buckets, so every recorded value is
// known to within 1/128 (< 0.8 %) of itself whatever its magnitude, in constant memory and O(1) per record.
//
// Percentiles report the upper edge of the bucket they fall in (never optimistic). Count, sum, min and max
// are exact. Not thread-safe: each thread records into its own histogram and they are merged afterwards.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <limits>

namespace parley::bench {

class LatencyHistogram {
 public:
  static constexpr int kSubBucketBits = 7;
  static constexpr uint64_t kSubBuckets = uint64_t{1} << kSubBucketBits;
  // Bucket groups: group 0 holds [0, 2^7) exactly; group g >= 1 holds [2^(g+6), 2^(g+7)) in 128 steps.
  static constexpr int kGroups = 64 - kSubBucketBits + 1;

  void record(uint64_t value) {
    ++counts_[index_of(value)];
    ++count_;
    sum_ += value;
    min_ = std::min(min_, value);
    max_ = std::max(max_, value);
  }

  void merge(const LatencyHistogram& other) {
    for (size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
    count_ += other.count_;
    sum_ += other.sum_;
    min_ = std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
  }

  uint64_t count() const { return count_; }
  uint64_t min() const { return count_ == 0 ? 0 : min_; }
  uint64_t max() const { return max_; }
  double mean() const { return count_ == 0 ? 0.0 : static_cast<double>(sum_) / static_cast<double>(count_); }

  // The smallest bucket edge at or below which at least `quantile` (0..1) of the values lie; 0 when empty.
  uint64_t percentile(double quantile) const {
    if (count_ == 0) return 0;
    const double wanted = std::clamp(quantile, 0.0, 1.0) * static_cast<double>(count_);
    const uint64_t rank = std::max<uint64_t>(1, static_cast<uint64_t>(wanted + 0.999999));
    uint64_t seen = 0;
    for (size_t i = 0; i < counts_.size(); ++i) {
      seen += counts_[i];
      if (seen >= rank) return std::min(upper_edge_of(i), max_);
    }
    return max_;
  }

 private:
  static size_t index_of(uint64_t value) {
    if (value < kSubBuckets) return static_cast<size_t>(value);
    const int shift = std::bit_width(value) - 1 - kSubBucketBits;  // >= 0
    const uint64_t sub = (value >> shift) - kSubBuckets;            // 0 .. kSubBuckets-1
    return static_cast<size_t>((static_cast<uint64_t>(shift) + 1) * kSubBuckets + sub);
  }

  static uint64_t upper_edge_of(size_t index) {
    const uint64_t group = index / kSubBuckets, sub = index % kSubBuckets;
    if (group == 0) return sub;
    const uint64_t shift = group - 1;
    const uint64_t lower = (kSubBuckets + sub) << shift;
    return lower + ((uint64_t{1} << shift) - 1);
  }

  std::array<uint64_t, kGroups * kSubBuckets> counts_{};
  uint64_t count_ = 0;
  uint64_t sum_ = 0;
  uint64_t min_ = std::numeric_limits<uint64_t>::max();
  uint64_t max_ = 0;
};

}  // namespace parley::bench
