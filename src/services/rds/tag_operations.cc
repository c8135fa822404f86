// AddTagsToResource, RemoveTagsFromResource and ListTagsForResource, on a DB instance's ARN.

#include <utility>
#include <vector>

#include "common/text.h"
#include "protocol/xml.h"
#include "services/rds/rds_errors.h"
#include "services/rds/rds_input.h"
#include "services/rds/rds_service.h"
#include "services/rds/rds_xml.h"

namespace serval::rds {

absl::StatusOr<const DbInstance*> RdsService::TaggedInstance(
    const protocol::QueryRequest& request) const {
  absl::StatusOr<std::string> arn = RequiredParameter(request, "ResourceName");
  if (!arn.ok()) return arn.status();
  // arn:aws:rds:REGION:ACCOUNT:TYPE:NAME
  const std::vector<std::string_view> parts = SplitOn(*arn, ':');
  if (parts.size() != 7 || parts[0] != "arn" || parts[2] != "rds" || parts[6].empty()) {
    return InvalidParameterValue("Invalid resource name: " + *arn);
  }
  if (parts[3] != platform_.account.region || parts[4] != platform_.account.account_id) {
    return InvalidParameterValue(
        "The specified resource name does not match an RDS resource in this region.");
  }
  // Serval's RDS has DB instances only: an ARN of another type names nothing it has.
  if (parts[5] != "db") return InvalidParameterValue("Invalid resource name: " + *arn);
  const DbInstance* instance = instances_->Find(AsciiToLower(parts[6]));
  if (instance == nullptr) return DbInstanceNotFound(parts[6]);
  return instance;
}

void RdsService::AddTagsToResource(const protocol::QueryRequest& request, Reply reply) {
  absl::StatusOr<const DbInstance*> instance = TaggedInstance(request);
  if (!instance.ok()) return reply(instance.status());
  absl::StatusOr<std::map<std::string, std::string>> tags = ReadTags(request);
  if (!tags.ok()) return reply(tags.status());
  DbInstance tagged = **instance;
  for (auto& [key, value] : *tags) tagged.tags.insert_or_assign(key, std::move(value));
  Store(std::move(tagged), "", std::move(reply));
}

void RdsService::RemoveTagsFromResource(const protocol::QueryRequest& request, Reply reply) {
  absl::StatusOr<const DbInstance*> instance = TaggedInstance(request);
  if (!instance.ok()) return reply(instance.status());
  DbInstance untagged = **instance;
  for (auto& [index, key] : protocol::QueryMembers(request.parameters, "TagKeys.member")) {
    untagged.tags.erase(key[""]);
  }
  Store(std::move(untagged), "", std::move(reply));
}

void RdsService::ListTagsForResource(const protocol::QueryRequest& request, Reply reply) {
  absl::StatusOr<const DbInstance*> instance = TaggedInstance(request);
  if (!instance.ok()) return reply(instance.status());
  protocol::XmlWriter xml;
  WriteTagList((*instance)->tags, xml);
  reply(xml.Take());
}

}  // namespace serval::rds
