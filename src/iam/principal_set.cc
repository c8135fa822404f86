#include "iam/principal_set.h"

#include <algorithm>
#include <boost/json.hpp>

#include "common/text.h"
#include "iam/evaluator.h"
#include "iam/policy.h"

namespace serval::iam {
namespace {

namespace json = boost::json;

absl::Status Syntax() { return absl::InvalidArgumentError(std::string(kSyntaxErrors)); }

bool IsAccountId(std::string_view text) {
  return text.size() == 12 &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The strings of a principal value: one or a list.
absl::StatusOr<std::vector<std::string_view>> Strings(const json::value& value) {
  std::vector<std::string_view> out;
  if (value.is_string()) {
    out.emplace_back(value.get_string());
    return out;
  }
  if (!value.is_array()) return Syntax();
  for (const json::value& item : value.get_array()) {
    if (!item.is_string()) return Syntax();
    out.emplace_back(item.get_string());
  }
  return out;
}

}  // namespace

absl::StatusOr<PrincipalSet> PrincipalSet::Compile(const json::value& element) {
  PrincipalSet set;
  if (element.is_string()) {
    if (element.get_string() != "*") return Syntax();
    set.everyone_ = true;
    return set;
  }
  if (!element.is_object() || element.get_object().empty()) return Syntax();
  for (const auto& [type, value] : element.get_object()) {
    absl::StatusOr<std::vector<std::string_view>> names = Strings(value);
    if (!names.ok()) return names.status();
    if (type == "AWS") {
      for (std::string_view name : *names) {
        if (name == "*") {
          set.everyone_ = true;
        } else if (IsAccountId(name)) {
          set.accounts_.emplace_back(name);
        } else if (name.starts_with("arn:aws:iam::") || name.starts_with("arn:aws:sts::")) {
          std::vector<std::string_view> parts = SplitOn(name, ':');
          if (parts.size() == 6 && parts[2] == "iam" && parts[5] == "root" &&
              IsAccountId(parts[4])) {
            set.accounts_.emplace_back(parts[4]);
          } else if (parts.size() >= 6 && IsAccountId(parts[4])) {
            set.arns_.emplace_back(name);
          } else {
            return absl::InvalidArgumentError(
                "Invalid principal in policy: \"AWS\":\"" + std::string(name) + "\"");
          }
        } else {
          return absl::InvalidArgumentError("Invalid principal in policy: \"AWS\":\"" +
                                            std::string(name) + "\"");
        }
      }
    } else if (type == "Service") {
      for (std::string_view name : *names) set.services_.emplace_back(name);
    } else if (type != "Federated" && type != "CanonicalUser") {
      return Syntax();
    }
  }
  return set;
}

PrincipalSet::Match PrincipalSet::Matches(const Principal& principal) const {
  if (everyone_) return Match::kExact;
  using Kind = Principal::Kind;
  switch (principal.kind) {
    case Kind::kAnonymous:
      return Match::kNo;
    case Kind::kService:
      for (const std::string& service : services_) {
        if (service == principal.arn) return Match::kExact;
      }
      return Match::kNo;
    case Kind::kAccountRoot:
    case Kind::kUser:
    case Kind::kAssumedRole:
      break;
  }
  for (const std::string& arn : arns_) {
    if (arn == principal.arn || (principal.kind == Kind::kAssumedRole && arn == principal.role_arn)) {
      return Match::kExact;
    }
  }
  for (const std::string& account : accounts_) {
    if (account == principal.account_id) {
      return principal.kind == Kind::kAccountRoot ? Match::kExact : Match::kAccount;
    }
  }
  return Match::kNo;
}

}  // namespace serval::iam
