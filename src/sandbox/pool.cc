#include "sandbox/pool.h"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <fmt/format.h>
#include <unordered_map>
#include <unordered_set>

#include "sandbox/available_memory.h"
#include "sandbox/environment.h"

namespace serval::sandbox {
namespace {

namespace asio = boost::asio;

// Warm environments are shared by invocations of the same function version.
std::string PoolKey(const FunctionSpec& spec) { return spec.name + ":" + spec.version; }

}  // namespace

class EnvironmentPool::Impl final : public EnvironmentObserver {
 public:
  Impl(asio::io_context& io, PoolOptions options, storage::LogStore* logs, const Clock* clock)
      : io_(io), options_(std::move(options)), reaper_(io) {
    context_.io = &io;
    context_.isolation = DetectIsolation(options_.instance_name);
    context_.runtimes_dir = options_.runtimes_dir;
    context_.spare_bootstrap_path = options_.spare_bootstrap_path;
    context_.python_path = options_.python_path;
    context_.node_path = options_.node_path;
    context_.service_endpoint = options_.service_endpoint;
    context_.credentials = options_.credentials;
    context_.uids = &uids_;
    context_.root_layout = InspectRootFilesystem();
    if (context_.isolation.syscall_filter) context_.syscall_filter = EnvironmentSyscallFilter();
    if (context_.isolation.namespaces && !options_.ephemeral_storage_dir.empty()) {
      auto storage = EphemeralStorage::Open(options_.ephemeral_storage_dir);
      if (storage.ok()) {
        ephemeral_storage_ = std::move(*storage);
        context_.ephemeral_storage = ephemeral_storage_.get();
      }
    }
    context_.isolation.ephemeral_disks = context_.ephemeral_storage != nullptr;
    context_.log_store = logs;
    context_.log_quota_bytes = options_.log_quota_bytes;
    context_.clock = clock;
    context_.process_cleaner = process_cleaner_.get();
    ScheduleReap();
  }

  ~Impl() override {
    reaper_.cancel();
    auto all = std::move(environments_);
    environments_.clear();
    for (auto& [raw, environment] : all) environment->Kill("", "");
    // Every killed process gone (a job not started yet cleans up as it is dropped) before the
    // instance's cgroups go.
    process_cleaner_.reset();
    ReleaseIsolation(context_.isolation);
  }

  std::vector<std::string> MissingIsolation() const { return context_.isolation.Missing(); }

  absl::Status Invoke(std::shared_ptr<const FunctionSpec> spec, Invocation invocation,
                      InvocationCallback done) {
    if (shutting_down_) return absl::UnavailableError("Serval is shutting down");
    auto& idle = idle_[PoolKey(*spec)];
    while (!idle.empty()) {
      Environment* environment = idle.back();
      idle.pop_back();
      if (environment->state() != Environment::State::kIdle) continue;
      if (environment->spec().revision_id != spec->revision_id) {
        environment->Kill("", "");  // configuration or code changed since it started
        continue;
      }
      environment->Assign(std::move(invocation), std::move(done));
      return absl::OkStatus();
    }
    // A cold start: one environment's worth of memory more.
    if (absl::Status room = MakeRoomInMemory(); !room.ok()) return room;
    Environment* raw = AdoptSpare(spec);
    if (raw == nullptr) {
      if (static_cast<int>(environments_.size()) >= options_.max_environments) {
        Environment* oldest = LeastRecentlyUsedIdle();
        if (!oldest) return absl::ResourceExhaustedError("All execution environments are busy");
        oldest->Kill("", "");  // reports OnDead, which removes it from environments_ and idle_
      }
      auto started = Environment::Start(context_, spec, this);
      if (!started.ok()) {
        done({.body = ErrorBody("Runtime.InvalidEntrypoint",
                                "RequestId: " + invocation.request_id +
                                    " Error: " + std::string(started.status().message())),
              .function_error = true});
        return absl::OkStatus();
      }
      raw = started->get();
      environments_.emplace(raw, std::move(*started));
    }
    raw->Assign(std::move(invocation), std::move(done));
    if (options_.spare_environments) {
      // The next cold start of this runtime finds a spare ready. It is started once this cold
      // start has answered (OnIdle), not now: the two would compete for the CPU and the io
      // thread, and this one's Init Duration would pay for the next one's.
      spare_owed_.insert(raw);
    }
    return absl::OkStatus();
  }

  void Retire(const std::string& function_name, const std::string& version) {
    auto matches = [&](const FunctionSpec& spec) {
      return spec.name == function_name && (version.empty() || spec.version == version);
    };
    for (auto& [raw, environment] : environments_) {
      if (environment->has_function() && matches(environment->spec())) retiring_.insert(raw);
    }
    std::vector<Environment*> idle;
    for (auto it = idle_.begin(); it != idle_.end();) {
      if (!it->second.empty() && matches(it->second.front()->spec())) {
        idle.insert(idle.end(), it->second.begin(), it->second.end());
        it = idle_.erase(it);
      } else {
        ++it;
      }
    }
    for (Environment* environment : idle) environment->Kill("", "");
  }

  void Shutdown(std::chrono::milliseconds grace, std::function<void()> done) {
    shutting_down_ = true;
    shutdown_done_ = std::move(done);
    reaper_.cancel();
    auto idle = std::move(idle_);
    idle_.clear();
    for (auto& [name, list] : idle) {
      for (Environment* environment : list) environment->Kill("", "");
    }
    std::vector<Environment*> starting;
    for (auto& [raw, environment] : environments_) {
      if (!raw->has_assignment()) starting.push_back(raw);
    }
    for (Environment* environment : starting) environment->Kill("", "");
    if (environments_.empty()) return FinishShutdown();
    reaper_.expires_after(grace);
    reaper_.async_wait([this](boost::system::error_code ec) {
      if (ec) return;
      std::vector<Environment*> remaining;
      for (auto& [raw, environment] : environments_) remaining.push_back(raw);
      for (Environment* environment : remaining) {
        environment->Kill("Runtime.ExitError", "Serval is shutting down");
      }
    });
  }

  int environment_count() const { return static_cast<int>(environments_.size()); }

  bool ColdStartsSaturated(const FunctionSpec& spec, int limit) const {
    const std::string key = PoolKey(spec);
    if (auto idle = idle_.find(key); idle != idle_.end() && !idle->second.empty()) return false;
    int starting = 0;
    for (const auto& [raw, environment] : environments_) {
      if (environment->state() == Environment::State::kStarting &&
          environment->spec().revision_id == spec.revision_id &&
          PoolKey(environment->spec()) == key) {
        ++starting;
      }
    }
    return starting >= limit;
  }

  void OnIdle(Environment* environment) override {
    if (!spare_owed_.empty() && spare_owed_.erase(environment)) {
      StartSpare(environment->family());
    }
    if (shutting_down_ || retiring_.count(environment)) {
      return environment->Kill("", "");
    }
    idle_[PoolKey(environment->spec())].push_back(environment);
  }

  void OnDead(Environment* environment) override {
    retiring_.erase(environment);
    spare_owed_.erase(environment);
    auto found = environments_.find(environment);
    if (found == environments_.end()) return;
    if (auto spare = spares_.find(environment->family());
        spare != spares_.end() && spare->second == environment) {
      spares_.erase(spare);
    }
    if (!environment->has_function()) {
      // A spare that died before adoption; the next cold start of its runtime starts another.
    } else if (auto idle = idle_.find(PoolKey(environment->spec())); idle != idle_.end()) {
      std::erase(idle->second, environment);
    }
    // The environment is still on the stack that reported its death: free it afterwards.
    asio::post(io_, [doomed = std::move(found->second)] {});
    environments_.erase(found);
    if (shutting_down_ && environments_.empty()) FinishShutdown();
  }

  void Redeliver(std::shared_ptr<const FunctionSpec> spec, Invocation invocation,
                 InvocationCallback done) override {
    auto callback = std::make_shared<InvocationCallback>(std::move(done));
    const std::string request_id = invocation.request_id;
    absl::Status status = Invoke(std::move(spec), std::move(invocation),
                                 [callback](InvocationOutcome outcome) {
                                   (*callback)(std::move(outcome));
                                 });
    if (!status.ok()) {
      (*callback)({.body = ErrorBody("Runtime.ExitError",
                                     "RequestId: " + request_id + " Error: " +
                                         std::string(status.message())),
                   .function_error = true});
    }
  }

 private:
  // The spare of `spec`'s runtime, given `spec`, or null (none, none ready yet, or the function
  // cannot start in one; see Environment::CanAdopt).
  Environment* AdoptSpare(const std::shared_ptr<const FunctionSpec>& spec) {
    const absl::StatusOr<RuntimeFamily> family = FamilyOf(spec->runtime);
    if (!family.ok() || !Environment::CanAdopt(*spec)) return nullptr;
    auto spare = spares_.find(*family);
    if (spare == spares_.end() || !spare->second->ready_for_adoption()) return nullptr;
    Environment* environment = spare->second;
    spares_.erase(spare);
    if (absl::Status adopted = environment->Adopt(spec); !adopted.ok()) {
      environment->Kill("", "");
      return nullptr;
    }
    return environment;
  }

  void StartSpare(RuntimeFamily family) {
    if (shutting_down_ || spares_.count(family) ||
        static_cast<int>(environments_.size()) >= options_.max_environments ||
        MemoryShortfall() > 0) {
      return;
    }
    auto started = Environment::StartSpare(context_, family, this);
    if (!started.ok()) return;  // the cold starts go on without spares
    spares_[family] = started->get();
    environments_.emplace(started->get(), std::move(*started));
  }

  void ScheduleReap() {
    const auto period = std::clamp<std::chrono::milliseconds>(
        options_.keep_alive / 4, std::chrono::milliseconds(50), std::chrono::seconds(10));
    reaper_.expires_after(period);
    reaper_.async_wait([this](boost::system::error_code ec) {
      if (ec || shutting_down_) return;
      ReapIdle();
      ScheduleReap();
    });
  }

  // The idle environment unused for longest, of any function, else a spare; null if there is
  // neither.
  Environment* LeastRecentlyUsedIdle() const {
    Environment* oldest = nullptr;
    for (const auto& [key, list] : idle_) {
      for (Environment* environment : list) {
        if (!oldest || environment->last_used_millis() < oldest->last_used_millis()) {
          oldest = environment;
        }
      }
    }
    if (!oldest && !spares_.empty()) oldest = spares_.begin()->second;
    return oldest;
  }

  // Bytes the host's available memory is below options_.min_available_memory_bytes (0 when it
  // is not, when the floor is off, or when MemAvailable cannot be read).
  uint64_t MemoryShortfall() const {
    if (options_.min_available_memory_bytes == 0) return 0;
    const std::optional<uint64_t> available = AvailableMemoryBytes(options_.meminfo_path);
    if (!available || *available >= options_.min_available_memory_bytes) return 0;
    return options_.min_available_memory_bytes - *available;
  }

  // Stops idle environments, least recently used first, until the peaks they held cover the
  // memory shortfall (an estimate: their memory returns as they exit). Fails if they cannot.
  absl::Status MakeRoomInMemory() {
    const uint64_t shortfall = MemoryShortfall();
    uint64_t freed = 0;
    while (freed < shortfall) {
      Environment* oldest = LeastRecentlyUsedIdle();
      if (!oldest) {
        return absl::ResourceExhaustedError(fmt::format(
            "The host's available memory is {} MB below the {} MB Serval keeps free "
            "(--min-available-memory-mb), and no idle execution environment is left to stop",
            (shortfall - freed) >> 20, options_.min_available_memory_bytes >> 20));
      }
      freed += oldest->peak_memory_bytes();
      oldest->Kill("", "");
    }
    return absl::OkStatus();
  }

  void ReapIdle() {
    const int64_t cutoff = context_.clock->NowMillis() - options_.keep_alive.count();
    std::vector<Environment*> expired;
    for (auto& [name, list] : idle_) {
      for (Environment* environment : list) {
        if (environment->last_used_millis() < cutoff) expired.push_back(environment);
      }
    }
    // A spare is kept as long as a warm environment would be: a runtime no longer used does
    // not hold one forever.
    for (auto& [family, spare] : spares_) {
      if (spare->last_used_millis() < cutoff) expired.push_back(spare);
    }
    for (Environment* environment : expired) environment->Kill("", "");
    // Other processes may have taken the memory: idle environments give it back first.
    MakeRoomInMemory().IgnoreError();
  }

  void FinishShutdown() {
    reaper_.cancel();
    if (auto done = std::move(shutdown_done_)) {
      shutdown_done_ = nullptr;
      asio::post(io_, std::move(done));
    }
  }

  asio::io_context& io_;
  PoolOptions options_;
  EnvironmentUids uids_;
  std::unique_ptr<EphemeralStorage> ephemeral_storage_;
  SandboxContext context_;
  asio::steady_timer reaper_;
  std::unordered_map<Environment*, std::shared_ptr<Environment>> environments_;
  // Idle environments per PoolKey; the most recently used is at the back.
  std::unordered_map<std::string, std::vector<Environment*>> idle_;
  std::unordered_set<Environment*> retiring_;
  // At most one spare per runtime family (see Environment).
  std::unordered_map<RuntimeFamily, Environment*> spares_;
  // Cold-started environments whose first OnIdle starts a spare of their family.
  std::unordered_set<Environment*> spare_owed_;
  bool shutting_down_ = false;
  std::function<void()> shutdown_done_;
  // Reaps killed processes and removes their cgroups; joined in the destructor.
  std::unique_ptr<Worker> process_cleaner_ = std::make_unique<Worker>("env-cleaner");
};

EnvironmentPool::EnvironmentPool(asio::io_context& io, PoolOptions options, storage::LogStore* logs,
                                 const Clock* clock)
    : impl_(std::make_unique<Impl>(io, std::move(options), logs, clock)) {}

EnvironmentPool::~EnvironmentPool() = default;

std::vector<std::string> EnvironmentPool::MissingIsolation() const {
  return impl_->MissingIsolation();
}

absl::Status EnvironmentPool::Invoke(std::shared_ptr<const FunctionSpec> spec,
                                     Invocation invocation, InvocationCallback done) {
  return impl_->Invoke(std::move(spec), std::move(invocation), std::move(done));
}

void EnvironmentPool::Retire(const std::string& function_name, const std::string& version) {
  impl_->Retire(function_name, version);
}

void EnvironmentPool::Shutdown(std::chrono::milliseconds grace, std::function<void()> done) {
  impl_->Shutdown(grace, std::move(done));
}

int EnvironmentPool::environment_count() const { return impl_->environment_count(); }

bool EnvironmentPool::ColdStartsSaturated(const FunctionSpec& spec, int limit) const {
  return impl_->ColdStartsSaturated(spec, limit);
}

}  // namespace serval::sandbox
