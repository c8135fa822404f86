#pragma once

#include "absl/status/statusor.h"
#include "common/arn.h"
#include "protocol/query.h"
#include "services/rds/db_instance.h"

namespace serval::rds {

// CreateDBInstance's parameters read into a new record (status creating; the caller sets the
// times and the resource id), checked as RDS checks them: the required DBInstanceIdentifier,
// DBInstanceClass and Engine (MissingParameter), the identifier's form, a known engine and an
// instance class of the form db.FAMILY.SIZE, MasterUsername, MasterUserPassword (unless
// ManageMasterUserPassword; printable ASCII but '/', '@', '"' and space, at least 8 characters;
// then dropped), AllocatedStorage within its storage type's range, Port, numbers and booleans,
// Tags.Tag.N. Parameters Serval does not model are accepted and ignored. Thread-safe (pure).
absl::StatusOr<DbInstance> ReadCreateRequest(const protocol::QueryRequest& request,
                                             const AccountContext& account);

}  // namespace serval::rds
