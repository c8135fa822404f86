#include "services/sts/session_store.h"

#include <boost/json.hpp>
#include <utility>

#include "absl/strings/ascii.h"
#include "common/crypto.h"
#include "common/ids.h"
#include "common/json_fields.h"
#include "http/credential_store.h"

namespace serval::sts {
namespace {

namespace json = boost::json;

constexpr std::string_view kTable = "sts.sessions";
constexpr int64_t kForgetAfterMillis = 24 * 3600 * 1000;

std::string Serialize(const SessionStore::Session& session) {
  return json::serialize(json::object{{"secret", session.secret},
                                      {"token", session.session_token},
                                      {"principal", session.principal_arn},
                                      {"expires", session.expires_millis}});
}

absl::StatusOr<SessionStore::Session> Parse(std::string key, std::string_view value) {
  absl::StatusOr<json::object> record = ParseStoredObject(value);
  if (!record.ok()) return record.status();
  return SessionStore::Session{.access_key = std::move(key),
                               .secret = StringMember(*record, "secret"),
                               .session_token = StringMember(*record, "token"),
                               .principal_arn = StringMember(*record, "principal"),
                               .expires_millis = IntMember(*record, "expires", 0)};
}

}  // namespace

absl::StatusOr<std::unique_ptr<SessionStore>> SessionStore::Open(
    storage::MetadataStore* metadata, http::CredentialStore* credentials, int64_t now_millis) {
  std::unique_ptr<SessionStore> store(new SessionStore(metadata, credentials));
  absl::StatusOr<std::vector<storage::Record>> records = metadata->Scan(kTable, {});
  if (!records.ok()) return records.status();
  for (storage::Record& record : *records) {
    absl::StatusOr<Session> session = Parse(std::move(record.key), record.value);
    if (!session.ok()) return session.status();
    store->Register(*session);
    store->sessions_.emplace(session->access_key, *std::move(session));
  }
  storage::WriteBatch forgotten;
  store->Prune(now_millis, forgotten);
  if (!forgotten.ops().empty()) {
    if (absl::Status written = metadata->Write(forgotten); !written.ok()) return written;
  }
  return store;
}

void SessionStore::Register(const Session& session) {
  if (credentials_ == nullptr) return;
  credentials_->AddIdentity(session.access_key, {.secret = session.secret,
                                                 .session_token = session.session_token,
                                                 .principal_arn = session.principal_arn,
                                                 .expires_millis = session.expires_millis});
}

void SessionStore::Prune(int64_t now_millis, storage::WriteBatch& batch) {
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    if (it->second.expires_millis + kForgetAfterMillis > now_millis) {
      ++it;
      continue;
    }
    if (credentials_) credentials_->Remove(it->first);
    batch.Delete(std::string(kTable), it->first);
    sessions_.erase(it++);
  }
}

void SessionStore::Create(std::string principal_arn, int64_t expires_millis, int64_t now_millis,
                          std::function<void(absl::StatusOr<Session>)> done) {
  Session session{.access_key = "ASIA" + absl::AsciiStrToUpper(RandomHex(8)),
                  .secret = Base64Encode(RandomHex(20)).substr(0, 40),
                  .session_token = Base64Encode(RandomHex(96)),
                  .principal_arn = std::move(principal_arn),
                  .expires_millis = expires_millis};
  storage::WriteBatch batch;
  Prune(now_millis, batch);
  batch.Put(std::string(kTable), session.access_key, Serialize(session));
  metadata_->WriteAsync(std::move(batch), [this, session = std::move(session),
                                           done = std::move(done)](absl::Status written) mutable {
    if (!written.ok()) return done(written);
    Register(session);
    sessions_.emplace(session.access_key, session);
    done(std::move(session));
  });
}

}  // namespace serval::sts
