#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "iam/evaluator.h"

namespace serval::iam {

// One condition key's values in a request: absent, one value, or a list. A view into the query
// or into the RequestKeys that found it. Thread-compatible.
class KeyValues {
 public:
  KeyValues() = default;
  explicit KeyValues(std::string_view single) : single_(single), count_(1) {}
  explicit KeyValues(std::span<const std::string> list) : list_(list), count_(list.size()) {}

  bool present() const { return present_override_ || count_ > 0; }
  size_t size() const { return count_; }
  std::string_view operator[](size_t i) const { return list_.empty() ? single_ : list_[i]; }
  // For aws:CurrentTime and aws:EpochTime: the time itself, so Date operators need not parse.
  bool has_time() const { return has_time_; }
  int64_t time_millis() const { return time_millis_; }
  KeyValues WithTime(int64_t millis) const {
    KeyValues values = *this;
    values.has_time_ = true;
    values.time_millis_ = millis;
    return values;
  }
  // A key the request carries with an empty list of values (ForAllValues is true of it).
  static KeyValues EmptyList() {
    KeyValues values;
    values.present_override_ = true;
    return values;
  }

 private:
  std::span<const std::string> list_;
  std::string_view single_;
  size_t count_ = 0;
  bool present_override_ = false;
  bool has_time_ = false;
  int64_t time_millis_ = 0;
};

// The condition keys of one query: those derived from the principal (aws:PrincipalArn,
// aws:PrincipalAccount, aws:PrincipalType, aws:PrincipalServiceName, aws:username, aws:userid),
// the time (aws:CurrentTime, aws:EpochTime), the caller's address (aws:SourceIp) and the
// query's context. Lives on the stack of one
// evaluation; thread-compatible.
class RequestKeys {
 public:
  explicit RequestKeys(const AccessQuery& query) : query_(query) {}
  RequestKeys(const RequestKeys&) = delete;
  RequestKeys& operator=(const RequestKeys&) = delete;

  // `key` in lower case ("aws:sourcearn").
  KeyValues Find(std::string_view key) const;

 private:
  KeyValues Derived(std::string_view key) const;

  const AccessQuery& query_;
  // aws:CurrentTime and aws:EpochTime as text, formatted when first asked for.
  mutable char current_time_[32] = {};
  mutable char epoch_time_[24] = {};
};

}  // namespace serval::iam
