#include "services/s3/s3_service.h"

#include <fmt/format.h>

#include <boost/json.hpp>

#include "absl/strings/ascii.h"
#include "common/aws_error.h"
#include "common/percent_encoding.h"
#include "common/text.h"
#include "common/time_format.h"
#include "protocol/protocol.h"
#include "services/access_check.h"
#include "services/s3/bucket_policy.h"
#include "services/s3/cors.h"
#include "services/s3/request_checksum.h"
#include "services/s3/s3_access.h"
#include "services/s3/s3_errors.h"

namespace serval::s3 {
namespace {

constexpr protocol::Protocol kProtocol = protocol::Protocol::kRestXml;

// What a request addresses, for the operation table.
enum class Level { kService, kBucket, kObject };

// The query parameters that name a sub-resource (an operation on a bucket or object other than
// the plain one), in the order they decide: ?uploadId before ?tagging, and so on. A request
// carrying one the table lacks is answered 501 NotImplemented, never served as the plain call.
constexpr std::string_view kSubresources[] = {"uploadId",
                                              "uploads",
                                              "list-type",
                                              "location",
                                              "tagging",
                                              "policy",
                                              "cors",
                                              "website",
                                              "lifecycle",
                                              "notification",
                                              "versioning",
                                              "acl",
                                              "delete",
                                              "versions",
                                              "logging",
                                              "encryption",
                                              "ownershipControls",
                                              "publicAccessBlock",
                                              "accelerate",
                                              "requestPayment",
                                              "replication",
                                              "object-lock",
                                              "analytics",
                                              "metrics",
                                              "inventory",
                                              "intelligent-tiering",
                                              "policyStatus",
                                              "retention",
                                              "legal-hold",
                                              "torrent",
                                              "restore",
                                              "select",
                                              "attributes",
                                              "partNumber"};

Level LevelOf(const S3Address& address) {
  if (address.bucket.empty()) return Level::kService;
  return address.key.empty() ? Level::kBucket : Level::kObject;
}

// Buckets are never versioned: the only version of an object is "null", and any other id an
// object request names (?versionId=, or in x-amz-copy-source) is refused, as S3 refuses it in
// an unversioned bucket, rather than served or deleted as the current object.
absl::Status CheckVersionIds(const http::Request& request) {
  std::optional<std::string> asked = request.QueryParam("versionId");
  const std::string_view source = request.Header("x-amz-copy-source");
  if (!asked || *asked == "null") asked = std::string(CopySourceVersion(source));
  if (asked->empty() || *asked == "null") return absl::OkStatus();
  return InvalidArgument("Invalid version id specified", "versionId", *asked);
}

// A presigned URL carries the x-amz-* headers it was signed with in its query (x-amz-meta-*,
// x-amz-tagging, x-amz-storage-class, ...: botocore and the JS presigner put them there), and
// S3 reads them as those headers. The signature covered them (SigV4 signs the whole query,
// SigV2 its x-amz-* parameters); a header sent as well wins.
void AdoptPresignedQueryHeaders(http::Request& request) {
  const bool presigned = request.QueryParam("X-Amz-Signature").has_value() ||
                         (request.QueryParam("Signature") && request.QueryParam("AWSAccessKeyId"));
  if (!presigned) return;
  for (std::string_view pair : SplitOn(request.RawQuery(), '&')) {
    const size_t equals = pair.find('=');
    std::string name = AsciiToLower(PercentDecode(pair.substr(0, equals)));
    if (!name.starts_with("x-amz-") || request.HasHeader(name)) continue;
    // The SigV4 query's own parameters are not headers. Nor are checksums: S3 does not take
    // them from a presigned URL (the JS SDK's presigner bakes in the CRC32 of the empty body it
    // had at signing time, and real S3 accepts the upload all the same).
    if (name == "x-amz-algorithm" || name == "x-amz-credential" || name == "x-amz-date" ||
        name == "x-amz-expires" || name == "x-amz-signedheaders" || name == "x-amz-signature" ||
        name.starts_with("x-amz-checksum-") || name == "x-amz-sdk-checksum-algorithm") {
      continue;
    }
    const std::string_view value =
        equals == std::string_view::npos ? std::string_view() : pair.substr(equals + 1);
    request.headers.emplace_back(std::move(name), FormDecode(value));
  }
}

// x-amz-expected-bucket-owner (and x-amz-source-expected-bucket-owner, a copy's source): a
// request that names an owner holds only if the bucket is this account's. Every bucket here is.
absl::Status CheckExpectedOwner(const http::Request& request, std::string_view account_id) {
  for (std::string_view header :
       {"x-amz-expected-bucket-owner", "x-amz-source-expected-bucket-owner"}) {
    const std::string_view owner = request.Header(header);
    if (owner.empty() && !request.HasHeader(header)) continue;
    if (owner.size() != 12 || !std::all_of(owner.begin(), owner.end(), absl::ascii_isdigit)) {
      return S3Error(
          400, "InvalidBucketOwnerAWSAccountID",
          "The value of the expected bucket owner parameter must be an AWS Account ID... "
          "[" +
              std::string(owner) + "]");
    }
    if (owner != account_id) return AccessDenied();
  }
  return absl::OkStatus();
}

std::string_view SubresourceOf(const http::Request& request) {
  const std::string_view query = request.RawQuery();
  if (query.empty()) return {};
  // The parameter names present, split once (sub-resource names need no decoding).
  std::vector<std::string_view> names;
  for (std::string_view pair : SplitOn(query, '&')) names.push_back(pair.substr(0, pair.find('=')));
  for (std::string_view name : kSubresources) {
    if (std::find(names.begin(), names.end(), name) != names.end()) return name;
  }
  return {};
}

}  // namespace

struct S3Service::Route {
  std::string_view method;
  Level level;
  std::string_view subresource;  // empty: the plain operation
  Handler handler;
  std::string_view operation;  // the API operation's name, for IAM (s3_access.h)
  // The handler checks who the caller is itself (POST Object: the signature is in the form).
  bool authenticates_itself = false;
};

const std::vector<S3Service::Route>& S3Service::Routes() {
  using S = S3Service;
  static const std::vector<Route> kRoutes = {
      {"GET", Level::kService, "", &S::ListBuckets, "ListBuckets"},
      {"PUT", Level::kBucket, "", &S::CreateBucket, "CreateBucket"},
      {"HEAD", Level::kBucket, "", &S::HeadBucket, "HeadBucket"},
      {"DELETE", Level::kBucket, "", &S::DeleteBucket, "DeleteBucket"},
      {"GET", Level::kBucket, "", &S::ListObjectsV1, "ListObjects"},
      {"GET", Level::kBucket, "list-type", &S::ListObjectsV2, "ListObjectsV2"},
      {"GET", Level::kBucket, "location", &S::GetBucketLocation, "GetBucketLocation"},
      {"PUT", Level::kBucket, "tagging", &S::PutBucketTagging, "PutBucketTagging"},
      {"GET", Level::kBucket, "tagging", &S::GetBucketTagging, "GetBucketTagging"},
      {"DELETE", Level::kBucket, "tagging", &S::DeleteBucketTagging, "DeleteBucketTagging"},
      {"PUT", Level::kBucket, "policy", &S::PutBucketPolicy, "PutBucketPolicy"},
      {"GET", Level::kBucket, "policy", &S::GetBucketPolicy, "GetBucketPolicy"},
      {"DELETE", Level::kBucket, "policy", &S::DeleteBucketPolicy, "DeleteBucketPolicy"},
      {"PUT", Level::kBucket, "cors", &S::PutBucketCors, "PutBucketCors"},
      {"GET", Level::kBucket, "cors", &S::GetBucketCors, "GetBucketCors"},
      {"DELETE", Level::kBucket, "cors", &S::DeleteBucketCors, "DeleteBucketCors"},
      {"GET", Level::kBucket, "versioning", &S::GetBucketVersioning, "GetBucketVersioning"},
      {"GET", Level::kBucket, "acl", &S::GetBucketAcl, "GetBucketAcl"},
      {"GET", Level::kBucket, "encryption", &S::GetBucketEncryption, "GetBucketEncryption"},
      {"GET", Level::kBucket, "ownershipControls", &S::GetBucketOwnershipControls,
       "GetBucketOwnershipControls"},
      {"GET", Level::kBucket, "publicAccessBlock", &S::GetPublicAccessBlock,
       "GetPublicAccessBlock"},
      {"GET", Level::kBucket, "logging", &S::GetBucketLogging, "GetBucketLogging"},
      {"GET", Level::kBucket, "versions", &S::ListObjectVersions, "ListObjectVersions"},
      {"PUT", Level::kBucket, "notification", &S::PutBucketNotification,
       "PutBucketNotificationConfiguration"},
      {"GET", Level::kBucket, "notification", &S::GetBucketNotification,
       "GetBucketNotificationConfiguration"},
      {"PUT", Level::kBucket, "website", &S::PutBucketWebsite, "PutBucketWebsite"},
      {"GET", Level::kBucket, "website", &S::GetBucketWebsite, "GetBucketWebsite"},
      {"DELETE", Level::kBucket, "website", &S::DeleteBucketWebsite, "DeleteBucketWebsite"},
      {"PUT", Level::kBucket, "lifecycle", &S::PutBucketLifecycle,
       "PutBucketLifecycleConfiguration"},
      {"GET", Level::kBucket, "lifecycle", &S::GetBucketLifecycle,
       "GetBucketLifecycleConfiguration"},
      {"DELETE", Level::kBucket, "lifecycle", &S::DeleteBucketLifecycle, "DeleteBucketLifecycle"},
      {"POST", Level::kBucket, "delete", &S::DeleteObjects, "DeleteObjects"},
      {"POST", Level::kBucket, "", &S::PostObject, "PutObject", /*authenticates_itself=*/true},
      {"GET", Level::kBucket, "uploads", &S::ListMultipartUploads, "ListMultipartUploads"},
      {"OPTIONS", Level::kBucket, "", &S::Preflight, "CorsPreflight"},
      {"PUT", Level::kObject, "", &S::PutObject, "PutObject"},
      {"GET", Level::kObject, "", &S::GetObject, "GetObject"},
      {"HEAD", Level::kObject, "", &S::HeadObject, "HeadObject"},
      {"GET", Level::kObject, "partNumber", &S::GetObject, "GetObject"},
      {"HEAD", Level::kObject, "partNumber", &S::HeadObject, "HeadObject"},
      {"DELETE", Level::kObject, "", &S::DeleteObject, "DeleteObject"},
      {"OPTIONS", Level::kObject, "", &S::Preflight, "CorsPreflight"},
      {"PUT", Level::kObject, "tagging", &S::PutObjectTagging, "PutObjectTagging"},
      {"GET", Level::kObject, "tagging", &S::GetObjectTagging, "GetObjectTagging"},
      {"DELETE", Level::kObject, "tagging", &S::DeleteObjectTagging, "DeleteObjectTagging"},
      {"GET", Level::kObject, "acl", &S::GetObjectAcl, "GetObjectAcl"},
      {"GET", Level::kObject, "attributes", &S::GetObjectAttributes, "GetObjectAttributes"},
      {"POST", Level::kObject, "uploads", &S::CreateMultipartUpload, "CreateMultipartUpload"},
      {"PUT", Level::kObject, "uploadId", &S::UploadPart, "UploadPart"},
      {"POST", Level::kObject, "uploadId", &S::CompleteMultipartUpload, "CompleteMultipartUpload"},
      {"DELETE", Level::kObject, "uploadId", &S::AbortMultipartUpload, "AbortMultipartUpload"},
      {"GET", Level::kObject, "uploadId", &S::ListParts, "ListParts"},
  };
  return kRoutes;
}

void S3Service::Call::Reply(http::Response response) {
  if (answered) return;
  answered = true;
  protocol::SetRequestId(kProtocol, context.request_id, response);
  response.headers.insert(response.headers.end(), cors_headers.begin(), cors_headers.end());
  respond(std::move(response));
}

void S3Service::Call::ReplyXml(int status, protocol::XmlWriter xml, http::Response response) {
  response.status = status;
  response.body = xml.Take();
  response.SetHeader("Content-Type", "application/xml");
  Reply(std::move(response));
}

void S3Service::Call::ReplyEmpty(int status) {
  http::Response response;
  response.status = status;
  Reply(std::move(response));
}

void S3Service::Call::Fail(const absl::Status& status) {
  if (answered) return;
  answered = true;
  http::Response response = protocol::ErrorResponse(kProtocol, status, context.request_id);
  // A HEAD answer has no body; S3 still says which error it was in its status.
  if (context.request.method == "HEAD") response.body.clear();
  response.headers.insert(response.headers.end(), cors_headers.begin(), cors_headers.end());
  respond(std::move(response));
}

absl::StatusOr<std::unique_ptr<services::Service>> S3Service::Create(
    const services::Platform& platform) {
  auto service = std::make_unique<S3Service>(platform);
  if (absl::Status swept = service->SweepOrphanBlobs(); !swept.ok()) return swept;
  if (absl::Status loaded = service->LoadBucketPolicies(); !loaded.ok()) return loaded;
  if (platform.objects) platform.objects->reader = service.get();
  return service;
}

S3Service::S3Service(const services::Platform& platform)
    : account_(platform.account),
      credentials_(platform.credentials),
      clock_(platform.clock),
      metadata_(platform.metadata),
      blobs_(platform.blobs),
      post_to_io_(platform.post_to_io),
      catalog_(platform.metadata),
      invoker_(platform.invoker),
      events_(platform.events),
      functions_(platform.functions),
      topics_(platform.topics),
      authorizer_(platform.authorizer),
      io_(platform.io) {}

const services::ServiceInfo& S3Service::info() const {
  static const services::ServiceInfo kInfo{
      .name = "s3",
      .signing_name = "s3",
      .protocol = kProtocol,
      .path_prefixes = {"/"},
      .host_suffixes = {kWebsiteHostSuffix, kVirtualHostSuffixes[0], kVirtualHostSuffixes[1]},
  };
  return kInfo;
}

services::Access S3Service::AccessFor(const http::Request&) const {
  // A request without credentials is S3's to judge (Handle): reads may be public (a bucket
  // policy decides), a browser's CORS preflight never carries credentials, website endpoints
  // take every method (others get 405), and the rest is S3's own AccessDenied.
  return services::Access::kAnonymousAllowed;
}

bool S3Service::StreamsBody(const http::Request& headers) const {
  const S3Address address = AddressOf(headers);
  if (address.website) return false;
  const std::string_view subresource = SubresourceOf(headers);
  // POST Object: a form whose file may be as large as a PUT's body.
  if (headers.method == "POST") return LevelOf(address) == Level::kBucket && subresource.empty();
  if (headers.method != "PUT" || !headers.Header("x-amz-copy-source").empty()) return false;
  return LevelOf(address) == Level::kObject && (subresource.empty() || subresource == "uploadId");
}

std::string S3Service::HostAddressedBucket(const http::Request& headers) const {
  S3Address address = AddressOf(headers);
  return address.virtual_host ? std::move(address.bucket) : std::string();
}

void S3Service::Handle(protocol::RequestContext context, http::Responder respond) {
  auto call = std::make_shared<Call>();
  call->address = AddressOf(context.request);
  AdoptPresignedQueryHeaders(context.request);
  call->context = std::move(context);
  call->respond = std::move(respond);
  const http::Request& request = call->request();
  const Level level = LevelOf(call->address);
  const std::string_view subresource = SubresourceOf(request);
  if (call->address.website) return ServeWebsite(call);
  for (const Route& route : Routes()) {
    if (route.method != request.method || route.level != level ||
        route.subresource != subresource) {
      continue;
    }
    if (route.subresource == "list-type" && request.QueryParam("list-type") != "2") continue;
    if (absl::Status owner = CheckExpectedOwner(request, account_.account_id); !owner.ok()) {
      return call->Fail(owner);
    }
    if (route.authenticates_itself) {
      call->cors_headers = CorsHeadersFor(*call);
      return (this->*route.handler)(call);
    }
    if (call->context.caller.anonymous && request.method != "OPTIONS") {
      // Without credentials only reads of objects and listings a bucket policy opens to
      // everyone ("Principal": "*") are served.
      const std::string_view operation = route.operation;
      const bool read = operation == "GetObject" || operation == "HeadObject";
      const bool list = operation == "ListObjects" || operation == "ListObjectsV2";
      if (!(read && AnonymousAllowed(*call, "s3:GetObject")) &&
          !(list && AnonymousAllowed(*call, "s3:ListBucket"))) {
        return call->Fail(AccessDenied());
      }
    }
    if (request.method != "OPTIONS") call->cors_headers = CorsHeadersFor(*call);
    if (absl::Status allowed = AuthorizeOperation(*call, route.operation); !allowed.ok()) {
      return call->Fail(allowed);
    }
    if (level == Level::kObject) {
      if (absl::Status version = CheckVersionIds(request); !version.ok())
        return call->Fail(version);
    }
    if (!request.body_source && (request.method == "PUT" || request.method == "POST")) {
      if (absl::Status intact = CheckBufferedBody(request, route.operation); !intact.ok()) {
        return call->Fail(intact);
      }
    }
    return (this->*route.handler)(call);
  }
  if (!subresource.empty()) return call->Fail(NotImplemented("?" + std::string(subresource)));
  call->Fail(S3Error(405, "MethodNotAllowed",
                     "The specified method is not allowed against this resource."));
}

std::vector<std::pair<std::string, std::string>> S3Service::CorsHeadersFor(const Call& call) const {
  const std::string_view origin = call.request().Header("Origin");
  if (origin.empty() || call.address.bucket.empty()) return {};
  auto bucket = catalog_.Bucket(call.address.bucket);
  if (!bucket.ok() || !bucket->has_value() || (*bucket)->cors.empty()) return {};
  auto rules = ParseCorsXml((*bucket)->cors);
  if (!rules.ok()) return {};
  return CorsHeaders(*rules, origin, call.request().method, "")
      .value_or(std::vector<std::pair<std::string, std::string>>());
}

bool S3Service::AnonymousAllowed(const Call& call, std::string_view action) const {
  auto bucket = catalog_.Bucket(call.address.bucket);
  if (!bucket.ok() || !bucket->has_value()) return false;
  const std::string resource =
      call.address.key.empty()
          ? fmt::format("arn:aws:s3:::{}", call.address.bucket)
          : fmt::format("arn:aws:s3:::{}/{}", call.address.bucket, call.address.key);
  return AllowsAnonymous((*bucket)->policy, action, resource, call.context.caller.source_ip);
}

bool S3Service::Authorizing(const Call& call) const {
  return services::AccessChecked(authorizer_, call.context.caller);
}

absl::Status S3Service::AuthorizeOperation(const Call& call, std::string_view operation) {
  if (!Authorizing(call)) return absl::OkStatus();
  auto requests =
      AccessRequestsFor(operation, call.address, call.request(),
                        [this](std::string_view bucket) { return BucketPolicy(bucket); });
  if (!requests.ok()) return requests.status();
  for (const iam::AccessRequest& request : *requests) {
    if (absl::Status allowed = Authorize(call, request); !allowed.ok()) return allowed;
  }
  return absl::OkStatus();
}

absl::Status S3Service::Authorize(const Call& call, const iam::AccessRequest& request) {
  return authorizer_->Check(call.context.caller, request, "AccessDenied");
}

const iam::PolicyDocument* S3Service::BucketPolicy(std::string_view bucket) const {
  auto found = bucket_policies_.find(bucket);
  return found == bucket_policies_.end() ? nullptr : &found->second;
}

void S3Service::SetBucketPolicy(const std::string& bucket, std::string_view text) {
  if (text.empty()) {
    bucket_policies_.erase(bucket);
    return;
  }
  absl::StatusOr<iam::PolicyDocument> policy = iam::ParsePolicy(text, iam::PolicyKind::kResource);
  if (!policy.ok()) {
    // Stored before IAM's parser checked bucket policies: the bucket is held to none.
    fmt::print(stderr, "serval: s3: the policy of bucket {} is ignored: {}\n", bucket,
               policy.status().ToString());
    bucket_policies_.erase(bucket);
    return;
  }
  bucket_policies_.insert_or_assign(bucket, *std::move(policy));
}

absl::Status S3Service::LoadBucketPolicies() {
  auto buckets = catalog_.Buckets();
  if (!buckets.ok()) return buckets.status();
  for (const auto& [name, bucket] : *buckets) SetBucketPolicy(name, bucket.policy);
  return absl::OkStatus();
}

void S3Service::AddStats(boost::json::object& stats) const {
  stats["s3_objects_written"] = objects_written_;
  stats["s3_objects_expired"] = objects_expired_;
  stats["s3_uploads_aborted"] = uploads_aborted_;
  stats["s3_object_bytes_served"] = *bytes_served_;
  stats["s3_ranged_gets"] = ranged_gets_;
}

absl::StatusOr<BucketRecord> S3Service::ExistingBucket(const Call& call) const {
  auto bucket = catalog_.Bucket(call.address.bucket);
  if (!bucket.ok()) return bucket.status();
  if (!bucket->has_value()) return NoSuchBucket(call.address.bucket);
  return **std::move(bucket);
}

void S3Service::Commit(storage::WriteBatch batch, std::function<void(absl::Status)> done) {
  metadata_->WriteAsync(std::move(batch), std::move(done));
}

std::string S3Service::NextSequencer() {
  // Grows with every change made by this Serval and across restarts (the clock's microseconds
  // lead), as S3's per-key sequencers do.
  return fmt::format("{:016X}{:04X}", static_cast<uint64_t>(clock_->NowMillis()) * 1000,
                     ++sequence_ & 0xffff);
}

ReceiveOptions S3Service::ReceiveOptionsFor(uint64_t max_bytes, bool allow_inline) {
  return ReceiveOptions{.blobs = blobs_,
                        .worker = &blob_worker_,
                        .post_to_io = post_to_io_,
                        .max_bytes = max_bytes,
                        .allow_inline = allow_inline};
}

absl::Status S3Service::SweepOrphanBlobs() {
  auto keys = blobs_->ListKeys(kBlobPrefix);
  if (!keys.ok()) return keys.status();
  std::vector<std::string> orphans;
  for (const std::string& key : *keys) {
    auto registered = metadata_->Get(kBlobsTable, key);
    if (!registered.ok()) return registered.status();
    if (!registered->has_value()) orphans.push_back(key);
  }
  for (const std::string& orphan : orphans) {
    if (absl::Status status = blobs_->Remove(orphan); !status.ok() && !absl::IsNotFound(status)) {
      return status;
    }
  }
  return absl::OkStatus();
}

}  // namespace serval::s3
