// libFuzzer target for the expression parser and evaluator (clang only; see CMakeLists.txt):
//   dynamodb_expression_fuzz -max_total_time=300 -max_len=600 [corpus_dir]
// The first input byte picks the kind of expression, the rest is its text. Accepted expressions
// are evaluated against a fixed item (conditions, projections) or applied to it (updates).

#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "services/dynamodb/expression.h"

namespace {

namespace json = boost::json;
using serval::dynamodb::Condition;
using serval::dynamodb::KeyCondition;
using serval::dynamodb::Projection;
using serval::dynamodb::Substitutions;
using serval::dynamodb::Update;

constexpr std::string_view kRequest = R"({
  "ExpressionAttributeNames": {"#a": "a", "#b": "b", "#l": "l", "#m": "m", "#k": "pk"},
  "ExpressionAttributeValues": {":s": {"S": "ab"}, ":n": {"N": "2"}, ":b": {"B": "AQ=="},
    ":ss": {"SS": ["x", "y"]}, ":ns": {"NS": ["1", "2"]}, ":l": {"L": [{"S": "z"}]},
    ":m": {"M": {"a": {"N": "1"}}}, ":t": {"S": "N"}, ":z": {"BOOL": false}}})";

constexpr std::string_view kItem = R"({"pk": {"S": "p"}, "a": {"N": "1"}, "b": {"S": "abc"},
  "l": {"L": [{"N": "1"}, {"M": {"a": {"SS": ["x"]}}}, {"L": []}]},
  "m": {"M": {"a": {"N": "1"}, "b": {"M": {"c": {"NS": ["1", "2"]}}}}}, "ss": {"SS": ["x"]}})";

void Check(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  static const json::object request = json::parse(kRequest).as_object();
  static const json::object item = json::parse(kItem).as_object();
  absl::StatusOr<Substitutions> subs = Substitutions::FromRequest(request);
  Check(subs.ok());
  absl::Status status;
  switch (data[0] % 4) {
    case 0: {
      absl::StatusOr<Condition> condition = Condition::Parse(text, "ConditionExpression", *subs);
      status = condition.status();
      if (condition.ok()) {
        condition->Evaluate(item);
        condition->Evaluate(json::object());
        condition->TopLevelNames();
      }
      break;
    }
    case 1: {
      absl::StatusOr<Update> update = Update::Parse(text, *subs);
      status = update.status();
      if (update.ok()) {
        json::object copy = item;
        if (!update->Apply(copy).ok()) Check(copy == item);
        json::object empty;
        update->Apply(empty).IgnoreError();
        update->TopLevelNames();
      }
      break;
    }
    case 2: {
      absl::StatusOr<KeyCondition> key = KeyCondition::Parse(text, *subs, "pk", "a");
      status = key.status();
      if (key.ok()) {
        Check(key->partition_value != nullptr);
        key->MatchesSortKey(item.at("a"));
        key->MatchesSortKey(item.at("b"));
      }
      break;
    }
    default: {
      absl::StatusOr<Projection> projection = Projection::Parse(text, *subs);
      status = projection.status();
      if (projection.ok()) projection->Apply(item);
      break;
    }
  }
  Check(status.ok() || status.code() == absl::StatusCode::kInvalidArgument);
  if (status.ok()) subs->CheckAllUsed().IgnoreError();
  return 0;
}
