#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace serval::iam {

// The IAM policy language (version 2012-10-17 and 2008-10-17): documents parsed and validated once,
// then evaluated many times. docs/iam.md describes what is supported. Everything here is a pure
// value or function: thread-safe.

// Where a document is used decides what it may contain, as AWS validates it:
//  - kIdentity: attached to a role or user; no Principal/NotPrincipal, Resource or NotResource
//    required on every statement;
//  - kResource: a bucket, topic or function policy; Principal or NotPrincipal required;
//  - kTrust: a role's AssumeRolePolicyDocument; Principal required, no Resource/NotResource, and
//    actions are sts:AssumeRole* (AWS: "Has prohibited field Resource").
enum class PolicyKind { kIdentity, kResource, kTrust };

// One statement, compiled. Patterns keep their wildcards ('*' any run, '?' one character) and
// are matched case-insensitively for actions, case-sensitively for resources (as AWS does).
struct Statement;

// A parsed policy document. Cheap to copy (shares its statements).
class PolicyDocument {
 public:
  PolicyDocument();
  const std::vector<Statement>& statements() const { return *statements_; }
  // The document as given, for Get*Policy answers.
  const std::string& text() const { return *text_; }

 private:
  friend absl::StatusOr<PolicyDocument> ParsePolicy(std::string_view text, PolicyKind kind);
  std::shared_ptr<const std::vector<Statement>> statements_;
  std::shared_ptr<const std::string> text_;
};

// AWS's MalformedPolicyDocument messages that other parts of Serval recognize.
inline constexpr std::string_view kSyntaxErrors = "Syntax errors in policy.";
inline constexpr std::string_view kLegacyParsingFailed = "The policy failed legacy parsing";

// Parses and validates `text` as a document of `kind`. Failures are InvalidArgument with AWS
// IAM's MalformedPolicyDocument message ("Syntax errors in policy.", "Policy document should not
// specify a principal.", "Missing required field Resource", "Actions/Conditions must be prefaced
// by a vendor, e.g., iam, sdb, ec2, etc.", "Has prohibited field Resource", ...) and no AWS error
// code attached: each front end names the error its own way (IAM's MalformedPolicyDocument,
// S3's MalformedPolicy, SNS's InvalidParameter).
absl::StatusOr<PolicyDocument> ParsePolicy(std::string_view text, PolicyKind kind);

// The characters of `text` that are not whitespace (space, tab, CR, LF): what AWS counts against
// a managed policy's 6,144-character limit (an inline role policy's 10,240 counts them too).
size_t NonWhitespaceLength(std::string_view text);

}  // namespace serval::iam
