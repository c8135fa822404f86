#include "services/iam/iam_input.h"

#include <fmt/format.h>

#include <utility>

#include "common/percent_encoding.h"
#include "common/text.h"
#include "protocol/validation.h"
#include "services/iam/iam_errors.h"

namespace serval::iam_api {
namespace {

constexpr std::string_view kValidationCode = "ValidationError";

bool IsWordChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

bool AllOf(std::string_view value, bool (*allowed)(char)) {
  for (char c : value) {
    if (!allowed(c)) return false;
  }
  return true;
}

// [\w+=,.@-]+
bool IsName(std::string_view value) {
  return AllOf(value, [](char c) {
    return IsWordChar(c) || c == '+' || c == '=' || c == ',' || c == '.' || c == '@' || c == '-';
  });
}

bool IsPrintable(char c) { return c >= 0x21 && c <= 0x7e; }

// (\u002F)|(\u002F[\u0021-\u007E]+\u002F)
bool IsPath(std::string_view value) {
  return value == "/" || (value.size() > 2 && value.front() == '/' && value.back() == '/' &&
                          AllOf(value, &IsPrintable));
}

// \u002F[\u0021-\u007F]*
bool IsPathPrefix(std::string_view value) {
  return value.starts_with('/') && AllOf(value, [](char c) {
           const unsigned char byte = c;
           return byte >= 0x21 && byte <= 0x7f;
         });
}

// ((/[A-Za-z0-9\.,\+@=_-]+)*)/
bool IsPolicyPath(std::string_view value) {
  if (value == "/") return true;
  if (value.size() < 3 || !value.starts_with('/') || !value.ends_with('/')) return false;
  for (std::string_view segment : SplitOn(value.substr(1, value.size() - 2), '/')) {
    if (segment.empty() || !IsName(segment)) return false;
  }
  return true;
}

// [\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*: as bytes, controls other than tab, LF, CR.
bool IsText(std::string_view value) {
  return AllOf(value, [](char c) {
    const unsigned char byte = c;
    return byte == '\t' || byte == '\n' || byte == '\r' || (byte >= 0x20 && byte != 0x7f);
  });
}

bool IsAnything(std::string_view) { return true; }

// v[1-9][0-9]*(\.[A-Za-z0-9-]*)?
bool IsVersionId(std::string_view value) {
  if (value.size() < 2 || value[0] != 'v' || value[1] < '1' || value[1] > '9') return false;
  size_t i = 2;
  while (i < value.size() && value[i] >= '0' && value[i] <= '9') ++i;
  if (i == value.size()) return true;
  if (value[i] != '.') return false;
  return AllOf(value.substr(i + 1), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
  });
}

bool IsWord(std::string_view value) { return AllOf(value, &IsWordChar); }

// The member's name as the validation layer spells it: "RoleName" -> "roleName".
std::string MemberName(std::string_view parameter) {
  std::string member(parameter);
  if (!member.empty()) member[0] = AsciiLower(member[0]);
  return member;
}

absl::Status Check(std::string_view parameter, std::string_view value, const StringRule& rule) {
  protocol::ValidationErrors errors;
  const std::string member = MemberName(parameter);
  if (value.size() < rule.min_length) {
    errors.Add(value, member,
               fmt::format("Member must have length greater than or equal to {}", rule.min_length));
  }
  if (value.size() > rule.max_length) {
    errors.Add(value, member,
               fmt::format("Member must have length less than or equal to {}", rule.max_length));
  }
  if (!value.empty() && !rule.matches(value)) {
    errors.Add(value, member,
               "Member must satisfy regular expression pattern: " + std::string(rule.pattern));
  }
  return errors.ToStatus(kValidationCode);
}

}  // namespace

const StringRule kRoleName{1, 64, R"([\w+=,.@-]+)", &IsName};
const StringRule kUserName{1, 64, R"([\w+=,.@-]+)", &IsName};
const StringRule kPolicyName{1, 128, R"([\w+=,.@-]+)", &IsName};
const StringRule kPath{1, 512, R"((\u002F)|(\u002F[\u0021-\u007E]+\u002F))", &IsPath};
const StringRule kPathPrefix{1, 512, R"(\u002F[\u0021-\u007F]*)", &IsPathPrefix};
const StringRule kPolicyPath{1, 512, R"(((/[A-Za-z0-9\.,\+@=_-]+)*)/)", &IsPolicyPath};
const StringRule kDescription{0, 1000, R"([\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*)",
                              &IsText};
const StringRule kArn{20, 2048, "", &IsAnything};
const StringRule kVersionId{0, 128, R"(v[1-9][0-9]*(\.[A-Za-z0-9-]*)?)", &IsVersionId};
const StringRule kAccessKeyId{16, 128, R"([\w]+)", &IsWord};

absl::StatusOr<std::string> RequiredString(const protocol::QueryRequest& request,
                                           std::string_view parameter, const StringRule& rule) {
  absl::StatusOr<std::optional<std::string>> value = OptionalString(request, parameter, rule);
  if (!value.ok()) return value.status();
  if (!*value) {
    return protocol::ValidationErrors().AddMissing(MemberName(parameter)).ToStatus(kValidationCode);
  }
  return **std::move(value);
}

absl::StatusOr<std::optional<std::string>> OptionalString(const protocol::QueryRequest& request,
                                                          std::string_view parameter,
                                                          const StringRule& rule) {
  std::optional<std::string> value = request.Get(parameter);
  if (!value) return std::nullopt;
  if (absl::Status status = Check(parameter, *value, rule); !status.ok()) return status;
  return value;
}

absl::StatusOr<std::optional<int>> OptionalInt(const protocol::QueryRequest& request,
                                               std::string_view parameter, int min, int max) {
  std::optional<std::string> text = request.Get(parameter);
  if (!text) return std::nullopt;
  int value = 0;
  const std::string member = MemberName(parameter);
  if (text->size() > 9 || !ParseDigits(*text, &value)) {
    return InvalidInput("Invalid value for parameter " + member + ": " + *text);
  }
  protocol::ValidationErrors errors;
  if (value < min) {
    errors.Add(*text, member, fmt::format("Member must have value greater than or equal to {}", min));
  }
  if (value > max) {
    errors.Add(*text, member, fmt::format("Member must have value less than or equal to {}", max));
  }
  if (!errors.empty()) return errors.ToStatus(kValidationCode);
  return value;
}

bool BoolParameter(const protocol::QueryRequest& request, std::string_view parameter) {
  return EqualsIgnoreCase(request.Get(parameter).value_or(""), "true");
}

absl::StatusOr<iam::PolicyDocument> RequiredDocument(const protocol::QueryRequest& request,
                                                     std::string_view parameter,
                                                     iam::PolicyKind kind) {
  static const StringRule kDocument{
      1, 131072, R"([\u0009\u000A\u000D\u0020-\u00FF]+)", &IsText};
  absl::StatusOr<std::string> text = RequiredString(request, parameter, kDocument);
  if (!text.ok()) return text.status();
  // A URL-encoded document ("%7B%22Version%22...") is what AWS itself answers with; clients
  // that echo one back are served as AWS serves them.
  if (StartsWithIgnoreCase(TrimBlanks(*text), "%7B")) *text = PercentDecode(*text);
  absl::StatusOr<iam::PolicyDocument> document = iam::ParsePolicy(*text, kind);
  if (!document.ok()) return MalformedPolicyDocument(std::string(document.status().message()));
  return document;
}

absl::StatusOr<iam::Tags> ReadTags(const protocol::QueryRequest& request) {
  iam::Tags tags;
  const auto members = protocol::QueryMembers(request.parameters, "Tags.member");
  if (members.size() > 50) {
    return protocol::ValidationErrors()
        .Add(std::nullopt, "tags", "Member must have length less than or equal to 50")
        .ToStatus(kValidationCode);
  }
  for (const auto& [index, fields] : members) {
    auto key = fields.find("Key");
    auto value = fields.find("Value");
    const std::string prefix = fmt::format("tags.{}.member.", index);
    if (key == fields.end()) {
      return protocol::ValidationErrors().AddMissing(prefix + "key").ToStatus(kValidationCode);
    }
    const std::string tag_value = value == fields.end() ? "" : value->second;
    protocol::ValidationErrors errors;
    if (key->second.empty() || key->second.size() > 128) {
      errors.Add(key->second, prefix + "key",
                 key->second.empty() ? "Member must have length greater than or equal to 1"
                                     : "Member must have length less than or equal to 128");
    }
    if (tag_value.size() > 256) {
      errors.Add(tag_value, prefix + "value",
                 "Member must have length less than or equal to 256");
    }
    if (!errors.empty()) return errors.ToStatus(kValidationCode);
    if (tags.contains(key->second)) {
      return InvalidInput("Duplicate tag keys found. Please note that Tag keys are "
                          "case insensitive.");
    }
    tags[key->second] = tag_value;
  }
  return tags;
}

std::vector<std::string> ReadTagKeys(const protocol::QueryRequest& request) {
  std::vector<std::string> keys;
  for (const auto& [index, fields] : protocol::QueryMembers(request.parameters, "TagKeys.member")) {
    if (auto key = fields.find(""); key != fields.end()) keys.push_back(key->second);
  }
  return keys;
}

absl::Status MergeTags(const iam::Tags& tags, iam::Tags& into) {
  iam::Tags merged = into;
  for (const auto& [key, value] : tags) merged[key] = value;
  if (merged.size() > 50) {
    return LimitExceeded("The number of tags has reached the maximum limit.");
  }
  into = std::move(merged);
  return absl::OkStatus();
}

absl::StatusOr<PageRequest> ReadPage(const protocol::QueryRequest& request) {
  static const StringRule kMarker{1, 320, R"([\u0020-\u00FF]+)", &IsText};
  PageRequest page;
  absl::StatusOr<std::optional<std::string>> marker = OptionalString(request, "Marker", kMarker);
  if (!marker.ok()) return marker.status();
  page.marker = marker->value_or("");
  absl::StatusOr<std::optional<int>> max_items = OptionalInt(request, "MaxItems", 1, 1000);
  if (!max_items.ok()) return max_items.status();
  if (*max_items) page.max_items = static_cast<size_t>(**max_items);
  return page;
}

}  // namespace serval::iam_api
