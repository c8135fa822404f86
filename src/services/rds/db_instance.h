#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace serval::rds {

// A DB instance's lifecycle, as DescribeDBInstances names it. Each transitional status settles
// into the next once the instance transition time has passed (`serval up
// --instance-transition-ms`, on Platform::clock); nothing moves it but the clock, so a read works
// the status out from when it was set (lazily: the simulated clock moves it too):
//   creating -> available -> stopping -> stopped -> starting -> available;
//   any status but deleting -> deleting -> gone (the record no longer exists).
enum class Status { kCreating, kAvailable, kStopping, kStopped, kStarting, kDeleting, kGone };

std::string_view StatusName(Status status);
// The status named `name`, or nullopt (a stored record from a newer Serval).
std::optional<Status> StatusNamed(std::string_view name);
// The status `status`, set at `since_millis`, has become at `now_millis`.
Status StatusAt(Status status, int64_t since_millis, int64_t now_millis, int64_t transition_millis);

// What a request asks of the lifecycle.
enum class Change { kStop, kStart, kDelete };
// The status `change` moves an instance in status `current` to, or AWS's InvalidDBInstanceState
// error naming `identifier` when `current` does not allow it.
absl::StatusOr<Status> Apply(Change change, Status current, std::string_view identifier);

// A DB instance record: what CreateDBInstance set and where its lifecycle is. No database runs
// behind it, and the master password is not kept. Thread-compatible value type.
struct DbInstance {
  std::string identifier;  // lower case, as RDS stores it
  std::string instance_class;
  std::string engine;
  std::string engine_version;
  std::string license_model;
  int64_t allocated_storage = 0;
  std::string storage_type;
  std::string master_username;
  std::string db_name;
  int64_t port = 0;
  std::string availability_zone;
  int64_t backup_retention_period = 1;
  bool multi_az = false;
  bool publicly_accessible = false;
  bool storage_encrypted = false;
  bool auto_minor_version_upgrade = true;
  bool deletion_protection = false;
  std::string resource_id;  // DbiResourceId, "db-" and 26 upper-case letters and digits
  int64_t created_millis = 0;
  std::map<std::string, std::string> tags;
  // The status last set, and when.
  Status status = Status::kCreating;
  int64_t status_millis = 0;
};

// OK when `identifier` is a valid DB instance identifier as AWS checks it (1 to 63 ASCII
// letters, digits and hyphens, a letter first, no hyphen last or twice in a row), else
// InvalidParameterValue with AWS's message.
absl::Status ValidateIdentifier(std::string_view identifier);

}  // namespace serval::rds
