#include "server/edge_router.h"

#include "common/aws_error.h"
#include "common/ids.h"
#include "common/text.h"
#include "http/aws_chunked.h"
#include "http/basic_auth.h"
#include "http/sigv2.h"
#include "protocol/protocol.h"

namespace serval::server {
namespace {

// Requests no service claims, and refusals made before routing, are answered in JSON, unless
// they are query-protocol calls (see IsQueryProtocolCall).
constexpr protocol::Protocol kFallbackProtocol = protocol::Protocol::kRestJson1;
// Bodies at least this large have their signature (their SHA-256) checked off the io thread.
constexpr size_t kOffThreadSignatureBytes = 256 * 1024;

std::string_view HostWithoutPort(std::string_view host) {
  if (host.starts_with('[')) return host.substr(0, host.find(']') + 1);  // [::1]:4566
  return host.substr(0, host.rfind(':'));
}

// Whether `path` starts with `prefix`, where a "*" segment of the prefix stands for any one
// non-empty segment ("/restapis/*/*/_user_request_/") and a final "$" demands that the path end
// there ("/metrics$").
bool PathHasPrefix(std::string_view path, std::string_view prefix) {
  const bool whole = prefix.ends_with('$');
  if (whole) prefix.remove_suffix(1);
  while (!prefix.empty()) {
    if (prefix.starts_with('*')) {
      const size_t segment = path.find('/');
      if (segment == 0 || path.empty()) return false;
      path.remove_prefix(segment == std::string_view::npos ? path.size() : segment);
      prefix.remove_prefix(1);
      continue;
    }
    const size_t literal = std::min(prefix.find('*'), prefix.size());
    if (!path.starts_with(prefix.substr(0, literal))) return false;
    path.remove_prefix(literal);
    prefix.remove_prefix(literal);
  }
  return !whole || path.empty();
}

// How many pieces the hashing of a streamed body may trail its consumer by (256 KB each): the
// consumer (S3 writing the blob) and the hash run side by side, and no more than this is queued.
constexpr int kHashLagPieces = 4;

// `source` held to the SHA-256 its signature declared: the piece marked last becomes the
// mismatch error instead, so a consumer never completes a body that was not the one signed. The
// hash runs on `worker` (a gigabyte's SHA-256 is seconds of CPU the io thread must not spend)
// through `post_to_io`, at most kHashLagPieces behind the consumer; the last piece is handed over
// once every piece is hashed. Without `post_to_io` (unit tests) it hashes on the io thread.
http::BodySource HashCheckedBody(http::BodySource source, std::string_view declared_hex,
                                 Worker& worker,
                                 const std::function<void(std::function<void()>)>& post_to_io) {
  struct Hashing {
    explicit Hashing(std::string_view declared) : check(declared) {}
    http::PayloadHashCheck check;  // the worker's (or the io thread's, hashing inline)
    // The rest is the io thread's.
    int queued = 0;        // pieces handed to the worker and not hashed yet
    absl::Status verdict;  // the whole body against the declared hash, once hashed
    bool all_hashed = false;
    std::function<void()> resume;  // a piece's hand-over, waiting for the hash to catch up
    bool resume_is_last = false;   // ... which, for the last piece, is all of it
  };
  auto hashing = std::make_shared<Hashing>(declared_hex);
  return
      [source = std::move(source), hashing, &worker, post_to_io](http::BodyChunkCallback callback) {
        source([hashing, &worker, post_to_io,
                callback = std::move(callback)](absl::StatusOr<http::BodyChunk> chunk) mutable {
          if (!chunk.ok()) return callback(std::move(chunk));
          const bool last = chunk->last;
          if (!post_to_io) {
            hashing->check.Update(chunk->data);
            if (last) {
              if (absl::Status matches = hashing->check.Finish(); !matches.ok())
                return callback(matches);
            }
            return callback(std::move(chunk));
          }
          ++hashing->queued;
          worker.Post([hashing, post_to_io, piece = chunk->data, last] {
            hashing->check.Update(piece);
            absl::Status matches = last ? hashing->check.Finish() : absl::OkStatus();
            post_to_io([hashing, last, matches = std::move(matches)] {
              --hashing->queued;
              if (last) {
                hashing->verdict = matches;
                hashing->all_hashed = true;
              }
              const bool caught_up =
                  hashing->resume_is_last ? hashing->all_hashed : hashing->queued <= kHashLagPieces;
              if (hashing->resume && caught_up) std::exchange(hashing->resume, nullptr)();
            });
          });
          auto hand_over = [hashing, callback = std::move(callback),
                            chunk = *std::move(chunk)]() mutable {
            if (chunk.last && !hashing->verdict.ok()) return callback(hashing->verdict);
            callback(std::move(chunk));
          };
          if (!last && hashing->queued <= kHashLagPieces) return hand_over();
          hashing->resume = std::move(hand_over);
          hashing->resume_is_last = last;
        });
      };
}

// Whether an unauthenticated request (--no-auth) still frames its body in aws-chunked.
bool IsAwsChunked(const http::Request& headers) {
  return headers.Header("x-amz-content-sha256").starts_with("STREAMING-") ||
         EqualsIgnoreCase(headers.Header("Content-Encoding"), "aws-chunked");
}

// A query-protocol call (SNS, IAM, STS, RDS, EC2, CloudWatch): a form-encoded POST, or a GET
// with an Action, to "/". Only its signature's credential scope names the service; S3, whose
// path-style routes include "/", has no operation of that shape.
bool IsQueryProtocolCall(const http::Request& headers) {
  if (headers.RawPath() != "/") return false;
  if (headers.method == "POST") {
    return StartsWithIgnoreCase(headers.Header("Content-Type"),
                                "application/x-www-form-urlencoded");
  }
  return headers.method == "GET" && headers.QueryParam("Action").has_value();
}

// The protocol of the refusal for a request no service claims.
protocol::Protocol FallbackProtocolFor(const http::Request& headers) {
  return IsQueryProtocolCall(headers) ? protocol::Protocol::kQuery : kFallbackProtocol;
}

}  // namespace

EdgeRouter::EdgeRouter(std::vector<services::Service*> services, Options options)
    : services_(std::move(services)), options_(std::move(options)) {
  for (services::Service* service : services_) {
    const std::string_view signing_name = service->info().signing_name;
    if (signing_name.empty()) {
      open_services_.push_back(service);
    } else {
      by_signing_name_[std::string(signing_name)].push_back(service);
    }
  }
}

services::Service* EdgeRouter::Match(const std::vector<services::Service*>& candidates,
                                     const http::Request& headers) const {
  if (const std::string_view target = headers.Header("X-Amz-Target"); !target.empty()) {
    for (services::Service* service : candidates) {
      for (std::string_view prefix : service->info().target_prefixes) {
        if (target.starts_with(prefix)) return service;
      }
    }
  }
  // A host names its front end more surely than a path does (an S3 key or an API Gateway route
  // may look like any service's path), and the longest suffix wins: "a.execute-api.localhost"
  // is API Gateway's although S3 serves "BUCKET.localhost".
  const std::string_view host = HostWithoutPort(headers.Header("Host"));
  services::Service* by_host = nullptr;
  size_t longest = 0;
  for (services::Service* service : candidates) {
    for (std::string_view suffix : service->info().host_suffixes) {
      if (suffix.size() > longest && host.ends_with(suffix)) {
        by_host = service;
        longest = suffix.size();
      }
    }
  }
  if (by_host) return by_host;
  if (IsQueryProtocolCall(headers)) return nullptr;
  // The longest matching path prefix wins, so that no service's routes depend on list order.
  const std::string_view path = headers.RawPath();
  services::Service* by_path = nullptr;
  longest = 0;
  for (services::Service* service : candidates) {
    for (std::string_view prefix : service->info().path_prefixes) {
      if (prefix.size() > longest && PathHasPrefix(path, prefix)) {
        by_path = service;
        longest = prefix.size();
      }
    }
  }
  return by_path;
}

services::Service* EdgeRouter::RouteOf(const http::Request& headers) const {
  if (services::Service* open = Match(open_services_, headers)) return open;
  // A signed request says which service it is for, so that service is asked first: an S3
  // bucket named "2015-03-31" is still S3. When it does not claim the request, the request is
  // routed as if unsigned, and the signature check then names the service it should have been
  // scoped to.
  if (const std::string signing_name = http::PeekSigningService(headers); !signing_name.empty()) {
    auto signed_for = by_signing_name_.find(signing_name);
    if (signed_for != by_signing_name_.end()) {
      if (services::Service* service = Match(signed_for->second, headers)) return service;
      for (services::Service* service : signed_for->second) {
        if (service->info().claims_signed_requests) return service;
      }
    }
  }
  return Match(services_, headers);
}

std::optional<http::SigV4Options> EdgeRouter::SignatureRule(const services::Service* service,
                                                            const http::Request& headers) const {
  if (options_.credentials == nullptr) return std::nullopt;
  // A request no service claims must still carry a valid signature (for any service) before it
  // learns that.
  if (service == nullptr) return http::SigV4Options{.region = options_.region};
  switch (service->AccessFor(headers)) {
    case services::Access::kOpen:
      return std::nullopt;
    case services::Access::kAnonymousAllowed:
      if (headers.Header("Authorization").empty() && !headers.QueryParam("X-Amz-Signature") &&
          !http::HasSigV2(headers)) {
        return std::nullopt;
      }
      // A browser's CORS preflight never carries credentials but keeps the URL's query: a
      // presigned URL's signature, made for the method the preflight asks about. It is answered
      // as the anonymous request it is.
      if (headers.method == "OPTIONS" && headers.HasHeader("Origin") &&
          headers.HasHeader("Access-Control-Request-Method") &&
          headers.Header("Authorization").empty()) {
        return std::nullopt;
      }
      break;
    case services::Access::kAnonymousUnlessSigV4:
      if (!headers.Header("Authorization").starts_with("AWS4-HMAC-SHA256") &&
          !headers.QueryParam("X-Amz-Signature")) {
        return std::nullopt;
      }
      break;
    case services::Access::kSignedOrBasic:
      if (http::HasBasicAuth(headers)) return std::nullopt;  // BasicCaller checks it
      break;
    case services::Access::kSigned:
      break;
  }
  const std::string_view fixed_region = service->info().signing_region;
  return http::SigV4Options{
      .region = fixed_region.empty() ? std::string_view(options_.region) : fixed_region,
      .service = service->info().signing_name};
}

http::Response EdgeRouter::Refuse(const services::Service* service, const http::Request& headers,
                                  const absl::Status& status, std::string_view request_id) const {
  return protocol::ErrorResponse(
      service ? service->ProtocolFor(headers) : FallbackProtocolFor(headers), status, request_id);
}

std::optional<absl::StatusOr<http::VerifiedCaller>> EdgeRouter::BasicCaller(
    const services::Service* service, const http::Request& headers) const {
  if (options_.credentials == nullptr || service == nullptr ||
      service->AccessFor(headers) != services::Access::kSignedOrBasic ||
      !http::HasBasicAuth(headers)) {
    return std::nullopt;
  }
  http::VerifiedCaller caller;
  if (absl::Status status = http::VerifyBasicAuth(headers, *options_.credentials, &caller);
      !status.ok()) {
    return status;
  }
  return caller;
}

std::optional<http::Response> EdgeRouter::ScreenHeader(http::Request& headers) const {
  const services::Service* service = RouteOf(headers);
  if (auto basic = BasicCaller(service, headers); basic && !basic->ok()) {
    return Refuse(service, headers, basic->status(), NewUuid());
  }
  const std::optional<http::SigV4Options> rule = SignatureRule(service, headers);
  if (!rule.has_value()) return std::nullopt;
  const int64_t now = options_.signature_clock->NowMillis();
  // SigV2 (S3 only) covers no body: what the headers show is the whole check.
  std::optional<http::VerifiedCaller> verified;
  if (absl::Status status =
          IsSigV2(service, headers)
              ? VerifySigV2(*service, headers, now, nullptr)
              : http::ScreenSigV4(headers, *options_.credentials, now, *rule, &verified);
      !status.ok()) {
    if (service == nullptr && http::IsMissingAuthentication(status) &&
        IsQueryProtocolCall(headers)) {
      // The query services' own words for it.
      return Refuse(service, headers,
                    WithHttpStatus(AwsError(absl::StatusCode::kUnauthenticated,
                                            "MissingAuthenticationToken",
                                            "Request is missing Authentication Token"),
                                   403),
                    NewUuid());
    }
    return Refuse(service, headers, WithHttpStatus(status, http::SigV4HttpStatus(status)),
                  NewUuid());
  }
  if (verified) {
    headers.screened_caller = std::make_shared<const http::VerifiedCaller>(*std::move(verified));
  }
  return std::nullopt;
}

http::Response EdgeRouter::RefusalResponse(http::Refusal refusal) {
  auto refused = [](int status, std::string_view code, std::string_view message) {
    return protocol::ErrorResponse(
        kFallbackProtocol,
        WithHttpStatus(AwsError(absl::StatusCode::kInvalidArgument, code, message), status),
        NewUuid());
  };
  switch (refusal) {
    case http::Refusal::kMalformed:
      return refused(400, "BadRequestException", "The request is not valid HTTP/1.1.");
    case http::Refusal::kHeaderTooLarge:
      return refused(431, "RequestHeaderFieldsTooLargeException",
                     "The request headers are larger than 64 KB.");
    case http::Refusal::kOverloaded: {
      // Lambda's throttling answer, which the SDKs retry.
      http::Response response = refused(429, "TooManyRequestsException", "Rate Exceeded.");
      response.SetHeader("Retry-After", "1");
      return response;
    }
  }
  return refused(400, "BadRequestException", "Refused.");
}

bool EdgeRouter::IsSigV2(const services::Service* service, const http::Request& headers) {
  return service != nullptr && service->info().signing_name == "s3" && http::HasSigV2(headers);
}

absl::Status EdgeRouter::VerifySigV2(const services::Service& service, const http::Request& request,
                                     int64_t now_millis, http::VerifiedCaller* caller) const {
  // Virtual-host addressed requests sign "/bucket/key" with the bucket from Host.
  const std::string bucket = service.HostAddressedBucket(request);
  return http::VerifySigV2(request, *options_.credentials, now_millis, caller,
                           {.virtual_host_bucket = bucket});
}

bool EdgeRouter::StreamsBody(const http::Request& headers) const {
  const services::Service* service = RouteOf(headers);
  return service != nullptr && service->StreamsBody(headers);
}

void EdgeRouter::Handle(http::Request&& request, http::Responder respond) {
  services::Service* service = RouteOf(request);
  protocol::RequestContext context{.request = std::move(request), .request_id = NewUuid()};
  // Refused before anything else: the body was not read, so neither its signature nor the
  // request can be judged.
  if (context.request.body_too_large) {
    return respond(Refuse(
        service, context.request,
        WithHttpStatus(AwsError(absl::StatusCode::kOutOfRange, "RequestEntityTooLargeException",
                                "Request must be smaller than " +
                                    std::to_string(options_.body_limit) + " bytes."),
                       413),
        context.request_id));
  }
  const std::optional<http::SigV4Options> rule = SignatureRule(service, context.request);
  if (context.request.body_source) {
    return HandleStreamed(service, std::move(context), rule, std::move(respond));
  }
  if (auto basic = BasicCaller(service, context.request)) {
    if (!basic->ok()) {
      return respond(Refuse(service, context.request, basic->status(), context.request_id));
    }
    return Dispatch(service, std::move(context), &**basic, std::move(respond));
  }
  if (!rule) return Dispatch(service, std::move(context), nullptr, std::move(respond));
  if (const std::shared_ptr<const http::VerifiedCaller> screened =
          std::exchange(context.request.screened_caller, nullptr);
      screened && context.request.body.size() < kOffThreadSignatureBytes) {
    // The headers' signature was proved when they arrived: only the body is left to check.
    if (absl::Status status = http::CheckDeclaredPayload(*screened, context.request.body);
        !status.ok()) {
      return respond(Refuse(service, context.request,
                            WithHttpStatus(status, http::SigV4HttpStatus(status)),
                            context.request_id));
    }
    return Dispatch(service, std::move(context), screened.get(), std::move(respond));
  }
  if (options_.post_to_io && context.request.body.size() >= kOffThreadSignatureBytes) {
    return VerifyOffThread(service, std::move(context), *rule, std::move(respond));
  }
  http::VerifiedCaller caller;
  if (IsSigV2(service, context.request)) {
    if (absl::Status status =
            VerifySigV2(*service, context.request, options_.signature_clock->NowMillis(), &caller);
        !status.ok()) {
      return respond(Refuse(service, context.request,
                            WithHttpStatus(status, http::SigV4HttpStatus(status)),
                            context.request_id));
    }
    return Dispatch(service, std::move(context), &caller, std::move(respond));
  }
  if (absl::Status status =
          http::VerifySigV4(context.request, *options_.credentials,
                            options_.signature_clock->NowMillis(), &caller, *rule);
      !status.ok()) {
    return respond(Refuse(service, context.request,
                          WithHttpStatus(status, http::SigV4HttpStatus(status)),
                          context.request_id));
  }
  Dispatch(service, std::move(context), &caller, std::move(respond));
}

void EdgeRouter::HandleStreamed(services::Service* service, protocol::RequestContext context,
                                const std::optional<http::SigV4Options>& rule,
                                http::Responder respond) {
  http::Request& request = context.request;
  http::VerifiedCaller caller;
  if (rule.has_value() && request.screened_caller) {
    caller = *std::exchange(request.screened_caller, nullptr);  // proved when the headers arrived
  } else if (rule.has_value()) {
    const int64_t now = options_.signature_clock->NowMillis();
    if (absl::Status status =
            IsSigV2(service, request)
                ? VerifySigV2(*service, request, now, &caller)
                : http::VerifySigV4Headers(request, *options_.credentials, now, &caller, *rule);
        !status.ok()) {
      return respond(Refuse(service, request, WithHttpStatus(status, http::SigV4HttpStatus(status)),
                            context.request_id));
    }
  } else {
    caller.payload = IsAwsChunked(request) ? http::PayloadSigning::kStreamingUnsigned
                                           : http::PayloadSigning::kUnsigned;
  }
  switch (caller.payload) {
    case http::PayloadSigning::kVerified:
      request.body_source =
          HashCheckedBody(std::move(request.body_source), caller.declared_payload_sha256,
                          body_hash_worker_, options_.post_to_io);
      break;
    case http::PayloadSigning::kStreamingSigned:
    case http::PayloadSigning::kStreamingUnsigned: {
      auto chunked = http::AwsChunkedOptionsFor(request, caller);
      if (!chunked.ok()) {
        return respond(Refuse(service, request, chunked.status(), context.request_id));
      }
      auto trailers = std::make_shared<http::Trailers>();
      request.body_source =
          http::DecodeAwsChunked(std::move(request.body_source), *std::move(chunked), trailers);
      context.trailers = std::move(trailers);
      break;
    }
    case http::PayloadSigning::kUnsigned:
      break;
  }
  Dispatch(service, std::move(context), rule.has_value() ? &caller : nullptr, std::move(respond));
}

void EdgeRouter::VerifyOffThread(services::Service* service, protocol::RequestContext context,
                                 http::SigV4Options rule, http::Responder respond) {
  // The credential store changes on the io thread (environments come and go): the worker gets
  // its own copy of the one key the request names.
  auto key = std::make_shared<http::CredentialStore>();
  if (std::optional<http::CredentialScope> scope = http::PeekCredentialScope(context.request)) {
    if (const http::CredentialStore::Identity* identity =
            options_.credentials->Find(scope->access_key)) {
      if (identity->is_operator()) {
        key->Add(scope->access_key, identity->secret);
      } else {
        key->AddIdentity(scope->access_key, *identity);
      }
    }
  }
  const int64_t now = options_.signature_clock->NowMillis();
  auto state = std::make_shared<std::tuple<protocol::RequestContext, http::Responder>>(
      std::move(context), std::move(respond));
  signature_worker_.Post([this, service, state, key, rule, now] {
    auto caller = std::make_shared<http::VerifiedCaller>();
    absl::Status status =
        http::VerifySigV4(std::get<0>(*state).request, *key, now, caller.get(), rule);
    options_.post_to_io([this, service, state, caller, status] {
      auto& [context, respond] = *state;
      if (!status.ok()) {
        return respond(Refuse(service, context.request,
                              WithHttpStatus(status, http::SigV4HttpStatus(status)),
                              context.request_id));
      }
      Dispatch(service, std::move(context), caller.get(), std::move(respond));
    });
  });
}

void EdgeRouter::Dispatch(services::Service* service, protocol::RequestContext context,
                          const http::VerifiedCaller* caller, http::Responder respond) {
  if (options_.credentials == nullptr) {
    // --no-auth: every request acts as the account's owner.
    context.caller = {.anonymous = false, .account_id = options_.account_id};
  } else if (caller != nullptr) {
    if (!caller->function_arn.empty()) ++calls_by_function_[caller->function_arn];
    context.caller = {.anonymous = false,
                      .access_key = caller->scope.access_key,
                      .account_id = options_.account_id,
                      .principal_arn = caller->principal_arn,
                      .function_arn = caller->function_arn};
  }
  context.caller.source_ip = context.request.peer_address;
  if (service == nullptr) {
    return respond(Refuse(
        nullptr, context.request,
        protocol::UnknownOperation(FallbackProtocolFor(context.request),
                                   "No service handles " + std::string(context.request.RawPath())),
        context.request_id));
  }
  service->Handle(std::move(context), std::move(respond));
}

}  // namespace serval::server
