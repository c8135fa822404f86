#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "common/arn.h"
#include "common/clock.h"
#include "common/worker.h"
#include "iam/authorizer.h"
#include "protocol/xml.h"
#include "services/object_reader.h"
#include "services/platform.h"
#include "services/s3/catalog.h"
#include "services/s3/notifications.h"
#include "services/s3/object_body.h"
#include "services/s3/s3_address.h"
#include "services/s3/website.h"
#include "services/service.h"
#include "services/topic_publisher.h"
#include "storage/metadata_store.h"

namespace serval::http {
class FormDataReader;
}  // namespace serval::http

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace serval::s3 {

// The S3 front end: the REST-XML API as the AWS CLI, boto3 and the JS SDK v3 send it, path-style
// and virtual-host addressed (s3_address.h). Records live in the metadata store (catalog.h),
// bytes in small records or blobs (object_body.h). Object changes are told to the functions a
// bucket's notification configuration names (notification_operations.cc). Runs only on the io
// thread, apart from the blob worker, which runs blob reads and writes and hands results back.
class S3Service : public services::Service, public services::ObjectReader {
 public:
  static absl::StatusOr<std::unique_ptr<services::Service>> Create(
      const services::Platform& platform);
  S3Service(const services::Platform& platform);

  const services::ServiceInfo& info() const override;
  services::Access AccessFor(const http::Request& headers) const override;
  bool StreamsBody(const http::Request& headers) const override;
  std::string HostAddressedBucket(const http::Request& headers) const override;
  void Handle(protocol::RequestContext context, http::Responder respond) override;
  void AddStats(boost::json::object& stats) const override;
  void ReadObject(std::string bucket, std::string key, uint64_t max_bytes,
                  std::function<void(absl::StatusOr<std::string>)> done) override;

  // The lifecycle sweeper removed `record` (bucket/key): its LifecycleExpiration:Delete event
  // goes out, and `then` runs once the event is durably queued (or could not be).
  void NotifyLifecycleExpiration(const std::string& bucket, const std::string& key,
                                 std::function<void()> then);

  // The lifecycle sweeper: Start runs it and arms its timer, OnClockAdvanced runs it at once.
  void Start() override;
  void Drain(std::function<void()> done) override;
  void OnClockAdvanced() override;

  // One request in progress. Answered exactly once, through Reply or Fail.
  struct Call {
    protocol::RequestContext context;
    http::Responder respond;
    S3Address address;
    bool answered = false;
    // Access-Control-* for a browser's request (an Origin the bucket's CORS rules allow), added
    // to the answer, error or not.
    std::vector<std::pair<std::string, std::string>> cors_headers;

    const http::Request& request() const { return context.request; }
    void Reply(http::Response response);
    // `xml` as the body of `response` (which may carry headers already).
    void ReplyXml(int status, protocol::XmlWriter xml, http::Response response = {});
    void ReplyEmpty(int status);
    void Fail(const absl::Status& status);
  };
  using CallPtr = std::shared_ptr<Call>;
  using Handler = void (S3Service::*)(const CallPtr& call);

 private:
  // The operation table (s3_service.cc): which handler serves a method on a service, bucket or
  // object, with which sub-resource.
  struct Route;
  static const std::vector<Route>& Routes();

  // x-amz-expiration for `written`, under its bucket's lifecycle (PUT, copy and complete
  // answers).
  void AddExpirationHeader(const Call& call, const ObjectRecord& written,
                           http::Response& response) const;
  // The bucket a call names: NoSuchBucket unless it exists.
  absl::StatusOr<BucketRecord> ExistingBucket(const Call& call) const;
  // The Access-Control-* headers the bucket's CORS rules give a browser's call (one with an
  // Origin); none otherwise.
  std::vector<std::pair<std::string, std::string>> CorsHeadersFor(const Call& call) const;
  // Whether an unsigned call may proceed (a bucket policy grants it).
  bool AnonymousAllowed(const Call& call, std::string_view action) const;
  // IAM (s3_access.h): whether a signed call's caller is held to policies (an authorizer that
  // is not off); OK when the caller may make `operation`'s requests (or is not held to
  // policies), S3's AccessDenied otherwise. Authorize checks one request: the one place S3 asks
  // the authorizer.
  bool Authorizing(const Call& call) const;
  absl::Status AuthorizeOperation(const Call& call, std::string_view operation);
  absl::Status Authorize(const Call& call, const iam::AccessRequest& request);
  // Bucket policies, parsed once: when stored (`text` empty: removed) and at startup.
  const iam::PolicyDocument* BucketPolicy(std::string_view bucket) const;
  void SetBucketPolicy(const std::string& bucket, std::string_view text);
  absl::Status LoadBucketPolicies();

  // Applies `batch`, durably, then `done` on the io thread.
  void Commit(storage::WriteBatch batch, std::function<void(absl::Status)> done);
  std::string NextSequencer();
  ReceiveOptions ReceiveOptionsFor(uint64_t max_bytes, bool allow_inline);
  // The GET/HEAD answer for the object the call addresses (headers; the body when
  // `with_body`), honouring Range, conditions and response-* overrides. Reads blobs off the io
  // thread. With `error_status` (a website's error document), the whole object with that
  // status, conditions and Range ignored.
  void ServeObject(const CallPtr& call, bool with_body, int attempt, int error_status = 0);

  // Bucket operations (bucket_operations.cc).
  void ListBuckets(const CallPtr& call);
  void CreateBucket(const CallPtr& call);
  void HeadBucket(const CallPtr& call);
  void DeleteBucket(const CallPtr& call);
  void GetBucketLocation(const CallPtr& call);
  void PutBucketTagging(const CallPtr& call);
  void GetBucketTagging(const CallPtr& call);
  void DeleteBucketTagging(const CallPtr& call);
  void PutBucketPolicy(const CallPtr& call);
  void GetBucketPolicy(const CallPtr& call);
  void DeleteBucketPolicy(const CallPtr& call);
  void PutBucketCors(const CallPtr& call);
  void GetBucketCors(const CallPtr& call);
  void DeleteBucketCors(const CallPtr& call);
  void Preflight(const CallPtr& call);
  void GetBucketVersioning(const CallPtr& call);
  void GetBucketAcl(const CallPtr& call);
  void GetBucketEncryption(const CallPtr& call);
  void GetBucketOwnershipControls(const CallPtr& call);
  void GetPublicAccessBlock(const CallPtr& call);
  void GetBucketLogging(const CallPtr& call);
  // Changes the stored bucket record through `change` (which may fail), then answers `status`.
  void UpdateBucket(const CallPtr& call, std::function<absl::Status(BucketRecord&)> change,
                    int status);
  // A configuration kept as XML in `field` of the bucket record: stores `xml` (empty: removes
  // it) and answers `status`; or answers it, `missing_code` when there is none.
  void SetBucketConfiguration(const CallPtr& call, std::string BucketRecord::*field,
                              std::string xml, int status);
  void GetBucketConfiguration(const CallPtr& call, std::string BucketRecord::*field,
                              std::string_view missing_code, std::string_view missing_message);

  // Object operations (object_operations.cc).
  void PutObject(const CallPtr& call);
  // An object arriving in the body of a request whose headers say what is stored with it
  // (StoredHeadersOf, Content-MD5, x-amz-checksum-*, If-Match and If-None-Match): PutObject's
  // and POST Object's one way to store an upload. `answer` replies once it is stored.
  struct IncomingObject {
    http::BodySource body;
    Pairs tags;
    uint64_t max_bytes = 0;  // more is EntityTooLarge
    // Checked once the body is in, before it is stored (POST's content-length-range); may be
    // unset.
    std::function<absl::Status(uint64_t size)> check_size;
    std::string_view event;  // "ObjectCreated:Put"
  };
  void ReceiveObject(const CallPtr& call, IncomingObject incoming,
                     std::function<void(const ObjectRecord& written)> answer);
  // A browser's form upload (post_object.cc): the form's fields stand for PutObject's headers.
  // It authenticates itself (the signature is in the form), and AcceptForm goes on once the
  // fields before the file are read.
  void PostObject(const CallPtr& call);
  void AcceptForm(const CallPtr& call, const std::shared_ptr<http::FormDataReader>& form);
  // The URL of the call's object on the host it addressed (POST's and
  // CompleteMultipartUpload's Location).
  std::string ObjectUrl(const Call& call) const;
  void CopyObject(const CallPtr& call);
  void GetObject(const CallPtr& call);
  void HeadObject(const CallPtr& call);
  void DeleteObject(const CallPtr& call);
  // Removes the object `stored` (if it is still what the key holds: FailedPrecondition
  // otherwise), then its blobs; DeleteObject's and the lifecycle sweeper's one delete path.
  void RemoveObject(const std::string& bucket, const std::string& key,
                    const Catalog::StoredObject& stored, std::function<void(absl::Status)> done);
  void DeleteObjects(const CallPtr& call);
  void PutObjectTagging(const CallPtr& call);
  void GetObjectTagging(const CallPtr& call);
  void DeleteObjectTagging(const CallPtr& call);
  void GetObjectAcl(const CallPtr& call);
  void GetObjectAttributes(const CallPtr& call);  // object_attributes.cc
  // The object x-amz-copy-source names, if it exists and the x-amz-copy-source-if-* conditions
  // hold for it (CopyObject, UploadPartCopy).
  struct CopySource {
    std::string bucket;
    std::string key;
    ObjectRecord record;
  };
  absl::StatusOr<CopySource> ResolveCopySource(const Call& call) const;
  // Stores `record` (whose body is `body`) under the call's key, replacing what is there, if
  // `precondition` holds for the current object; answers through `done`.
  struct Replacement {
    ObjectRecord record;
    std::string inline_bytes;
    std::vector<std::string> new_blobs;  // to register (and to remove if this fails)
    std::function<absl::Status(const std::optional<Catalog::StoredObject>&)> precondition;
    // More changes that commit with it (CompleteMultipartUpload: the upload goes), and blobs
    // that no record names once it has.
    std::function<void(storage::WriteBatch&)> more_changes;
    std::vector<std::string> blobs_released;
    // Told to the bucket's notification targets once it commits, before `done` hears OK (the
    // name and who made it; the object's part is filled in from `record`). Unset: nothing.
    std::optional<ObjectEvent> event;
  };
  void ReplaceObject(std::string bucket, std::string key, Replacement replacement,
                     std::function<void(absl::Status)> done);

  // Listing (list_operations.cc).
  void ListObjectsV2(const CallPtr& call);
  void ListObjectsV1(const CallPtr& call);
  void ListObjectVersions(const CallPtr& call);

  // Multipart uploads (multipart_operations.cc).
  void CreateMultipartUpload(const CallPtr& call);
  void UploadPart(const CallPtr& call);
  void UploadPartCopy(const CallPtr& call);
  void CompleteMultipartUpload(const CallPtr& call);
  void AbortMultipartUpload(const CallPtr& call);
  void ListParts(const CallPtr& call);
  void ListMultipartUploads(const CallPtr& call);
  // Removes an upload and its parts, then their blobs (AbortMultipartUpload, the sweeper).
  void RemoveUpload(const std::string& upload_id, std::function<void(absl::Status)> done);
  // The upload a call names (its uploadId, for its bucket and key): NoSuchUpload otherwise.
  absl::StatusOr<UploadRecord> ExistingUpload(const Call& call) const;
  // Stores a received part of the call's upload (replacing a part of the same number), then
  // `done` with it; the upload must still exist when it commits.
  void StorePart(const CallPtr& call, PartRecord part, std::function<void(const PartRecord&)> done);

  // Event notifications (notification_operations.cc).
  void PutBucketNotification(const CallPtr& call);
  void GetBucketNotification(const CallPtr& call);
  // An event named `name` about the call's object, made by the call's caller (the object's part
  // still to be filled in).
  ObjectEvent EventOf(const Call& call, std::string_view name) const;
  // Queues the records of `events` for each function their bucket's configuration sends them
  // to, durably, then runs `then`: a change is answered only once its events cannot be lost.
  void Notify(std::vector<ObjectEvent> events, std::function<void()> then);
  // Sends s3:TestEvent to every topic `config` names (after PutBucketNotification).
  void SendTestEvents(const NotificationConfig& config, const std::string& bucket,
                      const std::string& request_id);

  // Website hosting (website_operations.cc).
  void PutBucketWebsite(const CallPtr& call);
  void GetBucketWebsite(const CallPtr& call);
  void DeleteBucketWebsite(const CallPtr& call);
  // A request to a website endpoint (any method; S3Address::website).
  void ServeWebsite(const CallPtr& call);
  struct WebsiteRequest;
  // Serves `key` (the requested key, the index document appended for a directory) or the
  // error that stands in its place.
  void ServeWebsiteKey(const CallPtr& call, const WebsiteRequest& site, std::string key);
  // An error on the website endpoint: a routing rule for it, the error document, or S3's page.
  void FailWebsite(const CallPtr& call, const WebsiteRequest& site, const WebsiteError& error);

  // Lifecycle (lifecycle_operations.cc).
  void PutBucketLifecycle(const CallPtr& call);
  void GetBucketLifecycle(const CallPtr& call);
  void DeleteBucketLifecycle(const CallPtr& call);
  // One pass over the buckets with a lifecycle configuration, in bounded batches (each batch a
  // separate turn of the io thread): expired objects are removed and stale uploads aborted.
  // A pass asked for while one runs follows it.
  struct Sweep;
  void SweepLifecycle();
  void SweepStep();
  void ArmSweep();

  // At startup: removes blobs no record names (a crash came between a blob's commit and its
  // record's).
  absl::Status SweepOrphanBlobs();

  AccountContext account_;
  // The access keys a form's signature may name (null under --no-auth).
  const http::CredentialStore* credentials_;
  const Clock* clock_;
  storage::MetadataStore* metadata_;
  storage::BlobStore* blobs_;
  storage::PostToIo post_to_io_;
  Catalog catalog_;
  invoker::Invoker* invoker_;
  services::EventPublisherSlot* events_;  // EventBridgeConfiguration deliveries; may be null
  const lambda::FunctionRegistry* functions_;
  // SNS, for TopicConfigurations (filled in once every front end exists).
  const services::TopicPublisherSlot* topics_;
  iam::Authorizer* authorizer_;  // null: every call is allowed
  // Bucket name -> its policy, for the buckets that have one.
  std::map<std::string, iam::PolicyDocument, std::less<>> bucket_policies_;
  uint64_t sequence_ = 0;
  uint64_t objects_written_ = 0;
  uint64_t objects_expired_ = 0;
  uint64_t uploads_aborted_ = 0;
  // Object bodies handed to connections by GET (s3_object_bytes_served): shared with the body
  // sources, which the server may still hold after a reply. And GETs answered for a Range.
  std::shared_ptr<uint64_t> bytes_served_ = std::make_shared<uint64_t>(0);
  uint64_t ranged_gets_ = 0;
  boost::asio::io_context* io_;
  // The sweeper's timer (an asio steady_timer, kept out of this header).
  struct SweepTimer;
  std::unique_ptr<SweepTimer, void (*)(SweepTimer*)> sweep_timer_{nullptr, nullptr};
  std::shared_ptr<Sweep> sweep_;  // the pass in progress, if any
  bool sweep_again_ = false;
  bool draining_ = false;
  Worker blob_worker_{"s3-blobs",
                      Worker::Priority::kBulk};  // last: joined before what its jobs use goes
};

}  // namespace serval::s3
