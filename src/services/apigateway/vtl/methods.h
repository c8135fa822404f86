#pragma once

#include <cstddef>
#include <span>
#include <string_view>

#include "absl/status/statusor.h"
#include "services/apigateway/vtl/value.h"

namespace serval::apigateway::vtl {

// The Java methods a template may call on values, answered as java.lang.String, java.util.List
// and java.util.Map (LinkedHashMap) would. Thread-safe (the receiver is the caller's).

struct MethodContext {
  ListStyle lists = ListStyle::kJava;  // for toString()
  size_t max_string_bytes = 0;         // longest string a method may build
};

// `self.name(args)`. Methods that mutate (List.add, Map.put, ...) change `self`. Null when the
// value has no such method or the method returns nothing (Velocity then renders the reference
// text); an error where Java would throw (an index out of range, a bad regex).
absl::StatusOr<boost::json::value> CallMethod(boost::json::value& self, std::string_view name,
                                              std::span<const boost::json::value> args,
                                              const MethodContext& context);

// One method of one kind of receiver, for the per-kind tables.
struct MethodEntry {
  std::string_view name;
  size_t min_args;
  size_t max_args;
  absl::StatusOr<boost::json::value> (*call)(boost::json::value& self,
                                             std::span<const boost::json::value> args,
                                             const MethodContext& context);
};

// The tables (string_methods.cc, collection_methods.cc).
std::span<const MethodEntry> StringMethods();
std::span<const MethodEntry> ListMethods();
std::span<const MethodEntry> MapMethods();
std::span<const MethodEntry> ScalarMethods();  // numbers and booleans

}  // namespace serval::apigateway::vtl
