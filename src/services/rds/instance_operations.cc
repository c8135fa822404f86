// CreateDBInstance, DescribeDBInstances and the lifecycle operations (Start, Stop, Delete).

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "common/ids.h"
#include "common/text.h"
#include "protocol/xml.h"
#include "services/rds/create_input.h"
#include "services/rds/rds_errors.h"
#include "services/rds/rds_input.h"
#include "services/rds/rds_service.h"
#include "services/rds/rds_xml.h"

namespace serval::rds {
namespace {

constexpr int64_t kMinRecords = 20;
constexpr int64_t kMaxRecords = 100;

// The DescribeDBInstances filters RDS documents. Values within a filter are alternatives;
// filters all apply. Serval has no clusters or directory domains, so those filters match none.
struct InstanceFilter {
  std::string_view name;
  std::string_view description;  // in the error for an empty value list
  bool (*matches)(const DbInstance& instance, const std::string& arn, std::string_view value);
};

constexpr std::array<InstanceFilter, 5> kFilters{{
    {"db-instance-id", "DB Instance Identifiers",
     [](const DbInstance& instance, const std::string& arn, std::string_view value) {
       const std::string wanted = AsciiToLower(value);
       return wanted == instance.identifier || wanted == AsciiToLower(arn);
     }},
    {"engine", "Engine Names",
     [](const DbInstance& instance, const std::string&, std::string_view value) {
       return value == instance.engine;
     }},
    {"dbi-resource-id", "Dbi Resource Ids",
     [](const DbInstance& instance, const std::string&, std::string_view value) {
       return value == instance.resource_id;
     }},
    {"db-cluster-id", "DB Cluster Identifiers",
     [](const DbInstance&, const std::string&, std::string_view) { return false; }},
    {"domain", "Domains",
     [](const DbInstance&, const std::string&, std::string_view) { return false; }},
}};

struct Filter {
  const InstanceFilter* rule;
  std::vector<std::string> values;
};

// Filters.Filter.N.Name and .Values.Value.M, plus DBInstanceIdentifier as a db-instance-id
// filter.
absl::StatusOr<std::vector<Filter>> ReadFilters(const protocol::QueryRequest& request) {
  std::vector<Filter> filters;
  for (auto& [index, fields] : protocol::QueryMembers(request.parameters, "Filters.Filter")) {
    const std::string& name = fields["Name"];
    auto rule = std::find_if(kFilters.begin(), kFilters.end(),
                             [&](const InstanceFilter& filter) { return filter.name == name; });
    if (rule == kFilters.end()) return InvalidParameterValue("Unrecognized filter name: " + name);
    Filter filter{.rule = &*rule};
    for (auto& [value_index, value] : protocol::QueryMembers(
             request.parameters, fmt::format("Filters.Filter.{}.Values.Value", index))) {
      filter.values.push_back(value[""]);
    }
    if (filter.values.empty()) {
      return InvalidParameterCombination(
          fmt::format("The list of {} must not be empty.", rule->description));
    }
    filters.push_back(std::move(filter));
  }
  if (std::optional<std::string> identifier = request.Get("DBInstanceIdentifier")) {
    filters.push_back({.rule = &kFilters[0], .values = {*std::move(identifier)}});
  }
  return filters;
}

bool Matches(const std::vector<Filter>& filters, const DbInstance& instance,
             const std::string& arn) {
  return std::all_of(filters.begin(), filters.end(), [&](const Filter& filter) {
    return std::any_of(filter.values.begin(), filter.values.end(), [&](const std::string& value) {
      return filter.rule->matches(instance, arn, value);
    });
  });
}

// DbiResourceId: "db-" and 26 upper-case letters and digits.
std::string NewResourceId() { return "db-" + absl::AsciiStrToUpper(RandomHex(13)); }

}  // namespace

void RdsService::CreateDbInstance(const protocol::QueryRequest& request, Reply reply) {
  absl::StatusOr<DbInstance> instance = ReadCreateRequest(request, platform_.account);
  if (!instance.ok()) return reply(instance.status());
  if (instances_->Find(instance->identifier) != nullptr) return reply(DbInstanceAlreadyExists());
  const int64_t now = instances_->NowMillis();
  instance->resource_id = NewResourceId();
  instance->created_millis = now;
  instance->status = Status::kCreating;
  instance->status_millis = now;
  std::string result = InstanceXml(*instance, Status::kCreating);
  Store(*std::move(instance), std::move(result), std::move(reply));
}

void RdsService::DescribeDbInstances(const protocol::QueryRequest& request, Reply reply) {
  absl::StatusOr<std::optional<int64_t>> max_records = IntParameter(request, "MaxRecords");
  if (!max_records.ok()) return reply(max_records.status());
  const int64_t page_size = max_records->value_or(kMaxRecords);
  if (page_size < kMinRecords || page_size > kMaxRecords) {
    return reply(InvalidParameterValue(
        fmt::format("Invalid value {} for MaxRecords. Must be between {} and {}", page_size,
                    kMinRecords, kMaxRecords)));
  }
  absl::StatusOr<std::vector<Filter>> filters = ReadFilters(request);
  if (!filters.ok()) return reply(filters.status());

  // The marker is the identifier the previous page ended with.
  const std::string marker = request.Get("Marker").value_or("");
  const InstanceStore::Instances& all = instances_->instances();
  protocol::XmlWriter xml;
  xml.Open("DBInstances");
  int64_t listed = 0;
  std::string last;
  bool more = false;
  for (auto it = all.upper_bound(marker); it != all.end(); ++it) {
    const Status status = instances_->StatusOf(it->second);
    const std::string arn = DbInstanceArn(platform_.account, it->first);
    if (status == Status::kGone || !Matches(*filters, it->second, arn)) continue;
    if (listed == page_size) {
      more = true;
      break;
    }
    WriteDbInstance(it->second, status, platform_.account, xml);
    last = it->first;
    ++listed;
  }
  xml.Close("DBInstances");
  if (more) xml.Element("Marker", last);
  if (listed == 0 && marker.empty()) {
    if (std::optional<std::string> identifier = request.Get("DBInstanceIdentifier")) {
      return reply(DbInstanceNotFound(*identifier));
    }
  }
  reply(xml.Take());
}

void RdsService::StartDbInstance(const protocol::QueryRequest& request, Reply reply) {
  absl::StatusOr<const DbInstance*> instance = NamedInstance(request);
  if (!instance.ok()) return reply(instance.status());
  ChangeStatus(**instance, Change::kStart, std::move(reply));
}

void RdsService::StopDbInstance(const protocol::QueryRequest& request, Reply reply) {
  absl::StatusOr<const DbInstance*> instance = NamedInstance(request);
  if (!instance.ok()) return reply(instance.status());
  if (request.Get("DBSnapshotIdentifier").has_value()) {
    return reply(InvalidParameterCombination(
        "Serval keeps no DB snapshots: stop the instance without DBSnapshotIdentifier."));
  }
  ChangeStatus(**instance, Change::kStop, std::move(reply));
}

void RdsService::DeleteDbInstance(const protocol::QueryRequest& request, Reply reply) {
  absl::StatusOr<const DbInstance*> instance = NamedInstance(request);
  if (!instance.ok()) return reply(instance.status());
  absl::StatusOr<bool> skip_snapshot = BoolParameter(request, "SkipFinalSnapshot", false);
  if (!skip_snapshot.ok()) return reply(skip_snapshot.status());
  if (!*skip_snapshot) {
    return reply(InvalidParameterCombination(
        request.Get("FinalDBSnapshotIdentifier").has_value()
            ? "Serval keeps no DB snapshots: delete the instance with SkipFinalSnapshot."
            : "FinalDBSnapshotIdentifier is required unless SkipFinalSnapshot is specified."));
  }
  if ((*instance)->deletion_protection) {
    return reply(InvalidParameterCombination(
        "Cannot delete protected DB Instance, please disable deletion protection and try "
        "again."));
  }
  ChangeStatus(**instance, Change::kDelete, std::move(reply));
}

absl::StatusOr<const DbInstance*> RdsService::NamedInstance(
    const protocol::QueryRequest& request) const {
  absl::StatusOr<std::string> identifier = RequiredParameter(request, "DBInstanceIdentifier");
  if (!identifier.ok()) return identifier.status();
  if (absl::Status valid = ValidateIdentifier(*identifier); !valid.ok()) return valid;
  const DbInstance* instance = instances_->Find(AsciiToLower(*identifier));
  if (instance == nullptr) return DbInstanceNotFound(*identifier);
  return instance;
}

void RdsService::ChangeStatus(const DbInstance& instance, Change change, Reply reply) {
  absl::StatusOr<Status> next = Apply(change, instances_->StatusOf(instance), instance.identifier);
  if (!next.ok()) return reply(next.status());
  DbInstance changed = instance;
  changed.status = *next;
  changed.status_millis = instances_->NowMillis();
  std::string result = InstanceXml(changed, *next);
  Store(std::move(changed), std::move(result), std::move(reply));
}

}  // namespace serval::rds
