#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "storage/metadata_store.h"

namespace serval::http {
class CredentialStore;
}  // namespace serval::http
namespace serval::iam {
class Authorizer;
}  // namespace serval::iam

namespace serval::sts {

// The temporary credentials STS has handed out (AssumeRole, GetSessionToken): persisted in the
// metadata table "sts.sessions" so that they outlive a restart until they expire, and kept in
// the edge's credential store while they are valid. Runs only on the io thread.
//
// An expired session stays known for a day, so that a client using it is told its token
// expired (and refreshes it) rather than that it is unknown; then it is forgotten.
class SessionStore {
 public:
  struct Session {
    std::string access_key;  // ASIA...
    std::string secret;
    std::string session_token;
    std::string principal_arn;  // arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION, or a user's
    int64_t expires_millis = 0;
    // AssumeRole's session policies: its Policy document as given (empty: none) and its
    // PolicyArns. The session may do only what they and its role's policies both allow.
    std::string session_policy;
    std::vector<std::string> session_policy_arns;
  };

  // Loads the sessions and registers the unexpired ones with `credentials` (null under
  // --no-auth: nothing is registered) and their session policies with `authorizer`.
  static absl::StatusOr<std::unique_ptr<SessionStore>> Open(storage::MetadataStore* metadata,
                                                            http::CredentialStore* credentials,
                                                            iam::Authorizer* authorizer,
                                                            int64_t now_millis);

  // A new session as `session` describes it (principal, expiry, session policies; a session
  // policy document must be valid already) with a random key, secret and token. `done` runs
  // once it is on disk (and registered), with the session or the error.
  void Create(Session session, int64_t now_millis,
              std::function<void(absl::StatusOr<Session>)> done);

  size_t size() const { return sessions_.size(); }

 private:
  SessionStore(storage::MetadataStore* metadata, http::CredentialStore* credentials,
               iam::Authorizer* authorizer)
      : metadata_(metadata), credentials_(credentials), authorizer_(authorizer) {}
  // Makes the edge accept the session's key and the authorizer apply its session policies.
  // Fails only for a stored session policy that no longer parses (a damaged record).
  absl::Status Register(const Session& session);
  // Forgets sessions that expired more than a day before `now_millis` (adds their deletion to
  // `batch`).
  void Prune(int64_t now_millis, storage::WriteBatch& batch);

  storage::MetadataStore* metadata_;
  http::CredentialStore* credentials_;
  iam::Authorizer* authorizer_;
  absl::flat_hash_map<std::string, Session> sessions_;
};

}  // namespace serval::sts
