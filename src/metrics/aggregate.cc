#include "metrics/aggregate.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace serval::metrics {
namespace {

// Below this a value counts as zero: CloudWatch's smallest accepted magnitude is ~8.5e-109, but
// nothing Serval measures is that small, and the index range stays compact.
constexpr double kSmallest = 1e-9;
const double kLogGamma = std::log(LogHistogram::kGamma);

void PutVarint(uint64_t value, std::string* out) {
  while (value >= 0x80) {
    out->push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out->push_back(static_cast<char>(value));
}

bool GetVarint(std::string_view* in, uint64_t* value) {
  *value = 0;
  for (int shift = 0; shift < 64 && !in->empty(); shift += 7) {
    const auto byte = static_cast<uint8_t>(in->front());
    in->remove_prefix(1);
    *value |= uint64_t{byte & 0x7fu} << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return false;
}

// Zig-zag: small negative deltas stay small.
uint64_t ZigZag(int64_t value) {
  return (static_cast<uint64_t>(value) << 1) ^ static_cast<uint64_t>(value >> 63);
}
int64_t UnZigZag(uint64_t value) {
  return static_cast<int64_t>(value >> 1) ^ -static_cast<int64_t>(value & 1);
}

void PutDouble(double value, std::string* out) {
  char bytes[sizeof(double)];
  std::memcpy(bytes, &value, sizeof(double));
  out->append(bytes, sizeof(double));
}

bool GetDouble(std::string_view* in, double* value) {
  if (in->size() < sizeof(double)) return false;
  std::memcpy(value, in->data(), sizeof(double));
  in->remove_prefix(sizeof(double));
  return true;
}

}  // namespace

void LogHistogram::Add(double value, uint32_t count) {
  if (count == 0) return;
  AddToBucket(
      value < kSmallest ? kZeroIndex : static_cast<int32_t>(std::ceil(std::log(value) / kLogGamma)),
      count);
}

void LogHistogram::Merge(const LogHistogram& other) {
  for (const auto& [index, count] : other.buckets_) AddToBucket(index, count);
}

void LogHistogram::AddToBucket(int32_t index, uint32_t count) {
  auto it = std::lower_bound(buckets_.begin(), buckets_.end(), index,
                             [](const auto& bucket, int32_t i) { return bucket.first < i; });
  if (it != buckets_.end() && it->first == index) {
    it->second = static_cast<uint32_t>(
        std::min<uint64_t>(uint64_t{it->second} + count, std::numeric_limits<uint32_t>::max()));
  } else {
    buckets_.insert(it, {index, count});
  }
}

uint64_t LogHistogram::count() const {
  uint64_t total = 0;
  for (const auto& bucket : buckets_) total += bucket.second;
  return total;
}

std::optional<double> LogHistogram::Percentile(double percentile) const {
  const uint64_t total = count();
  if (total == 0) return std::nullopt;
  const auto rank = static_cast<uint64_t>(
      std::max(1.0, std::ceil(std::clamp(percentile, 0.0, 100.0) / 100.0 * total)));
  uint64_t seen = 0;
  for (const auto& [index, count] : buckets_) {
    seen += count;
    if (seen < rank) continue;
    if (index == kZeroIndex) return 0.0;
    // The bucket (gamma^(i-1), gamma^i] is represented by the value of least relative error.
    return 2 * std::pow(kGamma, index) / (kGamma + 1);
  }
  return std::nullopt;
}

void LogHistogram::EncodeTo(std::string* out) const {
  PutVarint(buckets_.size(), out);
  int64_t previous = 0;
  for (const auto& [index, count] : buckets_) {
    PutVarint(ZigZag(int64_t{index} - previous), out);
    PutVarint(count, out);
    previous = index;
  }
}

bool LogHistogram::DecodeFrom(std::string_view* in) {
  buckets_.clear();
  uint64_t size = 0;
  if (!GetVarint(in, &size) || size > in->size()) return false;
  buckets_.reserve(size);
  int64_t index = 0;
  for (uint64_t i = 0; i < size; ++i) {
    uint64_t delta = 0;
    uint64_t count = 0;
    if (!GetVarint(in, &delta) || !GetVarint(in, &count)) return false;
    index += UnZigZag(delta);
    if (index < std::numeric_limits<int32_t>::min() ||
        index > std::numeric_limits<int32_t>::max() ||
        count > std::numeric_limits<uint32_t>::max() ||
        (!buckets_.empty() && index <= buckets_.back().first)) {
      return false;
    }
    buckets_.emplace_back(static_cast<int32_t>(index), static_cast<uint32_t>(count));
  }
  return true;
}

void Aggregate::Add(double value, double count) {
  if (!(count > 0)) return;
  sample_count_ += count;
  sum_ += value * count;
  minimum_ = std::min(minimum_, value);
  maximum_ = std::max(maximum_, value);
  const double whole = std::round(count);
  if (value >= 0 && whole == count && whole <= std::numeric_limits<uint32_t>::max()) {
    histogram_.Add(value, static_cast<uint32_t>(whole));
  } else {
    unhistogrammed_ += count;
  }
}

void Aggregate::AddStatistics(double sample_count, double sum, double minimum, double maximum) {
  // A set of one value (or of equal values) is that value, whose percentiles are known.
  if (minimum == maximum) return Add(minimum, sample_count);
  if (!(sample_count > 0)) return;
  sample_count_ += sample_count;
  sum_ += sum;
  minimum_ = std::min(minimum_, minimum);
  maximum_ = std::max(maximum_, maximum);
  unhistogrammed_ += sample_count;
}

void Aggregate::Merge(const Aggregate& other) {
  if (other.empty()) return;
  sample_count_ += other.sample_count_;
  sum_ += other.sum_;
  minimum_ = std::min(minimum_, other.minimum_);
  maximum_ = std::max(maximum_, other.maximum_);
  unhistogrammed_ += other.unhistogrammed_;
  histogram_.Merge(other.histogram_);
}

void Aggregate::Clear() {
  sample_count_ = 0;
  sum_ = 0;
  minimum_ = std::numeric_limits<double>::infinity();
  maximum_ = -std::numeric_limits<double>::infinity();
  unhistogrammed_ = 0;
  histogram_.Clear();
}

std::optional<double> Aggregate::Percentile(double percentile) const {
  if (empty() || unhistogrammed_ > 0 || histogram_.empty()) return std::nullopt;
  // The ends are known exactly.
  if (percentile >= 100) return maximum_;
  if (percentile <= 0) return minimum_;
  std::optional<double> value = histogram_.Percentile(percentile);
  if (!value) return std::nullopt;
  return std::clamp(*value, minimum_, maximum_);
}

std::string Aggregate::Encode() const {
  std::string out;
  out.reserve(48);
  PutDouble(sample_count_, &out);
  PutDouble(sum_, &out);
  PutDouble(minimum_, &out);
  PutDouble(maximum_, &out);
  PutDouble(unhistogrammed_, &out);
  histogram_.EncodeTo(&out);
  return out;
}

std::optional<Aggregate> Aggregate::Decode(std::string_view bytes, bool with_histogram) {
  Aggregate aggregate;
  if (!GetDouble(&bytes, &aggregate.sample_count_) || !GetDouble(&bytes, &aggregate.sum_) ||
      !GetDouble(&bytes, &aggregate.minimum_) || !GetDouble(&bytes, &aggregate.maximum_) ||
      !GetDouble(&bytes, &aggregate.unhistogrammed_)) {
    return std::nullopt;
  }
  if (with_histogram && !aggregate.histogram_.DecodeFrom(&bytes)) return std::nullopt;
  return aggregate;
}

}  // namespace serval::metrics
