#pragma once

#include <boost/json/object.hpp>
#include <string_view>

#include "common/arn.h"
#include "services/access_check.h"

namespace serval::logs {

// CloudWatch Logs' IAM actions and resources, as AWS evaluates them (the Service Authorization
// Reference's "Actions, resources, and condition keys for Amazon CloudWatch Logs"; docs/iam.md):
// what a request for `operation` with `input` asks.
//  - a log stream's events and the stream itself (CreateLogStream, DeleteLogStream,
//    PutLogEvents, GetLogEvents): logs:<Operation> on
//    arn:aws:logs:REGION:ACCOUNT:log-group:GROUP:log-stream:STREAM;
//  - the rest of a group's operations: on arn:aws:logs:REGION:ACCOUNT:log-group:GROUP:log-stream:
//    (the stream part empty, as AWS names it, so that "log-group:GROUP:*" covers both);
//  - DescribeLogGroups: on arn:aws:logs:REGION:ACCOUNT:log-group::log-stream:;
//  - TagResource, UntagResource, ListTagsForResource: on resourceArn, as given.
// A request whose group or stream is missing or malformed asks nothing: the operation itself
// refuses it. Pure: thread-safe.
services::AccessRequests AccessRequestsFor(std::string_view operation,
                                           const boost::json::object& input,
                                           const AccountContext& account);

}  // namespace serval::logs
