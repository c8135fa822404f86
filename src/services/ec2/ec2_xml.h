#pragma once

#include <string>
#include <string_view>

#include "common/arn.h"
#include "http/message.h"
#include "protocol/xml.h"
#include "services/ec2/instance.h"

namespace serval::ec2 {

// EC2's XML: responses are <ActionResponse xmlns=...><requestId/>...</ActionResponse> with no
// Result wrapper, lists are <xxxSet><item>...</item></xxxSet>, and element names are the
// model's locationNames (docs/ec2.md). Thread-safe (pure functions).

// A successful response whose elements after <requestId> are `body_xml`.
http::Response Ec2Response(std::string_view action, std::string_view body_xml,
                           std::string_view request_id);

// <element><code>16</code><name>running</name></element>
void WriteState(protocol::XmlWriter& xml, std::string_view element, InstanceState state);

// One <item> of an instancesSet: `instance` as it reads in `state`, in `account`'s region.
void WriteInstance(protocol::XmlWriter& xml, const Instance& instance, InstanceState state,
                   const AccountContext& account);

// The elements of a Reservation up to and including <instancesSet> opened (the caller writes
// the instances and closes "instancesSet").
void OpenReservation(protocol::XmlWriter& xml, std::string_view reservation_id,
                     std::string_view owner_id);

// <tagSet><item><key/><value/></item>...</tagSet>, or nothing for no tags.
void WriteTagSet(protocol::XmlWriter& xml, const std::map<std::string, std::string>& tags);

}  // namespace serval::ec2
