#include "protocol/query_shape.h"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <cmath>
#include <cstdlib>
#include <map>
#include <optional>
#include <set>

#include "absl/time/time.h"
#include "common/aws_error.h"
#include "common/text.h"
#include "common/time_format.h"
#include "protocol/xml.h"

namespace serval::protocol {
namespace {

namespace json = boost::json;
using Kind = QueryShape::Kind;
using Parameters = std::map<std::string, std::string>;

json::string_view Key(std::string_view name) { return {name.data(), name.size()}; }

absl::Status InvalidValue(std::string_view name, std::string_view value) {
  return AwsError(absl::StatusCode::kInvalidArgument, "InvalidParameterValue",
                  fmt::format("The value {} for parameter {} is invalid.", value, name));
}

// The indexes N of "<prefix>.N..." parameters, in order.
std::set<int> IndexesUnder(const Parameters& parameters, const std::string& prefix) {
  std::set<int> indexes;
  const std::string start = prefix + ".";
  for (auto it = parameters.lower_bound(start);
       it != parameters.end() && it->first.starts_with(start); ++it) {
    const std::string_view rest = std::string_view(it->first).substr(start.size());
    int index = 0;
    const std::string_view digits = rest.substr(0, rest.find('.'));
    if (digits.size() <= 6 && ParseDigits(digits, &index) && index > 0) indexes.insert(index);
  }
  return indexes;
}

bool AnyUnder(const Parameters& parameters, const std::string& prefix) {
  auto it = parameters.lower_bound(prefix);
  return it != parameters.end() && it->first.starts_with(prefix);
}

absl::StatusOr<std::optional<json::value>> Decode(const Parameters& parameters,
                                                  const std::string& name, const QueryShape& shape);

absl::StatusOr<std::optional<json::value>> DecodeScalar(const std::string& name,
                                                        const std::string& text,
                                                        const QueryShape& shape) {
  switch (shape.kind) {
    case Kind::kInteger: {
      int64_t number = 0;
      if (!ParseDecimal(text, &number)) return InvalidValue(name, text);
      return json::value(number);
    }
    case Kind::kDouble: {
      char* end = nullptr;
      const double number = std::strtod(text.c_str(), &end);
      if (text.empty() || end != text.c_str() + text.size()) return InvalidValue(name, text);
      return json::value(number);
    }
    case Kind::kBoolean:
      if (text != "true" && text != "false") return InvalidValue(name, text);
      return json::value(text == "true");
    case Kind::kTimestamp: {
      absl::Time time;
      std::string error;
      if (absl::ParseTime(absl::RFC3339_full, text, &time, &error)) {
        return json::value(absl::ToDoubleSeconds(time - absl::UnixEpoch()));
      }
      char* end = nullptr;
      const double seconds = std::strtod(text.c_str(), &end);
      if (text.empty() || end != text.c_str() + text.size()) return InvalidValue(name, text);
      return json::value(seconds);
    }
    default:
      return json::value(text);
  }
}

absl::StatusOr<std::optional<json::value>> Decode(const Parameters& parameters,
                                                  const std::string& name,
                                                  const QueryShape& shape) {
  switch (shape.kind) {
    case Kind::kList: {
      // botocore writes an empty list as the bare name with an empty value.
      if (auto empty = parameters.find(name); empty != parameters.end() && empty->second.empty()) {
        return json::value(json::array());
      }
      const std::string prefix = name + ".member";
      if (!AnyUnder(parameters, prefix + ".")) return std::nullopt;
      json::array list;
      for (int index : IndexesUnder(parameters, prefix)) {
        auto element = Decode(parameters, prefix + "." + std::to_string(index), *shape.element);
        if (!element.ok()) return element.status();
        if (*element) list.push_back(std::move(**element));
      }
      return json::value(std::move(list));
    }
    case Kind::kMap: {
      const std::string prefix = name + ".entry";
      if (!AnyUnder(parameters, prefix + ".")) return std::nullopt;
      json::object map;
      for (int index : IndexesUnder(parameters, prefix)) {
        const std::string entry = prefix + "." + std::to_string(index);
        auto key = parameters.find(entry + ".key");
        if (key == parameters.end()) continue;
        auto value = Decode(parameters, entry + ".value", *shape.element);
        if (!value.ok()) return value.status();
        if (*value) map[key->second] = std::move(**value);
      }
      return json::value(std::move(map));
    }
    case Kind::kStructure: {
      if (!name.empty() && !AnyUnder(parameters, name + ".")) return std::nullopt;
      json::object object;
      for (const auto& [member, member_shape] : shape.members) {
        const std::string member_name =
            name.empty() ? std::string(member) : name + "." + std::string(member);
        auto value = Decode(parameters, member_name, *member_shape);
        if (!value.ok()) return value.status();
        if (*value) object[Key(member)] = std::move(**value);
      }
      return json::value(std::move(object));
    }
    default: {
      auto found = parameters.find(name);
      if (found == parameters.end()) return std::nullopt;
      return DecodeScalar(name, found->second, shape);
    }
  }
}

void Encode(const json::value& value, const QueryShape& shape, XmlWriter& xml);

void EncodeMember(std::string_view name, const json::value& value, const QueryShape& shape,
                  XmlWriter& xml) {
  switch (shape.kind) {
    case Kind::kList:
    case Kind::kMap:
    case Kind::kStructure:
      xml.Open(name);
      Encode(value, shape, xml);
      xml.Close(name);
      return;
    case Kind::kTimestamp: {
      const double seconds = value.is_number() ? value.to_number<double>() : 0;
      const auto millis = static_cast<int64_t>(std::llround(seconds * 1000));
      xml.Element(name, millis % 1000 == 0 ? FormatIso8601Seconds(millis / 1000)
                                           : FormatIso8601Millis(millis));
      return;
    }
    default:
      if (value.is_string()) {
        const json::string& text = value.get_string();
        xml.Element(name, std::string_view(text.data(), text.size()));
      } else if (value.is_bool()) {
        xml.Element(name, value.get_bool() ? "true" : "false");
      } else if (value.is_double()) {
        xml.Element(name, fmt::format("{}", value.get_double()));
      } else if (value.is_number()) {
        xml.Element(name, json::serialize(value));
      }
  }
}

void Encode(const json::value& value, const QueryShape& shape, XmlWriter& xml) {
  switch (shape.kind) {
    case Kind::kList:
      if (!value.is_array()) return;
      for (const json::value& element : value.get_array()) {
        EncodeMember("member", element, *shape.element, xml);
      }
      return;
    case Kind::kMap:
      if (!value.is_object()) return;
      for (const auto& entry : value.get_object()) {
        xml.Open("entry").Element("key", std::string_view(entry.key().data(), entry.key().size()));
        EncodeMember("value", entry.value(), *shape.element, xml);
        xml.Close("entry");
      }
      return;
    case Kind::kStructure:
      if (!value.is_object()) return;
      for (const auto& [member, member_shape] : shape.members) {
        if (const json::value* found = value.get_object().if_contains(Key(member))) {
          EncodeMember(member, *found, *member_shape, xml);
        }
      }
      return;
    default:
      return;
  }
}

}  // namespace

absl::StatusOr<json::object> QueryInputToJson(const QueryRequest& request,
                                              const QueryShape& input) {
  auto decoded = Decode(request.parameters, "", input);
  if (!decoded.ok()) return decoded.status();
  return std::move((*decoded)->get_object());
}

std::string JsonOutputToQueryXml(const json::object& output, const QueryShape& shape) {
  XmlWriter xml;
  Encode(json::value(output), shape, xml);
  return xml.Take();
}

}  // namespace serval::protocol
