#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace serval::ec2 {

// The lifecycle of an instance record, with EC2's codes: pending(0) -> running(16);
// stopping(64) -> stopped(80); shutting-down(32) -> terminated(48). No machine runs: a
// transitional state lasts a fixed delay and then reads as its end state.
enum class InstanceState : uint8_t {
  kPending,
  kRunning,
  kShuttingDown,
  kTerminated,
  kStopping,
  kStopped,
};

int StateCode(InstanceState state);
std::string_view StateName(InstanceState state);
std::optional<InstanceState> StateNamed(std::string_view name);
// The state a transitional state ends in (a stable state is its own end).
InstanceState EndOf(InstanceState state);

// How long a terminated instance stays visible (AWS: about an hour).
inline constexpr int64_t kTerminatedVisibleMillis = 60 * 60 * 1000;

// One instance record. Thread-compatible value type.
struct Instance {
  std::string id;              // "i-" and 17 hex digits
  std::string reservation_id;  // "r-" and 17 hex digits: the RunInstances call that made it
  uint64_t sequence = 0;       // launch order, kept across restarts: the order of listings
  std::string image_id;
  std::string instance_type;
  std::string key_name;
  std::string subnet_id;
  std::string vpc_id;
  std::string availability_zone;
  std::string private_ip;
  std::string client_token;
  int launch_index = 0;       // AmiLaunchIndex within its reservation
  int64_t launch_millis = 0;  // LaunchTime: the last start
  bool monitoring = false;
  // The state last entered, when, and when it settles into EndOf(state) (a stable state has
  // settles_millis == changed_millis). The delay is fixed when the state is entered, so a
  // restart with another --instance-transition-ms does not move it.
  InstanceState state = InstanceState::kPending;
  int64_t changed_millis = 0;
  int64_t settles_millis = 0;
  std::string transition_reason;  // StateTransitionReason
  std::map<std::string, std::string> tags;
};

// The state `instance` reads as at `now_millis`.
InstanceState StateAt(const Instance& instance, int64_t now_millis);
// Whether `instance` is terminated and past its visible hour at `now_millis`: gone.
bool Expired(const Instance& instance, int64_t now_millis);
// Moves `instance` into `state` at `now_millis`, settling `transition_millis` later.
void Enter(Instance& instance, InstanceState state, int64_t now_millis, int64_t transition_millis);

// The stored form (docs/formats.md, "EC2") and back.
std::string EncodeInstance(const Instance& instance);
absl::StatusOr<Instance> DecodeInstance(std::string_view id, std::string_view text);

// A new id with `prefix` ("i-", "r-"): 17 random lower-case hex digits, as AWS's long ids.
std::string NewResourceId(std::string_view prefix);
// Whether `id` is well-formed for `prefix`: the prefix then 8 or 17 lower-case hex digits.
bool IsResourceId(std::string_view id, std::string_view prefix);

}  // namespace serval::ec2
