#include "services/sts/session_store.h"

#include <boost/json.hpp>
#include <utility>

#include "absl/strings/ascii.h"
#include "common/crypto.h"
#include "common/ids.h"
#include "common/json_fields.h"
#include "http/credential_store.h"
#include "iam/authorizer.h"
#include "iam/policy.h"

namespace serval::sts {
namespace {

namespace json = boost::json;

constexpr std::string_view kTable = "sts.sessions";
constexpr int64_t kForgetAfterMillis = 24 * 3600 * 1000;

std::string Serialize(const SessionStore::Session& session) {
  json::object record{{"secret", session.secret},
                      {"token", session.session_token},
                      {"principal", session.principal_arn},
                      {"expires", session.expires_millis}};
  if (!session.session_policy.empty()) record["policy"] = session.session_policy;
  if (!session.session_policy_arns.empty()) {
    json::array arns;
    for (const std::string& arn : session.session_policy_arns) arns.emplace_back(arn);
    record["policy_arns"] = std::move(arns);
  }
  return json::serialize(record);
}

absl::StatusOr<SessionStore::Session> Parse(std::string key, std::string_view value) {
  absl::StatusOr<json::object> record = ParseStoredObject(value);
  if (!record.ok()) return record.status();
  SessionStore::Session session{.access_key = std::move(key),
                                .secret = StringMember(*record, "secret"),
                                .session_token = StringMember(*record, "token"),
                                .principal_arn = StringMember(*record, "principal"),
                                .expires_millis = IntMember(*record, "expires", 0),
                                .session_policy = StringMember(*record, "policy")};
  if (const json::value* arns = record->if_contains("policy_arns"); arns && arns->is_array()) {
    for (const json::value& arn : arns->get_array()) {
      if (arn.is_string()) session.session_policy_arns.emplace_back(arn.get_string());
    }
  }
  return session;
}

}  // namespace

absl::StatusOr<std::unique_ptr<SessionStore>> SessionStore::Open(
    storage::MetadataStore* metadata, http::CredentialStore* credentials,
    iam::Authorizer* authorizer, int64_t now_millis) {
  std::unique_ptr<SessionStore> store(new SessionStore(metadata, credentials, authorizer));
  absl::StatusOr<std::vector<storage::Record>> records = metadata->Scan(kTable, {});
  if (!records.ok()) return records.status();
  for (storage::Record& record : *records) {
    absl::StatusOr<Session> session = Parse(std::move(record.key), record.value);
    if (!session.ok()) return session.status();
    if (absl::Status registered = store->Register(*session); !registered.ok()) return registered;
    store->sessions_.emplace(session->access_key, *std::move(session));
  }
  storage::WriteBatch forgotten;
  store->Prune(now_millis, forgotten);
  if (!forgotten.ops().empty()) {
    if (absl::Status written = metadata->Write(forgotten); !written.ok()) return written;
  }
  return store;
}

absl::Status SessionStore::Register(const Session& session) {
  if (credentials_ == nullptr) return absl::OkStatus();
  if (authorizer_ != nullptr &&
      (!session.session_policy.empty() || !session.session_policy_arns.empty())) {
    std::optional<iam::PolicyDocument> inline_policy;
    if (!session.session_policy.empty()) {
      absl::StatusOr<iam::PolicyDocument> parsed =
          iam::ParsePolicy(session.session_policy, iam::PolicyKind::kIdentity);
      if (!parsed.ok()) return parsed.status();
      inline_policy = *std::move(parsed);
    }
    authorizer_->SetSessionPolicies(session.access_key, std::move(inline_policy),
                                    session.session_policy_arns);
  }
  credentials_->AddIdentity(session.access_key, {.secret = session.secret,
                                                 .session_token = session.session_token,
                                                 .principal_arn = session.principal_arn,
                                                 .expires_millis = session.expires_millis});
  return absl::OkStatus();
}

void SessionStore::Prune(int64_t now_millis, storage::WriteBatch& batch) {
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    if (it->second.expires_millis + kForgetAfterMillis > now_millis) {
      ++it;
      continue;
    }
    if (credentials_) credentials_->Remove(it->first);
    if (authorizer_) authorizer_->ForgetSession(it->first);
    batch.Delete(std::string(kTable), it->first);
    sessions_.erase(it++);
  }
}

void SessionStore::Create(Session session, int64_t now_millis,
                          std::function<void(absl::StatusOr<Session>)> done) {
  session.access_key = "ASIA" + absl::AsciiStrToUpper(RandomHex(8));
  session.secret = Base64Encode(RandomHex(20)).substr(0, 40);
  session.session_token = Base64Encode(RandomHex(96));
  storage::WriteBatch batch;
  Prune(now_millis, batch);
  batch.Put(std::string(kTable), session.access_key, Serialize(session));
  metadata_->WriteAsync(std::move(batch), [this, session = std::move(session),
                                           done = std::move(done)](absl::Status written) mutable {
    if (!written.ok()) return done(written);
    if (absl::Status registered = Register(session); !registered.ok()) return done(registered);
    sessions_.emplace(session.access_key, session);
    done(std::move(session));
  });
}

}  // namespace serval::sts
