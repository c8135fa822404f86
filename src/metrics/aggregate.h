#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace serval::metrics {

// A compact log-scale histogram of non-negative values, for percentiles (DDSketch's scheme): a
// value v > 0 falls in bucket ceil(log(v) / log(kGamma)), so every value of a bucket is within
// ~1% of the bucket's representative value; zero (and values below 1e-9) has a bucket of its own.
// Buckets are kept sparse, sorted by index: a minute of one function's durations is a few dozen
// of them. Counts saturate at 2^32 - 1. Thread-compatible.
class LogHistogram {
 public:
  static constexpr double kGamma = 1.02;

  void Add(double value, uint32_t count = 1);
  void Merge(const LogHistogram& other);
  // Keeps the allocated capacity: a recorder reuses its histograms minute after minute.
  void Clear() { buckets_.clear(); }

  uint64_t count() const;
  bool empty() const { return buckets_.empty(); }
  // The value at `percentile` (0-100) by nearest rank, as a bucket's representative value; nullopt
  // when empty.
  std::optional<double> Percentile(double percentile) const;

  // Appends a compact encoding (varint bucket-index deltas and counts) to `out`; Decode reads
  // one back from the front of `in` and advances it, or returns false when it is malformed.
  void EncodeTo(std::string* out) const;
  bool DecodeFrom(std::string_view* in);

  bool operator==(const LogHistogram& other) const = default;

 private:
  // Bucket index -> count, sorted by index. Index kZeroIndex holds zero.
  static constexpr int32_t kZeroIndex = std::numeric_limits<int32_t>::min();
  void AddToBucket(int32_t index, uint32_t count);
  std::vector<std::pair<int32_t, uint32_t>> buckets_;
};

// What CloudWatch keeps of the values of one series in one period: SampleCount, Sum, Minimum,
// Maximum, and a histogram for percentiles. Percentiles exist only when every sample reached the
// histogram: negative values and statistic sets (PutMetricData's StatisticValues) with more
// than one distinct value do not, as on AWS. Thread-compatible.
class Aggregate {
 public:
  // One value, `count` times (PutMetricData's Values and Counts; a recorder's samples).
  void Add(double value, double count = 1);
  // A statistic set: only its figures are known, not its values.
  void AddStatistics(double sample_count, double sum, double minimum, double maximum);
  void Merge(const Aggregate& other);
  // Empties it, keeping the histogram's capacity.
  void Clear();

  bool empty() const { return sample_count_ == 0; }
  double sample_count() const { return sample_count_; }
  double sum() const { return sum_; }
  double minimum() const { return minimum_; }
  double maximum() const { return maximum_; }
  double average() const { return sample_count_ > 0 ? sum_ / sample_count_ : 0; }
  // The percentile (0-100) of the samples, clamped to [minimum, maximum]; nullopt when the
  // histogram does not hold every sample.
  std::optional<double> Percentile(double percentile) const;

  // The stored form: the four figures as doubles, then the histogram. With `with_histogram`
  // false, Decode skips the histogram (a query that asks for no percentile).
  std::string Encode() const;
  static std::optional<Aggregate> Decode(std::string_view bytes, bool with_histogram = true);

  bool operator==(const Aggregate& other) const = default;

 private:
  double sample_count_ = 0;
  double sum_ = 0;
  double minimum_ = std::numeric_limits<double>::infinity();
  double maximum_ = -std::numeric_limits<double>::infinity();
  // Samples that could not be put in the histogram (negative values, statistic sets).
  double unhistogrammed_ = 0;
  LogHistogram histogram_;
};

}  // namespace serval::metrics
