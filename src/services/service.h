#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "http/message.h"
#include "protocol/protocol.h"
#include "protocol/request_context.h"

namespace boost::json {
class object;
}  // namespace boost::json

namespace serval::services {

// What the edge router needs to know of a front end: how its requests are recognised and how
// they are signed. docs/architecture.md explains the routing order:
// credential-scope service, then X-Amz-Target, then Host, then path.
struct ServiceInfo {
  // The service's name in logs and /_serval/stats ("lambda").
  std::string_view name;
  // The service a SigV4 credential scope names for it ("lambda", "events", "s3"); empty for a
  // front end whose requests are never signed.
  std::string_view signing_name;
  // The protocol its requests, answers and errors (authentication failures included) speak.
  protocol::Protocol protocol;
  // X-Amz-Target prefixes ("AWSEvents."), path prefixes ("/2015-03-31/functions"; a "*"
  // segment stands for any one segment, a final "$" for the end of the path) and Host suffixes
  // (".s3.localhost", for virtual-host addressing) that identify its requests.
  std::vector<std::string_view> target_prefixes;
  std::vector<std::string_view> path_prefixes;
  std::vector<std::string_view> host_suffixes;
  // Whether every request signed for `signing_name` that its routes above do not claim is still
  // this service's: the query-protocol front ends, whose requests are all POST / with an Action
  // (SNS, IAM, STS, EC2) and would otherwise fall to S3's catch-all path.
  bool claims_signed_requests = false;
  // The region its requests are signed for whatever Serval's region is: "us-east-1" for the
  // global services (IAM), as the SDKs sign them. Empty: Serval's region.
  std::string_view signing_region;
};

// Who may make a request.
enum class Access {
  kSigned,            // a valid SigV4 signature (header or presigned form) is required
  kAnonymousAllowed,  // no SigV4 data at all is admitted as an anonymous caller; a signature
                      // that is present must still be valid (public S3 reads, website
                      // endpoints, API Gateway invoke URLs)
  // As kAnonymousAllowed, but an Authorization header that is not SigV4 belongs to the
  // application, not to Serval: API Gateway's invoke URLs and function URLs pass bearer tokens
  // on to authorizers and functions unchecked. A SigV4 signature that is present is verified.
  kAnonymousUnlessSigV4,
  kOpen,  // never authenticated: Serval's own health and stats endpoints
  // A valid SigV4 signature, or HTTP Basic auth with an operator's access key as user name and
  // its secret as password, checked against the same keys (Prometheus' basic_auth: /metrics).
  kSignedOrBasic,
};

// A front end: one folder under services/ and one line in services/registry.cc. Runs only on
// the io thread: every member is called there, and `respond` must be called there, exactly once.
class Service {
 public:
  virtual ~Service() = default;

  virtual const ServiceInfo& info() const = 0;
  // Who may make the request `headers` starts (request line and headers; the body is not read
  // yet). Most front ends demand a signature on everything.
  virtual Access AccessFor(const http::Request& headers) const {
    (void)headers;
    return Access::kSigned;
  }
  // The protocol the request `headers` starts speaks, in which its refusals are written: the
  // service's own (info().protocol), unless it serves several (CloudWatch: query and awsJson).
  virtual protocol::Protocol ProtocolFor(const http::Request& headers) const {
    (void)headers;
    return info().protocol;
  }
  // Whether the body of the request `headers` starts is streamed to Handle (http::Request::
  // body_source, read piece by piece as the service asks) rather than read whole first: for
  // bodies that may be large (an S3 PUT). The edge checks a streamed body against what its
  // signature declares as it passes (a declared SHA-256, aws-chunked chunk signatures), so a
  // piece failing that check ends the body with an error before its last piece.
  virtual bool StreamsBody(const http::Request& headers) const {
    (void)headers;
    return false;
  }
  // The bucket the Host header of `headers` addresses, for S3's SigV2, whose signed resource
  // is "/" + that bucket + the path (virtual-host style); empty when Host names none. Only S3
  // has buckets.
  virtual std::string HostAddressedBucket(const http::Request& headers) const {
    (void)headers;
    return {};
  }
  // Answers one authenticated request.
  virtual void Handle(protocol::RequestContext context, http::Responder respond) = 0;

  // Called once when Serval is ready, before the first request (recover queued work, arm
  // timers).
  virtual void Start() {}
  // Stops starting new background work and calls `done` once what is in flight is finished or
  // safely on disk. Requests may still arrive until the edge stops accepting.
  virtual void Drain(std::function<void()> done) { done(); }
  // The simulated clock moved (--simulated-clock): run what became due.
  virtual void OnClockAdvanced() {}
  // Adds this service's counters to /_serval/stats.
  virtual void AddStats(boost::json::object& stats) const { (void)stats; }
};

}  // namespace serval::services
