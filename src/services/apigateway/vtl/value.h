#pragma once

#include <boost/json/value.hpp>
#include <optional>
#include <string>

namespace serval::apigateway::vtl {

// Velocity's runtime values are JSON values: null, bool, int64 (Java's Integer/Long), double,
// string, list, map (in insertion order). These functions give them Java's answers. Thread-safe.

// How a list renders as text. Java Velocity prints a List as `[a, b]` (elements by toString).
// API Gateway prints the lists that $input.path returns as compact JSON (`["a",{"c":5}]`,
// reproduced from LocalStack's AWS-validated tests); Serval prints every list that way there.
enum class ListStyle { kJava, kJson };

// The text Velocity inserts for a value: strings as they are, numbers as Java prints them (a
// double always with a fraction or an exponent: 1.0, 1.0E10), booleans true/false, maps as
// `{k=v, k2=v2}`; a null inside a list or map prints "null".
std::string ToText(const boost::json::value& value, ListStyle lists);
void AppendText(const boost::json::value& value, ListStyle lists, std::string& out);

// Java's Double.toString: "1.0", "0.001", "1.0E7", "1.0E-4", "NaN", "Infinity".
std::string JavaDouble(double value);

// Compact JSON with numbers written as Java writes them; the shape of $input.json's result.
void AppendJson(const boost::json::value& value, std::string& out);
std::string ToJson(const boost::json::value& value);

// Velocity 1.7's #if: null and false are false; everything else (even "" and 0) is true.
bool IsTruthy(const boost::json::value& value);

// Velocity 1.7's ==: numbers compare by value across int/double, equal kinds compare deeply,
// different kinds compare their text.
bool VelocityEquals(const boost::json::value& a, const boost::json::value& b);

// <, <=, >, >= operate on numbers only: the sign of a - b, or nullopt when either is not one.
std::optional<int> CompareNumbers(const boost::json::value& a, const boost::json::value& b);

bool IsNumber(const boost::json::value& value);
// An integral value (int64, or uint64 that fits); nullopt for anything else.
std::optional<int64_t> AsInteger(const boost::json::value& value);
// Any number as a double.
std::optional<double> AsDouble(const boost::json::value& value);

}  // namespace serval::apigateway::vtl
