#pragma once

#include <boost/json/object.hpp>
#include <string_view>

#include "common/arn.h"
#include "services/access_check.h"

namespace serval::dynamodb {

// DynamoDB's IAM actions and resources, as the Service Authorization Reference ("Actions,
// resources, and condition keys for Amazon DynamoDB") defines them (docs/iam.md): what a request
// for `operation` with `input` asks, one request per (action, resource).
//  - tables and items: dynamodb:<Operation> on arn:aws:dynamodb:REGION:ACCOUNT:table/NAME (a
//    Query or Scan of an index on .../table/NAME/index/INDEX);
//  - BatchGetItem, BatchWriteItem: their own action once per table;
//  - TransactWriteItems: dynamodb:PutItem, UpdateItem, DeleteItem or ConditionCheckItem per
//    (action, table); TransactGetItems: dynamodb:GetItem per table;
//  - streams: DescribeStream, GetShardIterator, GetRecords on the stream's ARN
//    (.../table/NAME/stream/LABEL); ListStreams, ListTables, DescribeEndpoints on "*".
// A request without the member that names its resource asks nothing: the operation itself
// refuses it. Pure: thread-safe.
services::AccessRequests AccessRequestsFor(std::string_view operation,
                                           const boost::json::object& input,
                                           const AccountContext& account);

}  // namespace serval::dynamodb
