#include "services/rds/db_instance.h"

#include <fmt/format.h>

#include <array>

#include "absl/strings/ascii.h"
#include "services/rds/rds_errors.h"

namespace serval::rds {
namespace {

struct StatusEntry {
  Status status;
  std::string_view name;
  Status settles_into;  // itself for a status that does not move on its own
};

constexpr std::array<StatusEntry, 7> kStatuses{{
    {Status::kCreating, "creating", Status::kAvailable},
    {Status::kAvailable, "available", Status::kAvailable},
    {Status::kStopping, "stopping", Status::kStopped},
    {Status::kStopped, "stopped", Status::kStopped},
    {Status::kStarting, "starting", Status::kAvailable},
    {Status::kDeleting, "deleting", Status::kGone},
    {Status::kGone, "deleted", Status::kGone},
}};

const StatusEntry& EntryOf(Status status) { return kStatuses[static_cast<size_t>(status)]; }

constexpr uint32_t Bit(Status status) { return 1u << static_cast<uint32_t>(status); }

struct ChangeRule {
  Change change;
  uint32_t allowed_from;  // Bit()s of the statuses it may start from
  Status to;
  std::string_view refusal;  // AWS's message; {} is the identifier
};

constexpr uint32_t kAnyButDeleting = Bit(Status::kCreating) | Bit(Status::kAvailable) |
                                     Bit(Status::kStopping) | Bit(Status::kStopped) |
                                     Bit(Status::kStarting);

constexpr std::array<ChangeRule, 3> kChanges{{
    {Change::kStop, Bit(Status::kAvailable), Status::kStopping,
     "Instance {} is not in available state."},
    {Change::kStart, Bit(Status::kStopped), Status::kStarting,
     "Instance {} is not stopped, it cannot be started."},
    {Change::kDelete, kAnyButDeleting, Status::kDeleting, "Instance {} is already being deleted."},
}};

}  // namespace

std::string_view StatusName(Status status) { return EntryOf(status).name; }

std::optional<Status> StatusNamed(std::string_view name) {
  for (const StatusEntry& entry : kStatuses) {
    if (entry.name == name) return entry.status;
  }
  return std::nullopt;
}

Status StatusAt(Status status, int64_t since_millis, int64_t now_millis,
                int64_t transition_millis) {
  if (now_millis - since_millis < transition_millis) return status;
  return EntryOf(status).settles_into;
}

absl::StatusOr<Status> Apply(Change change, Status current, std::string_view identifier) {
  const ChangeRule& rule = kChanges[static_cast<size_t>(change)];
  if ((rule.allowed_from & Bit(current)) == 0) {
    return InvalidDbInstanceState(fmt::format(fmt::runtime(rule.refusal), identifier));
  }
  return rule.to;
}

absl::Status ValidateIdentifier(std::string_view identifier) {
  bool valid = !identifier.empty() && identifier.size() <= 63 &&
               absl::ascii_isalpha(static_cast<unsigned char>(identifier.front())) &&
               identifier.back() != '-' && identifier.find("--") == std::string_view::npos;
  for (char c : identifier) {
    valid = valid && (absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-');
  }
  if (valid) return absl::OkStatus();
  return InvalidParameterValue(
      "The parameter DBInstanceIdentifier is not a valid identifier. Identifiers must begin with "
      "a letter; must contain only ASCII letters, digits, and hyphens; and must not end with a "
      "hyphen or contain two consecutive hyphens.");
}

}  // namespace serval::rds
