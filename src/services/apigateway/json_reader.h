#pragma once

#include <fmt/format.h>

#include <boost/json.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "common/aws_error.h"

namespace serval::apigateway {

// Reads members of one JSON object into fields, remembering the first of the wrong type
// (BadRequestException naming it). A member that is absent (or null) leaves its field as it is.
// Thread-compatible; reads `object`, which must outlive it.
class Reader {
 public:
  explicit Reader(const boost::json::object& object) : object_(object) {}

  void Read(std::string_view key, std::string& out) {
    if (const boost::json::value* value = Find(key)) {
      if (value->is_string()) {
        out = value->get_string();
      } else {
        Wrong(key, "a string");
      }
    }
  }
  void Read(std::string_view key, std::optional<std::string>& out) {
    if (const boost::json::value* value = Find(key)) {
      if (value->is_string()) {
        out = std::string(value->get_string());
      } else {
        Wrong(key, "a string");
      }
    }
  }
  void Read(std::string_view key, bool& out) {
    if (const boost::json::value* value = Find(key)) {
      if (value->is_bool()) {
        out = value->get_bool();
      } else {
        Wrong(key, "a boolean");
      }
    }
  }
  void Read(std::string_view key, int64_t& out) {
    if (const boost::json::value* value = Find(key)) {
      if (value->is_int64()) {
        out = value->get_int64();
      } else if (value->is_double() &&
                 value->get_double() == static_cast<int64_t>(value->get_double())) {
        out = static_cast<int64_t>(value->get_double());
      } else {
        Wrong(key, "an integer");
      }
    }
  }
  void Read(std::string_view key, std::optional<int64_t>& out) {
    if (Find(key)) {
      int64_t number = 0;
      Read(key, number);
      out = number;
    }
  }
  void Read(std::string_view key, std::optional<double>& out) {
    if (const boost::json::value* value = Find(key)) {
      if (value->is_number()) {
        out = value->to_number<double>();
      } else {
        Wrong(key, "a number");
      }
    }
  }
  void Read(std::string_view key, std::map<std::string, std::string>& out) {
    if (const boost::json::object* object = Object(key)) {
      out.clear();
      for (const auto& [name, value] : *object) {
        if (!value.is_string()) return Wrong(key, "a map of strings");
        out[std::string(name)] = value.get_string();
      }
    }
  }
  void Read(std::string_view key, std::map<std::string, bool>& out) {
    if (const boost::json::object* object = Object(key)) {
      out.clear();
      for (const auto& [name, value] : *object) {
        if (!value.is_bool()) return Wrong(key, "a map of booleans");
        out[std::string(name)] = value.get_bool();
      }
    }
  }
  void Read(std::string_view key, std::vector<std::string>& out) {
    if (const boost::json::value* value = Find(key)) {
      if (!value->is_array()) return Wrong(key, "a list of strings");
      out.clear();
      for (const boost::json::value& item : value->get_array()) {
        if (!item.is_string()) return Wrong(key, "a list of strings");
        out.emplace_back(item.get_string());
      }
    }
  }
  // The member as an object, or null when it is absent (or of the wrong type: then remembered).
  const boost::json::object* Object(std::string_view key) {
    const boost::json::value* value = Find(key);
    if (value == nullptr) return nullptr;
    if (!value->is_object()) {
      Wrong(key, "an object");
      return nullptr;
    }
    return &value->get_object();
  }
  // The member as an array, or null likewise.
  const boost::json::array* Array(std::string_view key) {
    const boost::json::value* value = Find(key);
    if (value == nullptr) return nullptr;
    if (!value->is_array()) {
      Wrong(key, "a list");
      return nullptr;
    }
    return &value->get_array();
  }
  // Records the error of a nested reader (the first error wins).
  void Merge(absl::Status status) {
    if (status_.ok()) status_ = std::move(status);
  }
  absl::Status status() const { return status_; }

 private:
  const boost::json::value* Find(std::string_view key) const {
    const boost::json::value* value = object_.if_contains(key);
    return value == nullptr || value->is_null() ? nullptr : value;
  }
  void Wrong(std::string_view key, std::string_view expected) {
    Merge(AwsError(absl::StatusCode::kInvalidArgument, "BadRequestException",
                   fmt::format("Invalid value for '{}': expected {}.", key, expected)));
  }

  const boost::json::object& object_;
  absl::Status status_;
};

}  // namespace serval::apigateway
