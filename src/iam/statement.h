#pragma once

#include <optional>
#include <string>
#include <vector>

#include "iam/condition.h"
#include "iam/pattern.h"
#include "iam/principal_set.h"

namespace serval::iam {

// One policy statement, compiled by ParsePolicy. Thread-compatible value.
struct Statement {
  std::string sid;
  bool allow = false;  // Effect: Allow (else Deny)
  // Action or NotAction: lower-case patterns with wildcards, matched case-insensitively.
  bool not_action = false;
  std::vector<Pattern> actions;
  // Resource or NotResource (empty and unchecked in trust policies): case-sensitive patterns,
  // ARN segment by segment, with policy variables when the Version allows them.
  bool not_resource = false;
  std::vector<Pattern> resources;
  // Principal or NotPrincipal (absent in identity policies).
  bool not_principal = false;
  std::optional<PrincipalSet> principals;
  std::vector<Condition> conditions;  // AND'd
};

}  // namespace serval::iam
