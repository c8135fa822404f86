#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/clock.h"
#include "common/worker.h"
#include "metrics/aggregate.h"
#include "metrics/series.h"
#include "storage/sqlite_db.h"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace serval::metrics {

using SeriesId = uint32_t;

// Which series ListMetrics shows: those of a namespace and metric name (when given) that have
// every dimension named (with the value, when one is given) and data at or after
// `active_since` (epoch seconds).
struct SeriesFilter {
  std::optional<std::string> name_space;
  std::optional<std::string> metric_name;
  std::vector<std::pair<std::string, std::optional<std::string>>> dimensions;
  int64_t active_since = 0;
};

// One series' datapoints over [start, end) in periods of `period` seconds (all three multiples
// of 60, start < end).
struct SeriesQuery {
  SeriesId series = 0;
  int64_t start = 0;
  int64_t end = 0;
  int64_t period = 60;
  bool percentiles = false;  // read the histograms too
};

// Serval's time-series store (docs/formats.md, "Metrics"): 1-minute buckets of every series,
// with hourly and daily roll-ups kept beside them so that a query over days reads a few rows
// per series. Values arrive on the io thread into a pending map (a hash lookup and a merge);
// about once a minute, at Drain and at exit, what is pending goes to the store's worker, which
// merges it into the database in one transaction. Queries run on the same worker (so a query
// sees every flush handed over before it) and are completed on the io thread with what was
// still pending when they were asked. The series directory (keys, last data time) is in memory.
// Runs only on the io thread, apart from its worker, which owns the database.
class MetricStore {
 public:
  struct Options {
    std::filesystem::path dir;  // holds metrics.db
    int retention_days = 30;
    const Clock* clock = nullptr;  // stamps data; decides retention
    boost::asio::io_context* io = nullptr;
    std::function<void(std::function<void()>)> post_to_io;
  };
  struct Stats {
    size_t series = 0;
    size_t pending = 0;  // (series, minute) buckets not yet handed to the worker
    uint64_t flushes = 0;
    uint64_t flush_failures = 0;
    uint64_t queries = 0;
  };
  using QueryDone = std::function<void(absl::StatusOr<std::vector<std::vector<Datapoint>>>)>;

  static absl::StatusOr<std::unique_ptr<MetricStore>> Open(Options options);
  ~MetricStore();
  MetricStore(const MetricStore&) = delete;
  MetricStore& operator=(const MetricStore&) = delete;

  // Runs before every flush, query and listing: a recorder that accumulates figures of its own
  // moves them into the store here.
  void SetCollector(std::function<void()> collector) { collector_ = std::move(collector); }
  // Arms the flush timer (each minute) and the retention sweep (at once, then hourly).
  void Start();
  // Flushes what is pending and stops the timer; `done` runs once it is on disk.
  void Drain(std::function<void()> done);
  // Flushes from a thread that is not the io thread, once the io thread has stopped: Serval's
  // last act, so that only a kill -9 loses figures.
  absl::Status FlushAndWait();

  // The series of `key` (Normalize()d), created if new.
  SeriesId Intern(const SeriesKey& key);
  // Adds `aggregate` to the series' minute holding `timestamp` (epoch seconds).
  void Add(SeriesId series, int64_t timestamp, const Aggregate& aggregate);

  const SeriesKey& Key(SeriesId series) const { return series_[series].key; }
  // False once retention forgot the series: Intern its key again.
  bool Live(SeriesId series) const { return series_[series].live; }
  // Series matching `filter` in key order, from the one after `after` (a SeriesKey::Encode(),
  // empty: from the first), at most `limit`; `more` says whether any matched beyond them.
  std::vector<SeriesId> List(const SeriesFilter& filter, const std::string& after, size_t limit,
                             bool* more);
  // The series with exactly these namespace, name and (sorted) dimensions: one per unit, or
  // only `unit`'s.
  std::vector<SeriesId> Matching(const SeriesKey& key_without_unit,
                                 const std::optional<std::string>& unit);
  // The datapoints of each query (periods without data left out, in time order); `done` runs
  // on the io thread.
  void Query(std::vector<SeriesQuery> queries, QueryDone done);

  Stats stats() const;

 private:
  struct Entry {
    SeriesKey key;
    std::string encoded;
    int64_t last = 0;  // start of the last minute with data (epoch seconds)
    bool live = true;  // false once retention removed it
  };
  struct Batch;
  struct Timer;

  MetricStore(Options options, std::unique_ptr<storage::SqliteDb> db);
  absl::Status Load();
  void Collect();
  // Hands what is pending to the worker; `done` (on the io thread) gets the commit's status.
  void Flush(std::function<void(absl::Status)> done);
  std::unique_ptr<Batch> TakePending();
  void ArmTimer();
  void OnTick();
  // Forgets series without data since the retention cutoff and has the worker delete them and
  // every bucket older than it.
  void SweepRetention();
  // Worker: writes `batch` in one transaction.
  absl::Status WriteBatch(const Batch& batch);
  // Worker: reads the stored buckets of `query`, grouped by period.
  absl::Status ReadQuery(const SeriesQuery& query, std::vector<Datapoint>* out);

  Options options_;
  std::function<void()> collector_;
  std::vector<Entry> series_;                      // by SeriesId
  absl::btree_map<std::string, SeriesId> by_key_;  // Entry::encoded -> id, live only
  std::vector<SeriesId> unsaved_;                  // created since the last flush
  absl::flat_hash_map<std::pair<SeriesId, int64_t>, Aggregate> pending_;  // by (series, minute)
  Stats stats_;
  std::unique_ptr<Timer> timer_;
  int ticks_ = 0;
  // Used only on worker_ once Open returns.
  std::unique_ptr<storage::SqliteDb> db_;
  Worker worker_{"metrics"};  // last: joined before what its jobs use goes
};

}  // namespace serval::metrics
