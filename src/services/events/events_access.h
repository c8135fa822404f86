#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <string_view>

#include "common/arn.h"
#include "services/access_check.h"

namespace serval::events {

// arn:aws:events:REGION:ACCOUNT:event-bus/BUS
std::string BusArn(const AccountContext& account, std::string_view bus);
// arn:aws:events:REGION:ACCOUNT:rule/NAME on the default bus, rule/BUS/NAME on others.
std::string RuleArn(const AccountContext& account, std::string_view bus, std::string_view name);

// EventBridge's IAM actions and resources, as the Service Authorization Reference ("Actions,
// resources, and condition keys for Amazon EventBridge") defines them (docs/iam.md): what a
// request for `operation` with `input` asks.
//  - rules and their targets: events:<Operation> on the rule's ARN (RuleArn, on the bus
//    EventBusName names: a name or a bus ARN, the default bus when absent);
//  - buses: events:<Operation> on the bus's ARN; PutEvents once per bus its entries name, with
//    the condition keys events:source and events:detail-type of those entries;
//  - tagging: events:<Operation> on ResourceARN;
//  - ListRules, ListRuleNamesByTarget, ListEventBuses, TestEventPattern on "*".
// A request without the member that names its resource asks nothing: the operation itself
// refuses it. Pure: thread-safe.
services::AccessRequests AccessRequestsFor(std::string_view operation,
                                           const boost::json::object& input,
                                           const AccountContext& account);

}  // namespace serval::events
