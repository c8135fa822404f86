#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "common/clock.h"
#include "common/worker.h"
#include "http/message.h"
#include "http/server.h"
#include "http/sigv4.h"
#include "services/service.h"

namespace serval::server {

// The one entry point of the edge port. Finds the front end of each request from a table built
// from the services' ServiceInfo — the services of the credential scope's signing name first,
// then all; within them X-Amz-Target, then the longest Host suffix, then the longest path prefix
// (docs/architecture.md) — and authenticates it as the service's Access says:
// a SigV4 signature scoped to Serval's region and the service's signing name (unless
// `credentials` is null: --no-auth), anonymous access only where the service allows it. What the
// headers show wrong is refused before the body is read (ScreenHeader); the rest once it has
// been, before the service sees the request. Every refusal is written in the addressed service's
// protocol. Runs only on the io thread.
class EdgeRouter {
 public:
  struct Options {
    const http::CredentialStore* credentials = nullptr;  // null: --no-auth
    const Clock* signature_clock = nullptr;  // judges signature timestamps: always real time
    std::string region;                      // the one region credential scopes may name
    std::string account_id;                  // the account verified callers act in
    size_t body_limit = 0;                   // named in the 413 answer
    // Runs a closure on the io thread. When set, the signature of a large body (whose SHA-256
    // takes milliseconds) is checked on the router's worker and the request continues on the io
    // thread; when null, every signature is checked inline.
    std::function<void(std::function<void()>)> post_to_io;
  };

  // `services` outlive the router; their routes must not overlap.
  EdgeRouter(std::vector<services::Service*> services, Options options);

  // http::ServerOptions::screen_header: refuses, from the request line and headers, a request
  // that needs a signature and cannot have a valid one; when the headers alone prove the
  // signature, leaves the caller on the request (Request::screened_caller) for Handle.
  std::optional<http::Response> ScreenHeader(http::Request& headers) const;
  // http::ServerOptions::stream_request_body: whether the addressed service streams this body.
  bool StreamsBody(const http::Request& headers) const;
  void Handle(http::Request&& request, http::Responder respond);
  // http::ServerOptions::refusal_response: the HTTP server's own refusals, made before any
  // service is known, in the JSON shape.
  static http::Response RefusalResponse(http::Refusal refusal);

  // The front end of a request (from its line and headers), or null when none claims it.
  services::Service* RouteOf(const http::Request& headers) const;
  // Verified calls made with execution environments' temporary keys, by function ARN: which
  // function called Serval, and how often.
  const std::map<std::string, uint64_t>& calls_by_function() const { return calls_by_function_; }

 private:
  // The signature checks for `service`; nullopt when the request goes unauthenticated (an open
  // service, --no-auth).
  std::optional<http::SigV4Options> SignatureRule(const services::Service* service,
                                                  const http::Request& headers) const;
  // `status` (an authentication failure, or a request no service claims) in the protocol of
  // `service` for `headers` (JSON when there is none).
  http::Response Refuse(const services::Service* service, const http::Request& headers,
                        const absl::Status& status, std::string_view request_id) const;
  // Hands an authenticated request (`caller` null: unauthenticated) to `service`.
  void Dispatch(services::Service* service, protocol::RequestContext context,
                const http::VerifiedCaller* caller, http::Responder respond);
  // A request whose body is still to be read (Request::body_source): its signature is verified
  // over the payload hash it declares, and the body source is wrapped so that the body is held
  // to that hash, or decoded from aws-chunked with every chunk signature checked, as it streams.
  void HandleStreamed(services::Service* service, protocol::RequestContext context,
                      const std::optional<http::SigV4Options>& rule, http::Responder respond);
  // VerifySigV4 of a large request on signature_worker_, then Dispatch on the io thread.
  void VerifyOffThread(services::Service* service, protocol::RequestContext context,
                       http::SigV4Options rule, http::Responder respond);
  // For a request that may use Basic auth (Access::kSignedOrBasic) and does: the caller it
  // verified, or why it is refused; nullopt for every other request.
  std::optional<absl::StatusOr<http::VerifiedCaller>> BasicCaller(
      const services::Service* service, const http::Request& headers) const;
  // Whether `headers` are signed with S3's SigV2 (header or presigned form) for S3.
  static bool IsSigV2(const services::Service* service, const http::Request& headers);
  // VerifySigV2 of `request` for `service`, with the bucket its Host addresses.
  absl::Status VerifySigV2(const services::Service& service, const http::Request& request,
                           int64_t now_millis, http::VerifiedCaller* caller) const;
  // The first of `candidates` whose target prefix, path prefix or host suffix matches, in that
  // order of precedence.
  services::Service* Match(const std::vector<services::Service*>& candidates,
                           const http::Request& headers) const;

  std::vector<services::Service*> services_;
  std::vector<services::Service*> open_services_;  // never signed: matched by path first
  absl::flat_hash_map<std::string, std::vector<services::Service*>> by_signing_name_;
  Options options_;
  std::map<std::string, uint64_t> calls_by_function_;
  // Last: joined before what their jobs use goes. Signatures of large buffered requests (an
  // Invoke payload of 256 KB or more waits for one) at normal priority; the SHA-256 of streamed
  // bodies (gigabytes) at bulk priority, behind the invocations.
  Worker signature_worker_{"edge-sigv4"};
  Worker body_hash_worker_{"edge-body-hash", Worker::Priority::kBulk};
};

}  // namespace serval::server
