#include "iam/aws_managed_policies.h"

#include <boost/json.hpp>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/json_fields.h"
#include "iam/managed_policy_files.h"

namespace serval::iam {
namespace {

namespace json = boost::json;

// "2015-04-09T15:03:43Z" in epoch milliseconds; 0 if it does not parse.
int64_t ParseDate(const std::string& text) {
  absl::Time time;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, text, &time, &error)) return 0;
  return absl::ToUnixMillis(time);
}

absl::StatusOr<ManagedPolicy> ParseCatalogueFile(const EmbeddedFile& file) {
  absl::StatusOr<json::object> entry = ParseStoredObject(file.bytes);
  if (!entry.ok()) return entry.status();
  const json::value* document = entry->if_contains("Document");
  if (document == nullptr) {
    return absl::DataLossError("iam: " + std::string(file.path) + " has no Document");
  }
  absl::StatusOr<PolicyDocument> parsed =
      ParsePolicy(json::serialize(*document), PolicyKind::kIdentity);
  if (!parsed.ok()) {
    return absl::DataLossError("iam: " + std::string(file.path) + ": " +
                               std::string(parsed.status().message()));
  }
  ManagedPolicy policy{.name = StringMember(*entry, "PolicyName"),
                       .path = StringMember(*entry, "Path"),
                       .arn = StringMember(*entry, "Arn"),
                       .policy_id = StringMember(*entry, "PolicyId"),
                       .create_millis = ParseDate(StringMember(*entry, "CreateDate")),
                       .update_millis = ParseDate(StringMember(*entry, "UpdateDate")),
                       .default_version = StringMember(*entry, "DefaultVersionId"),
                       .aws_managed = true};
  policy.versions.push_back({.id = policy.default_version,
                             .document = *std::move(parsed),
                             .create_millis = policy.update_millis});
  return policy;
}

}  // namespace

absl::StatusOr<std::vector<ManagedPolicy>> AwsManagedPolicies() {
  std::vector<ManagedPolicy> policies;
  for (const EmbeddedFile& file : EmbeddedFiles()) {
    absl::StatusOr<ManagedPolicy> policy = ParseCatalogueFile(file);
    if (!policy.ok()) return policy.status();
    policies.push_back(*std::move(policy));
  }
  return policies;
}

}  // namespace serval::iam
