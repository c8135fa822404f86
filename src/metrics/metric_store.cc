// Metric store design.
//
// Why SQLite, not append-only files: a query names one series and a time range, so the natural
// read is one indexed range scan per series; late data (PutMetricData may stamp values up to two
// weeks back) must merge into a bucket already written; and retention deletes by time. A B-tree
// keyed by (series, tier, start) does all three, and SQLite gives it with a transaction and one
// fsync per flush. Files would need an index and a compactor of their own to do the same.
//
// Tiers: every flushed minute is merged into its minute row (tier 0) and into the hour (1) and
// day (2) rows that hold it, so a 30-day query with a period of an hour or a day reads 720 or 30
// rows per series instead of 43,200. A query uses the coarsest tier that divides its period,
// start and end. Rows are read-merged-written (each row is a whole Aggregate: figures and
// histogram), so data for a minute that is already stored simply adds to it.
//
// Flushing: the io thread keeps pending (series, minute) aggregates in a hash map and hands
// them to the worker once a minute, at Drain and at exit (FlushAndWait). A kill -9 loses what is
// pending: at most the figures of the last minute or so. Queries run on the same worker, after
// every flush handed over before them, and add what was pending when they were asked.
//
// Retention: hourly, series without data since the cutoff are forgotten (in memory first, so
// nothing new is added to them; a series seen again gets a new id) and the worker deletes them
// and every bucket that starts before the cutoff (an index on start serves the range delete).

#include "metrics/metric_store.h"

#include <fmt/format.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <map>

#include "absl/synchronization/notification.h"

namespace serval::metrics {
namespace {

constexpr int64_t kTierSeconds[] = {60, 3600, 86400};
constexpr int kTiers = 3;
constexpr auto kFlushInterval = std::chrono::seconds(60);
constexpr int kTicksPerSweep = 60;

constexpr char kSchema[] =
    "CREATE TABLE IF NOT EXISTS series (id BLOB PRIMARY KEY, key BLOB NOT NULL,"
    " last BLOB NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS buckets (key BLOB PRIMARY KEY, start BLOB NOT NULL,"
    " value BLOB NOT NULL) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS buckets_by_start ON buckets(start);";

// Big-endian, so that SQLite's memcmp orders keys by number. Times are stored offset by 2^63 so
// that negative ones (before 1970) order too.
void PutBigEndian(uint64_t value, int bytes, std::string* out) {
  for (int i = bytes - 1; i >= 0; --i) out->push_back(static_cast<char>(value >> (8 * i)));
}
uint64_t GetBigEndian(std::string_view bytes) {
  uint64_t value = 0;
  for (char c : bytes) value = (value << 8) | static_cast<uint8_t>(c);
  return value;
}
std::string Time(int64_t seconds) {
  std::string out;
  PutBigEndian(static_cast<uint64_t>(seconds) ^ (uint64_t{1} << 63), 8, &out);
  return out;
}
int64_t TimeOf(std::string_view bytes) {
  return static_cast<int64_t>(GetBigEndian(bytes) ^ (uint64_t{1} << 63));
}
std::string Id(SeriesId series) {
  std::string out;
  PutBigEndian(series, 4, &out);
  return out;
}
std::string BucketKey(SeriesId series, int tier, int64_t start) {
  std::string key = Id(series);
  key.push_back(static_cast<char>(tier));
  key += Time(start);
  return key;
}

int64_t FloorTo(int64_t seconds, int64_t unit) {
  const int64_t remainder = seconds % unit;
  return remainder < 0 ? seconds - remainder - unit : seconds - remainder;
}

// The coarsest tier whose buckets tile every period of `query` exactly.
int TierFor(const SeriesQuery& query) {
  for (int tier = kTiers - 1; tier > 0; --tier) {
    const int64_t size = kTierSeconds[tier];
    if (query.period % size == 0 && query.start % size == 0 && query.end % size == 0) return tier;
  }
  return 0;
}

// Adds `aggregate`, stamped `timestamp`, to the datapoint of its period when it falls in
// [start, end).
void AddToPeriod(const SeriesQuery& query, int64_t timestamp, const Aggregate& aggregate,
                 std::map<int64_t, Aggregate>* periods) {
  if (timestamp < query.start || timestamp >= query.end) return;
  const int64_t period_start =
      query.start + (timestamp - query.start) / query.period * query.period;
  (*periods)[period_start].Merge(aggregate);
}

std::vector<Datapoint> ToDatapoints(std::map<int64_t, Aggregate> periods) {
  std::vector<Datapoint> datapoints;
  datapoints.reserve(periods.size());
  for (auto& [start, aggregate] : periods) {
    datapoints.push_back({.timestamp = start, .aggregate = std::move(aggregate)});
  }
  return datapoints;
}

}  // namespace

struct MetricStore::Batch {
  std::vector<std::pair<SeriesId, std::string>> new_series;  // id, encoded key
  absl::flat_hash_map<SeriesId, int64_t> last;               // series -> last minute
  std::vector<std::pair<std::pair<SeriesId, int64_t>, Aggregate>> minutes;
};

struct MetricStore::Timer {
  explicit Timer(boost::asio::io_context& io) : timer(io) {}
  boost::asio::steady_timer timer;
  bool stopped = false;
};

absl::StatusOr<std::unique_ptr<MetricStore>> MetricStore::Open(Options options) {
  std::error_code error;
  std::filesystem::create_directories(options.dir, error);
  if (error) {
    return absl::InternalError(
        fmt::format("cannot create {}: {}", options.dir.string(), error.message()));
  }
  auto db = storage::SqliteDb::Open((options.dir / "metrics.db").string(),
                                    storage::SqliteDb::Binding::kBlob);
  if (!db.ok()) return db.status();
  if (absl::Status status = (*db)->ExecScript(kSchema); !status.ok()) return status;
  std::unique_ptr<MetricStore> store(new MetricStore(std::move(options), *std::move(db)));
  if (absl::Status status = store->Load(); !status.ok()) return status;
  return store;
}

MetricStore::MetricStore(Options options, std::unique_ptr<storage::SqliteDb> db)
    : options_(std::move(options)), db_(std::move(db)) {
  if (options_.io) timer_ = std::make_unique<Timer>(*options_.io);
}

MetricStore::~MetricStore() = default;

absl::Status MetricStore::Load() {
  absl::Status decode_error;
  absl::Status status =
      db_->Run("SELECT id, key, last FROM series", {}, [&](const storage::SqliteDb::Row& row) {
        const SeriesId id = static_cast<SeriesId>(GetBigEndian(row[0]));
        std::optional<SeriesKey> key = SeriesKey::Decode(row[1]);
        if (!key) {
          decode_error = absl::DataLossError("metrics: an unreadable series key");
          return;
        }
        if (series_.size() <= id) series_.resize(id + 1, Entry{.live = false});
        series_[id] = {.key = *std::move(key), .encoded = row[1], .last = TimeOf(row[2])};
        by_key_[row[1]] = id;
      });
  return status.ok() ? decode_error : status;
}

void MetricStore::Start() {
  if (!timer_) return;
  SweepRetention();
  ArmTimer();
}

void MetricStore::ArmTimer() {
  // Just after the next minute of real time begins, so that a flush holds whole minutes.
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  const auto into_minute = now % kFlushInterval;
  timer_->timer.expires_after(kFlushInterval - into_minute + std::chrono::seconds(1));
  timer_->timer.async_wait([this](boost::system::error_code error) {
    if (error || timer_->stopped) return;
    OnTick();
    ArmTimer();
  });
}

void MetricStore::OnTick() {
  Flush([](const absl::Status&) {});
  if (++ticks_ % kTicksPerSweep == 0) SweepRetention();
}

void MetricStore::Drain(std::function<void()> done) {
  if (timer_) {
    timer_->stopped = true;
    timer_->timer.cancel();
  }
  Flush([done = std::move(done)](const absl::Status&) { done(); });
}

void MetricStore::Collect() {
  if (collector_) collector_();
}

SeriesId MetricStore::Intern(const SeriesKey& key) {
  std::string encoded = key.Encode();
  if (auto found = by_key_.find(encoded); found != by_key_.end()) return found->second;
  const auto id = static_cast<SeriesId>(series_.size());
  by_key_.emplace(encoded, id);
  series_.push_back({.key = key, .encoded = std::move(encoded)});
  unsaved_.push_back(id);
  return id;
}

void MetricStore::Add(SeriesId series, int64_t timestamp, const Aggregate& aggregate) {
  if (aggregate.empty()) return;
  const int64_t minute = FloorTo(timestamp, 60);
  pending_[{series, minute}].Merge(aggregate);
  Entry& entry = series_[series];
  entry.last = std::max(entry.last, minute);
}

std::vector<SeriesId> MetricStore::List(const SeriesFilter& filter, const std::string& after,
                                        size_t limit, bool* more) {
  Collect();
  *more = false;
  std::vector<SeriesId> found;
  const std::string prefix =
      filter.name_space ? SeriesKey::NamespacePrefix(*filter.name_space) : std::string();
  auto it = after.empty() ? by_key_.lower_bound(prefix) : by_key_.upper_bound(after);
  for (; it != by_key_.end() && it->first.starts_with(prefix); ++it) {
    const Entry& entry = series_[it->second];
    if (filter.metric_name && entry.key.metric_name != *filter.metric_name) continue;
    if (entry.last < filter.active_since) continue;
    bool matches = true;
    for (const auto& wanted : filter.dimensions) {
      auto dimension =
          std::find_if(entry.key.dimensions.begin(), entry.key.dimensions.end(),
                       [&wanted](const Dimension& d) { return d.name == wanted.first; });
      if (dimension == entry.key.dimensions.end() ||
          (wanted.second && dimension->value != *wanted.second)) {
        matches = false;
        break;
      }
    }
    if (!matches) continue;
    if (found.size() == limit) {
      *more = true;
      break;
    }
    found.push_back(it->second);
  }
  return found;
}

std::vector<SeriesId> MetricStore::Matching(const SeriesKey& key_without_unit,
                                            const std::optional<std::string>& unit) {
  Collect();
  std::vector<SeriesId> found;
  if (unit) {
    SeriesKey key = key_without_unit;
    key.unit = *unit;
    if (auto it = by_key_.find(key.Encode()); it != by_key_.end()) found.push_back(it->second);
    return found;
  }
  const std::string prefix = key_without_unit.EncodeWithoutUnit();
  for (auto it = by_key_.lower_bound(prefix); it != by_key_.end() && it->first.starts_with(prefix);
       ++it) {
    found.push_back(it->second);
  }
  return found;
}

std::unique_ptr<MetricStore::Batch> MetricStore::TakePending() {
  Collect();
  auto batch = std::make_unique<Batch>();
  for (SeriesId id : unsaved_) {
    if (series_[id].live) batch->new_series.emplace_back(id, series_[id].encoded);
  }
  unsaved_.clear();
  batch->minutes.reserve(pending_.size());
  for (auto& [where, aggregate] : pending_) {
    batch->last[where.first] = series_[where.first].last;
    batch->minutes.emplace_back(where, std::move(aggregate));
  }
  pending_.clear();
  return batch;
}

void MetricStore::Flush(std::function<void(absl::Status)> done) {
  std::shared_ptr<Batch> batch = TakePending();
  worker_.Post([this, batch, done = std::move(done)]() mutable {
    absl::Status status = WriteBatch(*batch);
    options_.post_to_io([this, status, done = std::move(done)] {
      ++stats_.flushes;
      if (!status.ok()) {
        ++stats_.flush_failures;
        fmt::print(stderr, "serval: metrics: a flush failed, its figures are lost: {}\n",
                   status.ToString());
      }
      done(status);
    });
  });
}

absl::Status MetricStore::FlushAndWait() {
  std::shared_ptr<Batch> batch = TakePending();
  absl::Status status;
  absl::Notification written;
  worker_.Post([this, batch, &status, &written] {
    status = WriteBatch(*batch);
    written.Notify();
  });
  written.WaitForNotification();
  return status;
}

absl::Status MetricStore::WriteBatch(const Batch& batch) {
  if (batch.new_series.empty() && batch.minutes.empty()) return absl::OkStatus();
  // Every tier's row of each minute, folded first: a batch holding many minutes of one hour
  // reads and writes that hour's row once.
  absl::flat_hash_map<std::string, Aggregate> rows;
  for (const auto& [where, aggregate] : batch.minutes) {
    for (int tier = 0; tier < kTiers; ++tier) {
      rows[BucketKey(where.first, tier, FloorTo(where.second, kTierSeconds[tier]))].Merge(
          aggregate);
    }
  }
  absl::Status status = db_->Run("BEGIN");
  for (const auto& [id, encoded] : batch.new_series) {
    if (!status.ok()) break;
    status = db_->Run("INSERT OR REPLACE INTO series(id, key, last) VALUES(?1, ?2, ?3)",
                      {Id(id), encoded, Time(0)});
  }
  for (const auto& [id, last] : batch.last) {
    if (!status.ok()) break;
    status = db_->Run("UPDATE series SET last = ?2 WHERE id = ?1", {Id(id), Time(last)});
  }
  for (auto& row : rows) {
    if (!status.ok()) break;
    Aggregate& aggregate = row.second;
    status = db_->Run("SELECT value FROM buckets WHERE key = ?1", {row.first},
                      [&aggregate](const storage::SqliteDb::Row& stored_row) {
                        // A row that cannot be read is replaced by what is new.
                        if (std::optional<Aggregate> stored = Aggregate::Decode(stored_row[0])) {
                          aggregate.Merge(*stored);
                        }
                      });
    if (status.ok()) {
      status = db_->Run("INSERT OR REPLACE INTO buckets(key, start, value) VALUES(?1, ?2, ?3)",
                        {row.first, row.first.substr(5), aggregate.Encode()});
    }
  }
  if (!status.ok()) {
    (void)db_->Run("ROLLBACK");
    return status;
  }
  return db_->Run("COMMIT");
}

absl::Status MetricStore::ReadQuery(const SeriesQuery& query, std::vector<Datapoint>* out) {
  const int tier = TierFor(query);
  std::map<int64_t, Aggregate> periods;
  absl::Status decode_error;
  absl::Status status = db_->Run(
      "SELECT key, value FROM buckets WHERE key >= ?1 AND key < ?2",
      {BucketKey(query.series, tier, FloorTo(query.start, kTierSeconds[tier])),
       BucketKey(query.series, tier, query.end)},
      [&](const storage::SqliteDb::Row& row) {
        std::optional<Aggregate> aggregate = Aggregate::Decode(row[1], query.percentiles);
        if (!aggregate) {
          decode_error = absl::DataLossError("metrics: an unreadable bucket");
          return;
        }
        AddToPeriod(query, TimeOf(std::string_view(row[0]).substr(5)), *aggregate, &periods);
      });
  if (!status.ok()) return status;
  if (!decode_error.ok()) return decode_error;
  *out = ToDatapoints(std::move(periods));
  return absl::OkStatus();
}

void MetricStore::Query(std::vector<SeriesQuery> queries, QueryDone done) {
  Collect();
  ++stats_.queries;
  // What is still pending for the queried series, to add to what the worker reads.
  auto unflushed = std::make_shared<std::vector<std::map<int64_t, Aggregate>>>(queries.size());
  absl::flat_hash_map<SeriesId, std::vector<size_t>> queries_of;
  for (size_t i = 0; i < queries.size(); ++i) queries_of[queries[i].series].push_back(i);
  for (const auto& [where, aggregate] : pending_) {
    auto found = queries_of.find(where.first);
    if (found == queries_of.end()) continue;
    for (size_t i : found->second)
      AddToPeriod(queries[i], where.second, aggregate, &(*unflushed)[i]);
  }
  worker_.Post([this, queries = std::move(queries), unflushed, done = std::move(done)] {
    auto results = std::make_shared<std::vector<std::vector<Datapoint>>>(queries.size());
    absl::Status status;
    for (size_t i = 0; i < queries.size() && status.ok(); ++i) {
      status = ReadQuery(queries[i], &(*results)[i]);
    }
    options_.post_to_io([status, results, unflushed, queries, done = std::move(done)] {
      if (!status.ok()) return done(status);
      for (size_t i = 0; i < queries.size(); ++i) {
        if ((*unflushed)[i].empty()) continue;
        std::map<int64_t, Aggregate> periods = std::move((*unflushed)[i]);
        for (Datapoint& stored : (*results)[i]) {
          periods[stored.timestamp].Merge(stored.aggregate);
        }
        (*results)[i] = ToDatapoints(std::move(periods));
      }
      done(std::move(*results));
    });
  });
}

void MetricStore::SweepRetention() {
  const int64_t cutoff =
      FloorTo(options_.clock->NowMillis() / 1000, 60) - int64_t{options_.retention_days} * 86400;
  std::vector<SeriesId> expired;
  for (auto it = by_key_.begin(); it != by_key_.end();) {
    Entry& entry = series_[it->second];
    if (entry.last >= cutoff) {
      ++it;
      continue;
    }
    entry.live = false;
    expired.push_back(it->second);
    it = by_key_.erase(it);
  }
  worker_.Post([this, expired = std::move(expired), cutoff] {
    absl::Status status = db_->Run("BEGIN");
    for (SeriesId id : expired) {
      if (!status.ok()) break;
      status = db_->Run("DELETE FROM series WHERE id = ?1", {Id(id)});
    }
    if (status.ok()) status = db_->Run("DELETE FROM buckets WHERE start < ?1", {Time(cutoff)});
    if (status.ok()) status = db_->Run("COMMIT");
    if (!status.ok()) {
      (void)db_->Run("ROLLBACK");
      fmt::print(stderr, "serval: metrics: the retention sweep failed: {}\n", status.ToString());
    }
  });
}

MetricStore::Stats MetricStore::stats() const {
  Stats stats = stats_;
  stats.series = by_key_.size();
  stats.pending = pending_.size();
  return stats;
}

}  // namespace serval::metrics
