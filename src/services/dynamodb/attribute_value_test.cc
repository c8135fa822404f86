#include "services/dynamodb/attribute_value.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <string>
#include <vector>

#include "common/aws_error.h"

namespace serval::dynamodb {
namespace {
namespace json = boost::json;

json::value Value(std::string_view text) { return json::parse(text); }

TEST(NormalizeNumberTest, TrimsZerosAndExponents) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"1.50", "1.5"},
      {"0012", "12"},
      {"-0", "0"},
      {"0.000", "0"},
      {"1e3", "1000"},
      {"-1.5E-3", "-0.0015"},
      {"+7", "7"},
      {".5", "0.5"},
      {"5.", "5"},
      {"100", "100"},
      {"1E+2", "100"},
      {"-120.0e-1", "-12"},
      {"12345678901234567890123456789012345678", "12345678901234567890123456789012345678"},
      {"1e125", "1" + std::string(125, '0')},
      {"1e-130", "0." + std::string(129, '0') + "1"},
  };
  for (const auto& [input, expected] : cases) {
    auto normalized = NormalizeNumber(input);
    ASSERT_TRUE(normalized.ok()) << input << ": " << normalized.status();
    EXPECT_EQ(*normalized, expected) << input;
  }
}

TEST(NormalizeNumberTest, RejectsWhatDynamoDbRejects) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"abc", "A value provided cannot be converted into a number"},
      {"", "A value provided cannot be converted into a number"},
      {"1e", "A value provided cannot be converted into a number"},
      {"1.2.3", "A value provided cannot be converted into a number"},
      {"NaN", "A value provided cannot be converted into a number"},
      {"123456789012345678901234567890123456789",
       "Attempting to store more than 38 significant digits in a Number"},
      {"1e126",
       "Number overflow. Attempting to store a number with magnitude larger than "
       "supported range"},
      {"1e-131",
       "Number underflow. Attempting to store a number with magnitude smaller than "
       "supported range"},
  };
  for (const auto& [input, message] : cases) {
    auto normalized = NormalizeNumber(input);
    ASSERT_FALSE(normalized.ok()) << input;
    EXPECT_EQ(normalized.status().message(), message) << input;
    EXPECT_EQ(AwsErrorCode(normalized.status()), "ValidationException");
  }
}

TEST(NumbersTest, CompareAndArithmetic) {
  EXPECT_LT(CompareNumbers("2", "10"), 0);
  EXPECT_LT(CompareNumbers("-10", "-2"), 0);
  EXPECT_LT(CompareNumbers("-0.5", "0"), 0);
  EXPECT_GT(CompareNumbers("0.151", "0.15"), 0);
  EXPECT_EQ(CompareNumbers("3.5", "3.5"), 0);
  EXPECT_EQ(*AddNumbers("1.5", "2.25"), "3.75");
  EXPECT_EQ(*AddNumbers("-1.5", "1.5"), "0");
  EXPECT_EQ(*SubtractNumbers("1", "10"), "-9");
  EXPECT_EQ(*SubtractNumbers("0.1", "0.01"), "0.09");
  EXPECT_FALSE(AddNumbers("9" + std::string(37, '9'), "1e-10").ok());  // 48 digits
}

TEST(KeyEncodingTest, NumbersSortNumerically) {
  std::vector<std::string> numbers = {"-100",
                                      "-10.5",
                                      "-10",
                                      "-2",
                                      "-0.001",
                                      "0",
                                      "0.001",
                                      "0.5",
                                      "2",
                                      "10",
                                      "10.5",
                                      "100",
                                      "1" + std::string(40, '0')};
  for (size_t i = 0; i + 1 < numbers.size(); ++i) {
    const std::string a = EncodeKeyValue(json::value{{"N", *NormalizeNumber(numbers[i])}});
    const std::string b = EncodeKeyValue(json::value{{"N", *NormalizeNumber(numbers[i + 1])}});
    EXPECT_LT(a, b) << numbers[i] << " vs " << numbers[i + 1];
  }
}

TEST(KeyEncodingTest, BinarySortsUnsigned) {
  const std::string low = EncodeKeyValue(Value(R"({"B":"AQ=="})"));   // 0x01
  const std::string high = EncodeKeyValue(Value(R"({"B":"/w=="})"));  // 0xFF
  EXPECT_LT(static_cast<unsigned char>(low[0]), static_cast<unsigned char>(high[0]));
  EXPECT_LT(low, high);
}

TEST(NormalizeValueTest, Errors) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({})",
       "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"},
      {R"({"S":"a","N":"1"})",
       "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the "
       "supported datatypes"},
      {R"({"NULL":false})",
       "One or more parameter values were invalid: Null attribute value types must have the "
       "value of true"},
      {R"({"SS":[]})",
       "One or more parameter values were invalid: An string set  may not be empty"},
      {R"({"NS":["1","1.0"]})",
       "One or more parameter values were invalid: Input collection [1, 1.0] of type NS contains "
       "duplicates."},
  };
  for (const auto& [input, message] : cases) {
    json::value value = Value(input);
    absl::Status status = NormalizeValue(value);
    EXPECT_EQ(status.message(), message) << input;
  }
  json::value wrong_kind = Value(R"({"S":1})");
  EXPECT_EQ(AwsErrorCode(NormalizeValue(wrong_kind)), "SerializationException");
}

TEST(NormalizeValueTest, NestedNumbersNormalized) {
  json::value value = Value(R"({"M":{"a":{"L":[{"N":"01.10"},{"NS":["2.0","3"]}]}}})");
  ASSERT_TRUE(NormalizeValue(value).ok());
  EXPECT_EQ(json::serialize(value), R"({"M":{"a":{"L":[{"N":"1.1"},{"NS":["2","3"]}]}}})");
}

TEST(ValuesEqualTest, SetsIgnoreOrder) {
  EXPECT_TRUE(ValuesEqual(Value(R"({"SS":["a","b"]})"), Value(R"({"SS":["b","a"]})")));
  EXPECT_FALSE(ValuesEqual(Value(R"({"SS":["a","b"]})"), Value(R"({"SS":["a"]})")));
  EXPECT_FALSE(ValuesEqual(Value(R"({"S":"1"})"), Value(R"({"N":"1"})")));
  EXPECT_TRUE(ValuesEqual(Value(R"({"M":{"x":{"L":[{"BOOL":true}]}}})"),
                          Value(R"({"M":{"x":{"L":[{"BOOL":true}]}}})")));
}

TEST(ItemSizeTest, CountsNamesAndValues) {
  json::object item = Value(R"({"pk":{"S":"abc"},"n":{"N":"12345"},"b":{"B":"AAEC"}})").as_object();
  // pk: 2 + 3; n: 1 + (5 digits -> 3 + 1); b: 1 + 3 bytes.
  EXPECT_EQ(ItemSize(item), 5u + 5u + 4u);
}

}  // namespace
}  // namespace serval::dynamodb
