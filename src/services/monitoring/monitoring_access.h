#pragma once

#include <boost/json/object.hpp>
#include <string_view>

#include "services/access_check.h"

namespace serval::monitoring {

// CloudWatch's IAM actions, as the Service Authorization Reference ("Actions, resources, and
// condition keys for Amazon CloudWatch") defines them for the metric operations Serval has
// (docs/iam.md): cloudwatch:<Operation> on "*" (none of them names a resource), PutMetricData
// with the condition key cloudwatch:namespace. Nothing for an operation it does not know. Pure:
// thread-safe.
services::AccessRequests AccessRequestsFor(std::string_view operation,
                                           const boost::json::object& input);

}  // namespace serval::monitoring
