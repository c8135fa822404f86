#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace boost::json {
class value;
}  // namespace boost::json

namespace serval::iam {

struct Principal;

// A statement's Principal or NotPrincipal, compiled: "*", {"AWS": ...}, {"Service": ...},
// {"Federated": ...}, {"CanonicalUser": ...}. Thread-compatible value.
class PrincipalSet {
 public:
  // How a request's principal is named.
  enum class Match {
    kNo,
    kAccount,  // through its account ("123456789012", "arn:aws:iam::123456789012:root")
    kExact,    // by itself (its ARN, its role's ARN, its service, or "*")
  };

  // InvalidArgument with AWS's message: "Syntax errors in policy." for a shape that is none of
  // the above, 'Invalid principal in policy: "AWS":"VALUE"' for an AWS value that is neither "*",
  // an account id nor an IAM or STS ARN.
  static absl::StatusOr<PrincipalSet> Compile(const boost::json::value& element);

  Match Matches(const Principal& principal) const;

 private:
  bool everyone_ = false;
  std::vector<std::string> accounts_;  // account ids named by id or root ARN
  std::vector<std::string> arns_;      // users, roles, role sessions
  std::vector<std::string> services_;
  // Federated and CanonicalUser principals are kept out: no request of Serval's comes from one,
  // so they name no one here.
};

}  // namespace serval::iam
