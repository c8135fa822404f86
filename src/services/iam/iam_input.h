#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "iam/identity_store.h"
#include "iam/policy.h"
#include "protocol/query.h"
#include "protocol/xml.h"

namespace serval::iam_api {

// Reading IAM's request parameters as AWS checks them (botocore's constraints; failures are
// ValidationError "1 validation error detected: Value 'x' at 'roleName' failed to satisfy
// constraint: ..."), and writing its paginated lists. Thread-safe (pure functions).

// A string parameter's constraints: lengths and the pattern botocore's model gives, and a check
// of that pattern.
struct StringRule {
  size_t min_length;
  size_t max_length;
  std::string_view pattern;  // as the model spells it, for messages
  bool (*matches)(std::string_view value);
};

extern const StringRule kRoleName;      // roleNameType
extern const StringRule kUserName;      // userNameType / existingUserNameType
extern const StringRule kPolicyName;    // policyNameType
extern const StringRule kPath;          // pathType
extern const StringRule kPathPrefix;    // pathPrefixType
extern const StringRule kPolicyPath;    // policyPathType (CreatePolicy's Path, PathPrefix)
extern const StringRule kDescription;   // roleDescriptionType / policyDescriptionType
extern const StringRule kArn;           // arnType
extern const StringRule kVersionId;     // policyVersionIdType
extern const StringRule kAccessKeyId;   // accessKeyIdType

// The parameter, checked against `rule`; ValidationError "Member must not be null" if absent.
absl::StatusOr<std::string> RequiredString(const protocol::QueryRequest& request,
                                           std::string_view parameter, const StringRule& rule);
// The parameter checked, or nullopt when absent.
absl::StatusOr<std::optional<std::string>> OptionalString(const protocol::QueryRequest& request,
                                                          std::string_view parameter,
                                                          const StringRule& rule);
// An integer parameter within [min, max], or nullopt when absent.
absl::StatusOr<std::optional<int>> OptionalInt(const protocol::QueryRequest& request,
                                               std::string_view parameter, int min, int max);
// A boolean parameter ("true", any case); false when absent.
bool BoolParameter(const protocol::QueryRequest& request, std::string_view parameter);

// A policy document parameter, raw or URL-encoded, parsed as `kind`: MalformedPolicyDocument
// with the parser's message when it is not a valid policy.
absl::StatusOr<iam::PolicyDocument> RequiredDocument(const protocol::QueryRequest& request,
                                                     std::string_view parameter,
                                                     iam::PolicyKind kind);
// Tags.member.N.Key/Value: keys of 1 to 128 characters, values of at most 256, at most 50.
absl::StatusOr<iam::Tags> ReadTags(const protocol::QueryRequest& request);
// TagKeys.member.N.
std::vector<std::string> ReadTagKeys(const protocol::QueryRequest& request);
// `tags` merged into `into`, which may then hold at most 50 tags (LimitExceeded otherwise).
absl::Status MergeTags(const iam::Tags& tags, iam::Tags& into);

// One page of a list: Marker (the key of the last item of the previous page) and MaxItems
// (1 to 1000, default 100).
struct PageRequest {
  std::string marker;
  size_t max_items = 100;
};
absl::StatusOr<PageRequest> ReadPage(const protocol::QueryRequest& request);

// An item of a list with the key it sorts and pages by.
template <typename Item>
struct Keyed {
  std::string key;
  Item item;
};

// Writes <list_name><member>...</member>...</list_name><IsTruncated/> and <Marker/> when more
// follow: the items of `sorted` (ascending by key) after the page's marker, at most max_items.
template <typename Item>
void WritePage(protocol::XmlWriter& xml, std::string_view list_name,
               const std::vector<Keyed<Item>>& sorted, const PageRequest& page,
               const std::function<void(protocol::XmlWriter&, const Item&)>& write_member) {
  size_t begin = 0;
  if (!page.marker.empty()) {
    while (begin < sorted.size() && sorted[begin].key <= page.marker) ++begin;
  }
  const size_t end = std::min(sorted.size(), begin + page.max_items);
  xml.Open(list_name);
  for (size_t i = begin; i < end; ++i) {
    xml.Open("member");
    write_member(xml, sorted[i].item);
    xml.Close("member");
  }
  xml.Close(list_name);
  xml.Element("IsTruncated", end < sorted.size() ? "true" : "false");
  if (end < sorted.size()) xml.Element("Marker", sorted[end - 1].key);
}

}  // namespace serval::iam_api
