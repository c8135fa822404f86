#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "protocol/query.h"

namespace boost::json {
class object;
class value;
}  // namespace boost::json

namespace serval::protocol {

// The shape of a member as botocore's model describes it, as much as converting between the
// query protocol's flat parameters and XML and the awsJson document needs: an
// awsQueryCompatible service (CloudWatch) writes its operations once, over JSON documents, and
// serves query clients through these conversions. Shapes are static data. Thread-compatible.
struct QueryShape {
  enum class Kind { kString, kInteger, kDouble, kBoolean, kTimestamp, kList, kMap, kStructure };
  Kind kind = Kind::kString;
  // A structure's members, in the order they are written.
  std::vector<std::pair<std::string_view, const QueryShape*>> members;
  // A list's element, or a map's value (its keys are strings).
  const QueryShape* element = nullptr;
};

// The awsJson input document of a query request whose input has the structure `input`:
// "Dimensions.member.1.Name=f" becomes {"Dimensions": [{"Name": "f"}]}, an empty "Statistics="
// an empty list, "Map.entry.1.key"/".value" a map; numbers, booleans and timestamps (ISO 8601,
// or epoch seconds) are parsed, a timestamp into epoch seconds as awsJson sends it. Parameters
// the shape does not name are ignored. A value that does not parse as its shape says is an
// InvalidParameterValue error.
absl::StatusOr<boost::json::object> QueryInputToJson(const QueryRequest& request,
                                                     const QueryShape& input);

// The XML inside <ActionResult> for an awsJson output document of the structure `output`:
// lists as <member> elements, maps as <entry><key/><value/></entry>, timestamps (epoch seconds)
// as ISO 8601. Members the shape does not name are left out.
std::string JsonOutputToQueryXml(const boost::json::object& output, const QueryShape& shape);

}  // namespace serval::protocol
