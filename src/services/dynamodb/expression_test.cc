#include "services/dynamodb/expression.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "common/aws_error.h"
#include "services/dynamodb/attribute_value.h"
#include "services/dynamodb/reserved_words.h"

namespace serval::dynamodb {
namespace {

namespace json = boost::json;

// The request members ExpressionAttributeNames/Values most cases use.
constexpr std::string_view kRequest = R"({
  "ExpressionAttributeNames": {"#n": "name", "#s": "status", "#m": "m", "#dot": "a.b"},
  "ExpressionAttributeValues": {
    ":s": {"S": "abc"}, ":s2": {"S": "b"}, ":t": {"S": "ab"}, ":e": {"S": ""},
    ":one": {"N": "1"}, ":two": {"N": "2"}, ":ten": {"N": "10"}, ":n5": {"N": "5.0"},
    ":b": {"B": "AQI="}, ":b1": {"B": "AQ=="}, ":ss": {"SS": ["x", "y"]}, ":ns": {"NS": ["1", "3"]},
    ":l": {"L": [{"S": "z"}]}, ":m": {"M": {"k": {"S": "v"}}}, ":t_s": {"S": "S"},
    ":t_n": {"S": "N"}, ":t_m": {"S": "M"}, ":t_bad": {"S": "X"}, ":x": {"S": "x"},
    ":bool": {"BOOL": true}, ":null": {"NULL": true}, ":empty_l": {"L": []}
  }})";

constexpr std::string_view kItem = R"({
  "pk": {"S": "p"}, "name": {"S": "abc"}, "n": {"N": "5"}, "status": {"S": "ok"},
  "b": {"B": "AQID"}, "ss": {"SS": ["x", "y"]}, "ns": {"NS": ["1", "2"]},
  "l": {"L": [{"S": "z"}, {"N": "1"}, {"M": {"c": {"S": "deep"}}}]},
  "m": {"M": {"k": {"S": "v"}, "nested": {"M": {"x": {"N": "10"}}}}},
  "a.b": {"S": "dotted"}, "flag": {"BOOL": true}, "nothing": {"NULL": true},
  "bs": {"BS": ["AQ==", "Ag=="]}
})";

json::object Object(std::string_view text) {
  json::object object = json::parse(text).as_object();
  EXPECT_TRUE(NormalizeItem(object).ok());
  return object;
}

Substitutions Subs(std::string_view request = kRequest) {
  absl::StatusOr<Substitutions> subs = Substitutions::FromRequest(json::parse(request).as_object());
  EXPECT_TRUE(subs.ok()) << subs.status();
  return *std::move(subs);
}

std::string Message(const absl::Status& status) { return std::string(status.message()); }

// --- Conditions --------------------------------------------------------------------------------

struct ConditionCase {
  std::string expression;
  bool expected;
};

TEST(ConditionTest, EvaluatesAgainstItem) {
  const std::vector<ConditionCase> cases = {
      {"#n = :s", true},
      {"#n = :t", false},
      {"#n <> :t", true},
      {"absent <> :t", true},
      {"absent = :t", false},
      {"n = :n5", true},
      {"n > :one", true},
      {"n >= :n5", true},
      {"n < :ten", true},
      {"n <= :one", false},
      {"n > :s", false},
      {"#n > :t", true},
      {"#n < :t", false},
      {"n BETWEEN :one AND :ten", true},
      {"n between :one and :two", false},
      {"n IN (:one, :n5)", true},
      {"n in (:one, :two)", false},
      {"#n IN (:s)", true},
      {"attribute_exists(#n)", true},
      {"attribute_exists(absent)", false},
      {"attribute_not_exists(absent)", true},
      {"attribute_not_exists(pk)", false},
      {"attribute_exists(m.k)", true},
      {"attribute_exists(m.nested.x)", true},
      {"attribute_exists(m.nope)", false},
      {"attribute_exists(l[2].c)", true},
      {"attribute_exists(l[3])", false},
      {"attribute_exists(#m.#n)", false},
      {"attribute_exists(#dot)", true},
      {"attribute_type(#n, :t_s)", true},
      {"attribute_type(n, :t_n)", true},
      {"attribute_type(m, :t_m)", true},
      {"attribute_type(m, :t_s)", false},
      {"begins_with(#n, :t)", true},
      {"begins_with(#n, :s2)", false},
      {"begins_with(b, :b)", true},
      {"begins_with(b, :b1)", true},
      {"begins_with(n, :t)", false},
      {"contains(#n, :s2)", true},
      {"contains(#n, :x)", false},
      {"contains(ss, :x)", true},
      {"contains(ss, :s2)", false},
      {"contains(ns, :one)", true},
      {"contains(ns, :ten)", false},
      {"contains(l, :one)", true},
      {"contains(l, :x)", false},
      {"contains(bs, :b1)", true},
      {"size(#n) > :two", true},
      {"size(ss) = :two", true},
      {"size(l) > :two", true},
      {"size(m) = :two", true},
      {"size(b) > :two", true},
      {"size(n) > :one", false},
      {"size(absent) < :ten", false},
      {"l[2].c = :s", false},
      {"m.nested.x = :ten", true},
      {"m.k = l[0]", false},
      {"l[0] = l[0]", true},
      {"#n = :s AND n = :n5", true},
      {"#n = :s AND n = :one", false},
      {"#n = :t OR n = :n5", true},
      {"NOT #n = :t", true},
      {"NOT (#n = :s)", false},
      {"not not #n = :s", true},
      {"#n = :t OR n = :n5 AND flag = :bool", true},
      {"(#n = :t OR n = :n5) AND flag = :null", false},
      {"#n = :t OR n = :one AND flag = :bool", false},
      {"NOT #n = :t AND n = :n5", true},
      {"(#n = :s AND begins_with(#s, :x))", false},
      {"((#n = :s AND n = :n5) OR #s = :t)", true},
      {"flag = :bool", true},
      {"nothing = :null", true},
      {"m = :m", false},
      {"ss = :ss", true},
      {"l = :l", false},
      {"size(l[2]) = :one", true},
      {"#s = :e", false},
  };
  const json::object item = Object(kItem);
  for (const ConditionCase& c : cases) {
    Substitutions subs = Subs();
    absl::StatusOr<Condition> condition =
        Condition::Parse(c.expression, "ConditionExpression", subs);
    ASSERT_TRUE(condition.ok()) << c.expression << ": " << condition.status();
    EXPECT_EQ(condition->Evaluate(item), c.expected) << c.expression;
  }
}

TEST(ConditionTest, MissingItemMatchesOnlyAbsence) {
  Substitutions subs = Subs();
  const json::object none;
  absl::StatusOr<Condition> absent =
      Condition::Parse("attribute_not_exists(pk)", "ConditionExpression", subs);
  ASSERT_TRUE(absent.ok());
  EXPECT_TRUE(absent->Evaluate(none));
  absl::StatusOr<Condition> equal = Condition::Parse("pk = :s", "ConditionExpression", subs);
  ASSERT_TRUE(equal.ok());
  EXPECT_FALSE(equal->Evaluate(none));
}

struct ErrorCase {
  std::string expression;
  std::string message;
};

TEST(ConditionTest, RejectsWithAwsMessages) {
  const std::vector<ErrorCase> cases = {
      {"", "Invalid ConditionExpression: The expression can not be empty;"},
      {"   ", "Invalid ConditionExpression: The expression can not be empty;"},
      {"status = :s",
       "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: "
       "status"},
      {"a.Name = :s",
       "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: "
       "Name"},
      {"a = :nope",
       "Invalid ConditionExpression: An expression attribute value used in expression is not "
       "defined; attribute value: :nope"},
      {"#nope = :s",
       "Invalid ConditionExpression: An expression attribute name used in the document path is "
       "not defined; attribute name: #nope"},
      {"a = ", "Invalid ConditionExpression: Syntax error; token: \"<EOF>\", near: \"= \""},
      {"a = :s b", "Invalid ConditionExpression: Syntax error; token: \"b\", near: \":s b\""},
      {"a :s", "Invalid ConditionExpression: Syntax error; token: \":s\", near: \"a :s\""},
      {"a = :s AND", "Invalid ConditionExpression: Syntax error; token: \"<EOF>\", near: \"AND\""},
      {"a == :s", "Invalid ConditionExpression: Syntax error; token: \"=\", near: \"== :s\""},
      {"a = :s)", "Invalid ConditionExpression: Syntax error; token: \")\", near: \":s)\""},
      {"(a = :s", "Invalid ConditionExpression: Syntax error; token: \"<EOF>\", near: \":s\""},
      {"a ! :s", "Invalid ConditionExpression: Syntax error; token: \"!\", near: \"a !\""},
      {"1a = :s", "Invalid ConditionExpression: Syntax error; token: \"1a\", near: \"1a\""},
      {"a[x] = :s", "Invalid ConditionExpression: Syntax error; token: \"x\", near: \"[x]\""},
      {"# = :s", "Invalid ConditionExpression: Syntax error; token: \"#\", near: \"#\""},
      {"((a = :s))", "Invalid ConditionExpression: The expression has redundant parentheses;"},
      {"foo(a)", "Invalid ConditionExpression: Invalid function name; function: foo"},
      {"Begins_with(a, :s)",
       "Invalid ConditionExpression: Invalid function name; function: Begins_with"},
      {"begins_with(a)",
       "Invalid ConditionExpression: Incorrect number of operands for operator or function; "
       "operator or function: begins_with, number of operands: 1"},
      {"attribute_exists(:s)",
       "Invalid ConditionExpression: Operator or function requires a document path; operator or "
       "function: attribute_exists"},
      {"size(:s) = :one",
       "Invalid ConditionExpression: Operator or function requires a document path; operator or "
       "function: size"},
      {"attribute_type(a, :t_bad)",
       "Invalid ConditionExpression: Invalid attribute type name found; type: X, valid types: { "
       "B,BOOL,BS,L,M,N,NS,NULL,S,SS }"},
      {"begins_with(a, :one)",
       "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or "
       "function: begins_with, operand type: N"},
      {"a < :l",
       "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or "
       "function: <, operand type: L"},
      {"a BETWEEN :ten AND :one",
       "Invalid ConditionExpression: The BETWEEN operator requires upper bound to be greater than "
       "or equal to lower bound; lower bound operand: AttributeValue: {N:10}, upper bound "
       "operand: AttributeValue: {N:1}"},
      {"if_not_exists(a, :s)",
       "Invalid ConditionExpression: Invalid function name; function: if_not_exists"},
      {"a = :s OR", "Invalid ConditionExpression: Syntax error; token: \"<EOF>\", near: \"OR\""},
  };
  for (const ErrorCase& c : cases) {
    Substitutions subs = Subs();
    absl::StatusOr<Condition> condition =
        Condition::Parse(c.expression, "ConditionExpression", subs);
    ASSERT_FALSE(condition.ok()) << c.expression;
    EXPECT_EQ(condition.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(AwsErrorCode(condition.status()), "ValidationException");
    EXPECT_EQ(Message(condition.status()), c.message) << c.expression;
  }
}

TEST(ConditionTest, FilterExpressionNamesItsParameter) {
  Substitutions subs = Subs();
  absl::StatusOr<Condition> condition = Condition::Parse("", "FilterExpression", subs);
  EXPECT_EQ(Message(condition.status()),
            "Invalid FilterExpression: The expression can not be empty;");
}

TEST(ConditionTest, Limits) {
  Substitutions subs = Subs();
  std::string in = "a IN (:s";
  for (int i = 0; i < 100; ++i) in += ", :s";
  in += ")";
  EXPECT_EQ(Message(Condition::Parse(in, "ConditionExpression", subs).status()),
            "Invalid ConditionExpression: The IN operator is provided with too many operands; "
            "number of operands: 101");
  const std::string long_text = "a = :s AND " + std::string(4100, ' ') + "b = :s";
  EXPECT_FALSE(Condition::Parse(long_text, "ConditionExpression", subs).ok());
  std::string deep;
  for (int i = 0; i < 1000; ++i) deep += "NOT ";
  deep += "a = :s";
  EXPECT_FALSE(Condition::Parse(deep, "ConditionExpression", subs).ok());
  std::string parens(1000, '(');
  EXPECT_FALSE(Condition::Parse(parens, "ConditionExpression", subs).ok());
  std::string path = "a";
  for (int i = 0; i < 40; ++i) path += ".b";
  EXPECT_FALSE(Condition::Parse(path + " = :s", "ConditionExpression", subs).ok());
  // boto3's nesting of many ANDs stays within the limits.
  std::string boto = "a = :s";
  for (int i = 0; i < 60; ++i) boto = "(" + boto + " AND b = :s)";
  EXPECT_TRUE(Condition::Parse(boto, "ConditionExpression", subs).ok());
}

TEST(ConditionTest, TopLevelNames) {
  Substitutions subs = Subs();
  absl::StatusOr<Condition> condition =
      Condition::Parse("#n = :s AND (m.k = :s OR size(l[0]) > :one) AND NOT attribute_exists(#n)",
                       "FilterExpression", subs);
  ASSERT_TRUE(condition.ok());
  EXPECT_EQ(condition->TopLevelNames(), (std::vector<std::string>{"name", "m", "l"}));
}

// --- Substitutions -----------------------------------------------------------------------------

TEST(SubstitutionsTest, ValidatesMapsAndUse) {
  EXPECT_EQ(Message(Substitutions::FromRequest(
                        json::parse(R"({"ExpressionAttributeValues": {}})").as_object())
                        .status()),
            "ExpressionAttributeValues must not be empty");
  EXPECT_EQ(Message(Substitutions::FromRequest(
                        json::parse(R"({"ExpressionAttributeNames": {}})").as_object())
                        .status()),
            "ExpressionAttributeNames must not be empty");
  EXPECT_EQ(Message(Substitutions::FromRequest(
                        json::parse(R"({"ExpressionAttributeNames": {"n": "x"}})").as_object())
                        .status()),
            "ExpressionAttributeNames contains invalid key: Syntax error; key: \"n\"");
  EXPECT_FALSE(Substitutions::FromRequest(
                   json::parse(R"({"ExpressionAttributeValues": {":v": {"N": "x"}}})").as_object())
                   .ok());

  Substitutions subs = Subs(
      R"({"ExpressionAttributeNames": {"#a": "a", "#b": "b"},
          "ExpressionAttributeValues": {":x": {"S": "1"}, ":y": {"S": "2"}}})");
  EXPECT_EQ(Message(subs.CheckAllUsed()),
            "ExpressionAttributeNames can only be specified when using expressions");
  ASSERT_TRUE(Condition::Parse("#a = :x", "ConditionExpression", subs).ok());
  EXPECT_EQ(Message(subs.CheckAllUsed()),
            "Value provided in ExpressionAttributeNames unused in expressions: keys: {#b}");
  ASSERT_TRUE(Projection::Parse("#b", subs).ok());
  EXPECT_EQ(Message(subs.CheckAllUsed()),
            "Value provided in ExpressionAttributeValues unused in expressions: keys: {:y}");
  ASSERT_TRUE(Condition::Parse("a = :y", "FilterExpression", subs).ok());
  EXPECT_TRUE(subs.CheckAllUsed().ok());

  Substitutions empty;
  EXPECT_TRUE(empty.CheckAllUsed().ok());
}

TEST(ReservedWordsTest, AllOfThemCaseInsensitive) {
  EXPECT_EQ(ReservedWordCount(), 573u);
  for (std::string_view word : {"ABORT", "status", "Name", "ttl", "ZONE", "data", "year"}) {
    EXPECT_TRUE(IsReservedWord(word)) << word;
  }
  for (std::string_view word : {"pk", "sk", "statuses", "a", "zzz", ""}) {
    EXPECT_FALSE(IsReservedWord(word)) << word;
  }
}

// --- Key conditions ----------------------------------------------------------------------------

TEST(KeyConditionTest, SplitsAgainstTheSchema) {
  Substitutions subs = Subs();
  absl::StatusOr<KeyCondition> key =
      KeyCondition::Parse("(#n = :s AND begins_with(sk, :t))", subs, "name", "sk");
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(*key->partition_value, json::parse(R"({"S": "abc"})"));
  EXPECT_EQ(key->sort_op, KeyCondition::SortOp::kBeginsWith);
  EXPECT_TRUE(key->MatchesSortKey(json::parse(R"({"S": "abz"})")));
  EXPECT_FALSE(key->MatchesSortKey(json::parse(R"({"S": "a"})")));

  key = KeyCondition::Parse("sk BETWEEN :one AND :ten AND pk = :s", subs, "pk", "sk");
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(key->sort_op, KeyCondition::SortOp::kBetween);
  EXPECT_TRUE(key->MatchesSortKey(json::parse(R"({"N": "10"})")));
  EXPECT_TRUE(key->MatchesSortKey(json::parse(R"({"N": "1"})")));
  EXPECT_FALSE(key->MatchesSortKey(json::parse(R"({"N": "11"})")));
  EXPECT_FALSE(key->MatchesSortKey(json::parse(R"({"S": "5"})")));
  const KeyCondition copy = *key;
  EXPECT_EQ(*copy.sort_value2, json::parse(R"({"N": "10"})"));

  key = KeyCondition::Parse("pk = :s", subs, "pk", "sk");
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(key->sort_op, KeyCondition::SortOp::kNone);
  EXPECT_TRUE(key->MatchesSortKey(json::parse(R"({"S": "anything"})")));

  struct SortCase {
    std::string expression;
    std::string sort_key;
    bool expected;
  };
  const std::vector<SortCase> sorts = {
      {"pk = :s AND sk < :two", R"({"N": "1"})", true},
      {"pk = :s AND sk < :two", R"({"N": "2"})", false},
      {"pk = :s AND sk <= :two", R"({"N": "2"})", true},
      {"pk = :s AND sk > :two", R"({"N": "10"})", true},
      {"pk = :s AND sk >= :two", R"({"N": "1.5"})", false},
      {"pk = :s AND sk = :t", R"({"S": "ab"})", true},
      {"pk = :s AND sk > :t", R"({"S": "b"})", true},
      {"pk = :s AND begins_with(sk, :b1)", R"({"B": "AQI="})", true},
      {"pk = :s AND begins_with(sk, :b)", R"({"B": "AQ=="})", false},
  };
  for (const SortCase& c : sorts) {
    Substitutions s = Subs();
    absl::StatusOr<KeyCondition> parsed = KeyCondition::Parse(c.expression, s, "pk", "sk");
    ASSERT_TRUE(parsed.ok()) << c.expression << parsed.status();
    EXPECT_EQ(parsed->MatchesSortKey(json::parse(c.sort_key)), c.expected) << c.expression;
  }
}

TEST(KeyConditionTest, RejectsWithAwsMessages) {
  const std::vector<ErrorCase> cases = {
      {"sk = :s", "Query condition missed key schema element: pk"},
      {"pk < :s", "Query key condition not supported"},
      {"pk = :s AND extra = :s", "Query condition missed key schema element: sk"},
      {"pk = :s AND sk = :s AND extra = :s", "Query key condition not supported"},
      {"pk = :s OR sk = :s",
       "Invalid KeyConditionExpression: Invalid operator used in KeyConditionExpression: OR"},
      {"pk = :s AND sk <> :s",
       "Invalid KeyConditionExpression: Invalid operator used in KeyConditionExpression: <>"},
      {"pk = :s AND sk IN (:s)",
       "Invalid KeyConditionExpression: Invalid operator used in KeyConditionExpression: IN"},
      {"pk = :s AND attribute_exists(sk)",
       "Invalid KeyConditionExpression: Invalid operator used in KeyConditionExpression: "
       "attribute_exists"},
      {"pk = :s AND pk = :t", "KeyConditionExpressions must only contain one condition per key"},
      {"pk = sk",
       "Invalid condition in KeyConditionExpression: Multiple attribute names used in "
       "one condition"},
      {"pk = :e",
       "One or more parameter values are not valid. The AttributeValue for a key attribute cannot "
       "contain an empty string value. Key: pk"},
      {"pk = :s AND begins_with(sk, :one)",
       "Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator "
       "or function: begins_with, operand type: N"},
      {"pk = :s AND",
       "Invalid KeyConditionExpression: Syntax error; token: \"<EOF>\", near: \"AND\""},
  };
  for (const ErrorCase& c : cases) {
    Substitutions subs = Subs();
    absl::StatusOr<KeyCondition> key = KeyCondition::Parse(c.expression, subs, "pk", "sk");
    ASSERT_FALSE(key.ok()) << c.expression;
    EXPECT_EQ(Message(key.status()), c.message) << c.expression;
  }
}

TEST(KeyConditionTest, Legacy) {
  absl::StatusOr<KeyCondition> key = KeyCondition::FromLegacy(
      json::parse(R"({"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "a"}]},
                      "sk": {"ComparisonOperator": "GT", "AttributeValueList": [{"N": "3"}]}})")
          .as_object(),
      "pk", "sk");
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(key->sort_op, KeyCondition::SortOp::kGt);
  EXPECT_TRUE(key->MatchesSortKey(json::parse(R"({"N": "4"})")));
  EXPECT_EQ(Message(KeyCondition::FromLegacy(json::parse(R"({"pk": {"ComparisonOperator": "NE",
                                               "AttributeValueList": [{"S": "a"}]}})")
                                                 .as_object(),
                                             "pk", "")
                        .status()),
            "Attempted conditional constraint is not an indexable operation");
  EXPECT_EQ(Message(KeyCondition::FromLegacy(json::parse(R"({"pk": {"ComparisonOperator": "EQ",
                                               "AttributeValueList": []}})")
                                                 .as_object(),
                                             "pk", "")
                        .status()),
            "One or more parameter values were invalid: Invalid number of argument(s) for the EQ "
            "ComparisonOperator");
}

// --- Legacy conditions -------------------------------------------------------------------------

TEST(LegacyConditionTest, ExpectedAndFilters) {
  const json::object item = Object(kItem);
  struct Case {
    std::string conditions;
    std::string op;
    bool expected;
  };
  const std::vector<Case> cases = {
      {R"({"name": {"Value": {"S": "abc"}}})", "", true},
      {R"({"name": {"Value": {"S": "abc"}, "Exists": true}})", "", true},
      {R"({"name": {"Exists": false}})", "", false},
      {R"({"absent": {"Exists": false}})", "", true},
      {R"({"n": {"ComparisonOperator": "GT", "AttributeValueList": [{"N": "4"}]}})", "", true},
      {R"({"n": {"ComparisonOperator": "BETWEEN",
                 "AttributeValueList": [{"N": "1"}, {"N": "4"}]}})",
       "", false},
      {R"({"n": {"ComparisonOperator": "IN", "AttributeValueList": [{"N": "1"}, {"N": "5"}]}})", "",
       true},
      {R"({"name": {"ComparisonOperator": "BEGINS_WITH", "AttributeValueList": [{"S": "ab"}]}})",
       "", true},
      {R"({"ss": {"ComparisonOperator": "CONTAINS", "AttributeValueList": [{"S": "x"}]}})", "",
       true},
      {R"({"ss": {"ComparisonOperator": "NOT_CONTAINS", "AttributeValueList": [{"S": "x"}]}})", "",
       false},
      {R"({"absent": {"ComparisonOperator": "NULL"}})", "", true},
      {R"({"name": {"ComparisonOperator": "NOT_NULL"}})", "", true},
      {R"({"name": {"ComparisonOperator": "NE", "AttributeValueList": [{"S": "abc"}]}})", "",
       false},
      {R"({"name": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "x"}]},
           "n": {"ComparisonOperator": "EQ", "AttributeValueList": [{"N": "5"}]}})",
       "OR", true},
      {R"({"name": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "x"}]},
           "n": {"ComparisonOperator": "EQ", "AttributeValueList": [{"N": "5"}]}})",
       "AND", false},
  };
  for (const Case& c : cases) {
    absl::StatusOr<Condition> condition =
        Condition::FromLegacy(json::parse(c.conditions).as_object(), c.op, "Expected");
    ASSERT_TRUE(condition.ok()) << c.conditions << condition.status();
    EXPECT_EQ(condition->Evaluate(item), c.expected) << c.conditions;
  }
  EXPECT_EQ(Message(Condition::FromLegacy(json::parse(R"({"n": {"ComparisonOperator": "LT",
                                              "AttributeValueList": [{"SS": ["a"]}]}})")
                                              .as_object(),
                                          "", "ScanFilter")
                        .status()),
            "One or more parameter values were invalid: ComparisonOperator LT is not valid for SS "
            "AttributeValue type");
  EXPECT_EQ(Message(Condition::FromLegacy(json::parse(R"({"n": {"ComparisonOperator": "NULL",
                                              "AttributeValueList": [{"S": "a"}]}})")
                                              .as_object(),
                                          "", "QueryFilter")
                        .status()),
            "One or more parameter values were invalid: Invalid number of argument(s) for the "
            "NULL ComparisonOperator");
  EXPECT_FALSE(Condition::FromLegacy(json::parse(R"({"n": {"ComparisonOperator": "EQ",
                                              "AttributeValueList": [{"N": "1"}]}})")
                                         .as_object(),
                                     "XOR", "QueryFilter")
                   .ok());
}

// --- Updates -----------------------------------------------------------------------------------

struct UpdateCase {
  std::string expression;
  std::string before;
  std::string after;
};

TEST(UpdateTest, AppliesActions) {
  const std::vector<UpdateCase> cases = {
      {"SET a = :one", R"({})", R"({"a": {"N": "1"}})"},
      {"SET a = :one, b = :s", R"({})", R"({"a": {"N": "1"}, "b": {"S": "abc"}})"},
      {"set a = a + :one", R"({"a": {"N": "1.5"}})", R"({"a": {"N": "2.5"}})"},
      {"SET a = a - :ten", R"({"a": {"N": "1"}})", R"({"a": {"N": "-9"}})"},
      {"SET a = :ten - a", R"({"a": {"N": "1"}})", R"({"a": {"N": "9"}})"},
      {"SET a = if_not_exists(a, :one) + :one", R"({})", R"({"a": {"N": "2"}})"},
      {"SET a = if_not_exists(a, :one) + :one", R"({"a": {"N": "5"}})", R"({"a": {"N": "6"}})"},
      {"SET l = list_append(l, :l)", R"({"l": {"L": [{"N": "1"}]}})",
       R"({"l": {"L": [{"N": "1"}, {"S": "z"}]}})"},
      {"SET l = list_append(:l, l)", R"({"l": {"L": [{"N": "1"}]}})",
       R"({"l": {"L": [{"S": "z"}, {"N": "1"}]}})"},
      {"SET l = list_append(if_not_exists(l, :empty_l), :l)", R"({})",
       R"({"l": {"L": [{"S": "z"}]}})"},
      {"SET l[1] = :s", R"({"l": {"L": [{"N": "1"}, {"N": "2"}]}})",
       R"({"l": {"L": [{"N": "1"}, {"S": "abc"}]}})"},
      {"SET l[5] = :s", R"({"l": {"L": [{"N": "1"}]}})",
       R"({"l": {"L": [{"N": "1"}, {"S": "abc"}]}})"},
      {"SET l[11] = :t, l[10] = :s", R"({"l": {"L": []}})",
       R"({"l": {"L": [{"S": "abc"}, {"S": "ab"}]}})"},
      {"SET m.k = :s, m.#n = :t", R"({"m": {"M": {"k": {"N": "1"}}}})",
       R"({"m": {"M": {"k": {"S": "abc"}, "name": {"S": "ab"}}}})"},
      {"SET #dot = :s", R"({})", R"({"a.b": {"S": "abc"}})"},
      {"SET a = b", R"({"b": {"S": "x"}})", R"({"a": {"S": "x"}, "b": {"S": "x"}})"},
      {"SET a = b, b = a", R"({"a": {"N": "1"}, "b": {"N": "2"}})",
       R"({"a": {"N": "2"}, "b": {"N": "1"}})"},
      {"REMOVE a", R"({"a": {"N": "1"}, "b": {"N": "2"}})", R"({"b": {"N": "2"}})"},
      {"REMOVE absent", R"({"b": {"N": "2"}})", R"({"b": {"N": "2"}})"},
      {"REMOVE l[0], l[2]", R"({"l": {"L": [{"N": "0"}, {"N": "1"}, {"N": "2"}, {"N": "3"}]}})",
       R"({"l": {"L": [{"N": "1"}, {"N": "3"}]}})"},
      {"REMOVE l[9]", R"({"l": {"L": [{"N": "0"}]}})", R"({"l": {"L": [{"N": "0"}]}})"},
      {"REMOVE m.k", R"({"m": {"M": {"k": {"N": "1"}, "j": {"N": "2"}}}})",
       R"({"m": {"M": {"j": {"N": "2"}}}})"},
      {"ADD c :one", R"({})", R"({"c": {"N": "1"}})"},
      {"ADD c :ten", R"({"c": {"N": "-3"}})", R"({"c": {"N": "7"}})"},
      {"ADD ss :ss", R"({"ss": {"SS": ["x", "q"]}})", R"({"ss": {"SS": ["x", "q", "y"]}})"},
      {"ADD ns :ns", R"({})", R"({"ns": {"NS": ["1", "3"]}})"},
      {"DELETE ss :ss", R"({"ss": {"SS": ["x", "q"]}})", R"({"ss": {"SS": ["q"]}})"},
      {"DELETE ss :ss", R"({"ss": {"SS": ["x", "y"]}})", R"({})"},
      {"DELETE ss :ss", R"({})", R"({})"},
      {"DELETE ns :ns", R"({"ns": {"NS": ["1", "2", "3"]}})", R"({"ns": {"NS": ["2"]}})"},
      {"SET a = :one REMOVE b ADD c :one DELETE ss :ss",
       R"({"b": {"N": "1"}, "c": {"N": "1"}, "ss": {"SS": ["x", "z"]}})",
       R"({"a": {"N": "1"}, "c": {"N": "2"}, "ss": {"SS": ["z"]}})"},
      {"DELETE ss :ss ADD c :one REMOVE b SET a = :one",
       R"({"b": {"N": "1"}, "c": {"N": "1"}, "ss": {"SS": ["x", "z"]}})",
       R"({"a": {"N": "1"}, "c": {"N": "2"}, "ss": {"SS": ["z"]}})"},
  };
  for (const UpdateCase& c : cases) {
    Substitutions subs = Subs();
    absl::StatusOr<Update> update = Update::Parse(c.expression, subs);
    ASSERT_TRUE(update.ok()) << c.expression << ": " << update.status();
    json::object item = Object(c.before);
    ASSERT_TRUE(update->Apply(item).ok()) << c.expression << ": " << update->Apply(item);
    json::object expected = Object(c.after);
    EXPECT_TRUE(ValuesEqual(json::object{{"M", item}}, json::object{{"M", expected}}))
        << c.expression << ": " << json::serialize(item);
  }
}

TEST(UpdateTest, RejectsWithAwsMessages) {
  const std::vector<ErrorCase> cases = {
      {"", "Invalid UpdateExpression: The expression can not be empty;"},
      {"SET a = :one SET b = :one",
       "Invalid UpdateExpression: The \"SET\" section can only be used once in an update "
       "expression;"},
      {"REMOVE a remove b",
       "Invalid UpdateExpression: The \"REMOVE\" section can only be used once in an update "
       "expression;"},
      {"SET a = :one, a.b = :one",
       "Invalid UpdateExpression: Two document paths overlap with each other; must remove or "
       "rewrite one of these paths; path one: [a], path two: [a, b]"},
      {"SET a = :one REMOVE a",
       "Invalid UpdateExpression: Two document paths overlap with each other; must remove or "
       "rewrite one of these paths; path one: [a], path two: [a]"},
      {"SET a.b = :one, a[1] = :one",
       "Invalid UpdateExpression: Two document paths conflict with each other; must remove or "
       "rewrite one of these paths; path one: [a, b], path two: [a, [1]]"},
      {"ADD a :s",
       "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or "
       "function: ADD, operand type: STRING"},
      {"DELETE a :one",
       "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or "
       "function: DELETE, operand type: NUMBER"},
      {"SET a = :s + :one",
       "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or "
       "function: +, operand type: STRING"},
      {"SET a = list_append(:s, a)",
       "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or "
       "function: list_append, operand type: STRING"},
      {"SET #s = :one, status = :one",
       "Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: status"},
      {"SET a = :one,", "Invalid UpdateExpression: Syntax error; token: \"<EOF>\", near: \",\""},
      {"SET MyStr = myNum + 1",
       "Invalid UpdateExpression: Syntax error; token: \"1\", near: \"+ 1\""},
      {"SET MyStr = myNum Mystr2 myNum2",
       "Invalid UpdateExpression: Syntax error; token: \"Mystr2\", near: \"myNum Mystr2 myNum2\""},
      {"SET MyStr = my Num",
       "Invalid UpdateExpression: Syntax error; token: \"Num\", near: \"my Num\""},
      {"UPSERT a = :one",
       "Invalid UpdateExpression: Syntax error; token: \"UPSERT\", near: \"UPSERT a\""},
      {"SET a = :one + :one + :one",
       "Invalid UpdateExpression: Syntax error; token: \"+\", near: \":one + :one\""},
      {"SET a = size(b)", "Invalid UpdateExpression: Invalid function name; function: size"},
      {"SET a = if_not_exists(:one, :one)",
       "Invalid UpdateExpression: Operator or function requires a document path; operator or "
       "function: if_not_exists"},
      {"SET a = :undefined",
       "Invalid UpdateExpression: An expression attribute value used in expression is not "
       "defined; attribute value: :undefined"},
      {"ADD a b", "Invalid UpdateExpression: Syntax error; token: \"b\", near: \"a b\""},
  };
  for (const ErrorCase& c : cases) {
    Substitutions subs = Subs();
    absl::StatusOr<Update> update = Update::Parse(c.expression, subs);
    ASSERT_FALSE(update.ok()) << c.expression;
    EXPECT_EQ(Message(update.status()), c.message) << c.expression;
  }
}

struct ApplyErrorCase {
  std::string expression;
  std::string before;
  std::string message;
};

TEST(UpdateTest, ApplyErrorsLeaveTheItemUnchanged) {
  const std::string kWrongType = "An operand in the update expression has an incorrect data type";
  const std::string kBadPath =
      "The document path provided in the update expression is invalid for update";
  const std::vector<ApplyErrorCase> cases = {
      {"SET a = a + :one", R"({"a": {"S": "x"}})", kWrongType},
      {"SET z = :one, a = b + :one", R"({"b": {"S": "x"}})", kWrongType},
      {"SET z = :one, a = b + :one", R"({})",
       "The provided expression refers to an attribute that does not exist in the item"},
      {"SET l = list_append(l, :l)", R"({"l": {"S": "x"}})", kWrongType},
      {"SET z = :one ADD c :one", R"({"c": {"S": "x"}})", kWrongType},
      {"SET z = :one ADD ss :ns", R"({"ss": {"SS": ["a"]}})", kWrongType},
      {"SET z = :one DELETE ss :ns", R"({"ss": {"SS": ["a"]}})", kWrongType},
      {"SET z = :one, a.b = :one", R"({})", kBadPath},
      {"SET z = :one, a.b = :one", R"({"a": {"S": "x"}})", kBadPath},
      {"SET z = :one, a[0] = :one", R"({"a": {"M": {}}})", kBadPath},
      {"SET z = :one REMOVE a.b", R"({})", kBadPath},
  };
  for (const ApplyErrorCase& c : cases) {
    Substitutions subs = Subs();
    absl::StatusOr<Update> update = Update::Parse(c.expression, subs);
    ASSERT_TRUE(update.ok()) << c.expression << ": " << update.status();
    json::object item = Object(c.before);
    const json::object before = item;
    EXPECT_EQ(Message(update->Apply(item)), c.message) << c.expression;
    EXPECT_EQ(item, before) << c.expression;
  }
}

TEST(UpdateTest, TopLevelNamesAndLegacy) {
  Substitutions subs = Subs();
  absl::StatusOr<Update> update =
      Update::Parse("SET a.b = :one, #n = :s REMOVE l[0] ADD c :one DELETE a.c :ss", subs);
  ASSERT_TRUE(update.ok()) << update.status();
  EXPECT_EQ(update->TopLevelNames(), (std::vector<std::string>{"a", "name", "l", "c"}));

  absl::StatusOr<Update> legacy = Update::FromLegacy(json::parse(R"({
      "p": {"Action": "PUT", "Value": {"S": "x"}},
      "q": {"Value": {"N": "2"}},
      "c": {"Action": "ADD", "Value": {"N": "1"}},
      "l": {"Action": "ADD", "Value": {"L": [{"S": "b"}]}},
      "ss": {"Action": "DELETE", "Value": {"SS": ["a"]}},
      "gone": {"Action": "DELETE"}})")
                                                         .as_object());
  ASSERT_TRUE(legacy.ok()) << legacy.status();
  json::object item = Object(R"({"c": {"N": "1"}, "l": {"L": [{"S": "a"}]},
      "ss": {"SS": ["a", "b"]}, "gone": {"S": "x"}})");
  ASSERT_TRUE(legacy->Apply(item).ok());
  const json::object expected = Object(R"({"p": {"S": "x"}, "q": {"N": "2"}, "c": {"N": "2"},
      "l": {"L": [{"S": "a"}, {"S": "b"}]}, "ss": {"SS": ["b"]}})");
  EXPECT_TRUE(ValuesEqual(json::object{{"M", item}}, json::object{{"M", expected}}))
      << json::serialize(item);
  EXPECT_EQ(
      Message(Update::FromLegacy(json::parse(R"({"p": {"Action": "PUT"}})").as_object()).status()),
      "One or more parameter values were invalid: Only DELETE action is allowed when no "
      "attribute value is specified");
}

// --- Projections -------------------------------------------------------------------------------

TEST(ProjectionTest, KeepsNamedParts) {
  struct Case {
    std::string expression;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"pk, #n", R"({"pk": {"S": "p"}, "name": {"S": "abc"}})"},
      {"absent", R"({})"},
      {"m.k", R"({"m": {"M": {"k": {"S": "v"}}}})"},
      {"m.nested.x, m.k",
       R"({"m": {"M": {"k": {"S": "v"}, "nested": {"M": {"x": {"N": "10"}}}}}})"},
      {"l[2].c, l[0]", R"({"l": {"L": [{"S": "z"}, {"M": {"c": {"S": "deep"}}}]}})"},
      {"l[7], m.nope", R"({})"},
      {"#dot", R"({"a.b": {"S": "dotted"}})"},
  };
  const json::object item = Object(kItem);
  for (const Case& c : cases) {
    Substitutions subs = Subs();
    absl::StatusOr<Projection> projection = Projection::Parse(c.expression, subs);
    ASSERT_TRUE(projection.ok()) << c.expression << projection.status();
    EXPECT_EQ(projection->Apply(item), Object(c.expected)) << c.expression;
  }
  Substitutions subs = Subs();
  EXPECT_EQ(Message(Projection::Parse("a, a.b", subs).status()),
            "Invalid ProjectionExpression: Two document paths overlap with each other; must "
            "remove or rewrite one of these paths; path one: [a], path two: [a, b]");
  EXPECT_EQ(Message(Projection::Parse("", subs).status()),
            "Invalid ProjectionExpression: The expression can not be empty;");
  EXPECT_EQ(Message(Projection::Parse("a, name", subs).status()),
            "Invalid ProjectionExpression: Attribute name is a reserved keyword; reserved "
            "keyword: name");
  EXPECT_EQ(Message(Projection::Parse("a,", subs).status()),
            "Invalid ProjectionExpression: Syntax error; token: \"<EOF>\", near: \",\"");

  absl::StatusOr<Projection> legacy =
      Projection::FromAttributesToGet(json::parse(R"(["pk", "status", "nope"])"));
  ASSERT_TRUE(legacy.ok());
  EXPECT_EQ(legacy->Apply(item), Object(R"({"pk": {"S": "p"}, "status": {"S": "ok"}})"));
  EXPECT_EQ(legacy->TopLevelNames(), (std::vector<std::string>{"pk", "status", "nope"}));
}

}  // namespace
}  // namespace serval::dynamodb
