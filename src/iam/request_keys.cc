#include "iam/request_keys.h"

#include <charconv>

#include "absl/time/time.h"
#include "common/text.h"

namespace serval::iam {
namespace {

std::string_view PrincipalType(Principal::Kind kind) {
  switch (kind) {
    case Principal::Kind::kAccountRoot:
      return "Account";
    case Principal::Kind::kUser:
      return "User";
    case Principal::Kind::kAssumedRole:
      return "AssumedRole";
    case Principal::Kind::kAnonymous:
      return "Anonymous";
    case Principal::Kind::kService:
      break;
  }
  return "";
}

}  // namespace

KeyValues RequestKeys::Derived(std::string_view key) const {
  if (!key.starts_with("aws:")) return KeyValues();
  const std::string_view name = key.substr(4);
  if (name == "currenttime") {
    if (current_time_[0] == '\0') {
      const std::string text = absl::FormatTime(
          "%Y-%m-%dT%H:%M:%SZ", absl::FromUnixMillis(query_.now_millis), absl::UTCTimeZone());
      text.copy(current_time_, sizeof(current_time_) - 1);
    }
    return KeyValues(std::string_view(current_time_)).WithTime(query_.now_millis);
  }
  if (name == "epochtime") {
    if (epoch_time_[0] == '\0') {
      std::to_chars(epoch_time_, epoch_time_ + sizeof(epoch_time_) - 1, query_.now_millis / 1000);
    }
    return KeyValues(std::string_view(epoch_time_)).WithTime(query_.now_millis);
  }
  if (name == "sourceip") {
    return query_.source_ip.empty() ? KeyValues() : KeyValues(query_.source_ip);
  }
  const Principal* principal = query_.principal;
  if (principal == nullptr) return KeyValues();
  using Kind = Principal::Kind;
  const bool has_identity =
      principal->kind != Kind::kService && principal->kind != Kind::kAnonymous;
  if (name == "principaltype") {
    const std::string_view type = PrincipalType(principal->kind);
    return type.empty() ? KeyValues() : KeyValues(type);
  }
  if (name == "principalservicename") {
    return principal->kind == Kind::kService ? KeyValues(principal->arn) : KeyValues();
  }
  if (!has_identity) return KeyValues();
  if (name == "principalarn") {
    return KeyValues(principal->kind == Kind::kAssumedRole ? std::string_view(principal->role_arn)
                                                           : std::string_view(principal->arn));
  }
  if (name == "principalaccount") return KeyValues(principal->account_id);
  if (name == "userid") {
    return principal->user_id.empty() ? KeyValues() : KeyValues(principal->user_id);
  }
  if (name == "username" && principal->kind == Kind::kUser) {
    const std::string_view arn = principal->arn;
    return KeyValues(arn.substr(arn.rfind('/') + 1));
  }
  return KeyValues();
}

KeyValues RequestKeys::Find(std::string_view key) const {
  if (KeyValues derived = Derived(key); derived.present()) return derived;
  for (const ContextValue& entry : query_.context) {
    if (!EqualsIgnoreCase(entry.key, key)) continue;
    return entry.values.empty() ? KeyValues::EmptyList() : KeyValues(std::span(entry.values));
  }
  // Unless a front end says otherwise: Serval's edge speaks plain HTTP, so no request arrives
  // over TLS (a policy denying aws:SecureTransport false denies every request, as AWS would deny
  // an http:// one).
  if (EqualsIgnoreCase(key, "aws:SecureTransport")) return KeyValues(std::string_view("false"));
  return KeyValues();
}

}  // namespace serval::iam
