#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"

namespace serval::protocol {

// Collects the constraint violations of one request and reports them as AWS's coral validation
// layer does, in one message:
//   "2 validation errors detected: Value 'x y' at 'functionName' failed to satisfy constraint:
//    Member must satisfy regular expression pattern: ...; Value null at 'role' failed to satisfy
//    constraint: Member must not be null"
// Thread-compatible.
class ValidationErrors {
 public:
  // `value` is the offending value as the client sent it (nullopt: missing, shown as "null");
  // `member` the member's name as the model spells it on the wire ("functionName"); `constraint`
  // the rest ("Member must have length less than or equal to 64").
  ValidationErrors& Add(std::optional<std::string_view> value, std::string_view member,
                        std::string_view constraint);
  // A required member that is missing: "Value null at '<member>' ... Member must not be null".
  ValidationErrors& AddMissing(std::string_view member);

  bool empty() const { return violations_.empty(); }
  // OK when nothing was added; else an InvalidArgument status with code `aws_code`.
  absl::Status ToStatus(std::string_view aws_code = "ValidationException") const;

 private:
  std::vector<std::string> violations_;
};

// One violation as a status: ValidationErrors().Add(...).ToStatus().
absl::Status ValidationFailed(std::optional<std::string_view> value, std::string_view member,
                              std::string_view constraint);
// A number outside [low, high] as AWS words it ("Member must have value greater than or equal to
// LOW", "... less than or equal to HIGH"); OK within.
absl::Status CheckValueRange(int64_t value, std::string_view member, int64_t low, int64_t high);
// One missing required member as a status.
absl::Status MissingMember(std::string_view member);
// A member of a JSON request whose value has the wrong type (a string where a number belongs):
// the SerializationException AWS's JSON front ends answer before validating anything.
absl::Status WrongMemberType(std::string_view member);

}  // namespace serval::protocol
