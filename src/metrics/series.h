#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "metrics/aggregate.h"

namespace serval::metrics {

struct Dimension {
  std::string name;
  std::string value;

  bool operator==(const Dimension& other) const = default;
  auto operator<=>(const Dimension& other) const = default;
};

// What names one time series: CloudWatch's metric (namespace, name, dimensions) plus the unit
// its data was stored with (a metric put with two units is two series, and a query with a Unit
// reads only its own). Dimensions are sorted by name, each name once. Thread-compatible value.
struct SeriesKey {
  std::string name_space;
  std::string metric_name;
  std::vector<Dimension> dimensions;  // sorted by name
  std::string unit = "None";

  // Sorts the dimensions; the key must then have no name twice.
  void Normalize();
  // A byte string that orders as (namespace, metric name, dimensions, unit) and identifies the
  // key: its stored form and ListMetrics' order.
  std::string Encode() const;
  // The encoding up to the unit: every unit's key of the metric starts with it, and only those.
  std::string EncodeWithoutUnit() const;
  // What the encoding of every key of a namespace starts with.
  static std::string NamespacePrefix(std::string_view name_space);
  static std::optional<SeriesKey> Decode(std::string_view bytes);

  bool operator==(const SeriesKey& other) const = default;
  template <typename H>
  friend H AbslHashValue(H state, const SeriesKey& key) {
    state = H::combine(std::move(state), key.name_space, key.metric_name, key.unit,
                       key.dimensions.size());
    for (const Dimension& dimension : key.dimensions) {
      state = H::combine(std::move(state), dimension.name, dimension.value);
    }
    return state;
  }
};

// One period of a query's answer: its start (epoch seconds) and what fell in it.
struct Datapoint {
  int64_t timestamp = 0;
  Aggregate aggregate;
};

}  // namespace serval::metrics
