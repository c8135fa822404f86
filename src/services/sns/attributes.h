#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "common/arn.h"
#include "services/sns/topic_store.h"

namespace serval::sns {

// Which attributes a client may set and what SNS answers for them. Thread-safe (pure functions).

// Checks a topic attribute CreateTopic (`creating`) or SetTopicAttributes sets on a topic that is
// or will be FIFO (`fifo`): InvalidParameter "AttributeName" for a name SNS does not know (or
// FifoTopic after creation), SNS's messages for a value it refuses.
absl::Status CheckTopicAttribute(std::string_view name, std::string_view value, bool creating,
                                 bool fifo);

// Every attribute GetTopicAttributes answers for `topic`: those set, and SNS's defaults (Policy,
// EffectiveDeliveryPolicy, DisplayName, Owner, TopicArn, subscription counts).
Attributes TopicAttributesView(const Topic& topic, const TopicStore& topics,
                               const AccountContext& account);

// SNS's default topic policy: the account may do everything to the topic; nobody else may.
std::string DefaultTopicPolicy(std::string_view topic_arn, std::string_view account_id);

// Checks a subscription attribute Subscribe or SetSubscriptionAttributes sets for a subscription
// of `protocol`: InvalidParameter "AttributeName" for a name SNS does not know, SNS's messages
// for values it refuses (FilterPolicy is checked by filter_policy.h).
absl::Status CheckSubscriptionAttribute(std::string_view name, std::string_view value,
                                        std::string_view protocol);

// Every attribute GetSubscriptionAttributes answers but EffectiveDeliveryPolicy (which needs the
// topic's policy too).
Attributes SubscriptionAttributesView(const Subscription& subscription);

}  // namespace serval::sns
