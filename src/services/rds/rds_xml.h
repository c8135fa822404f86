#pragma once

#include <map>
#include <string>
#include <string_view>

#include "common/arn.h"
#include "protocol/xml.h"
#include "services/rds/db_instance.h"

namespace serval::rds {

// The query protocol's shapes of RDS's results, as botocore's model names their members.
// Thread-safe (pure functions).

// arn:aws:rds:REGION:ACCOUNT:db:IDENTIFIER
std::string DbInstanceArn(const AccountContext& account, std::string_view identifier);

// <DBInstance>...</DBInstance> for `instance` in `status` (its Endpoint and InstanceCreateTime
// once it has been created), its tags as <TagList><Tag>...</Tag></TagList>.
void WriteDbInstance(const DbInstance& instance, Status status, const AccountContext& account,
                     protocol::XmlWriter& xml);

// <TagList><Tag><Key>k</Key><Value>v</Value></Tag>...</TagList>
void WriteTagList(const std::map<std::string, std::string>& tags, protocol::XmlWriter& xml);

}  // namespace serval::rds
