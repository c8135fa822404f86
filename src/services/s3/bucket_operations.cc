// The bucket operations of S3Service: buckets themselves, their tags, policy and CORS
// configuration, and the answers to CORS preflights.

#include <fmt/format.h>

#include "common/aws_error.h"
#include "common/crypto.h"
#include "common/text.h"
#include "common/time_format.h"
#include "protocol/xml_reader.h"
#include "services/s3/bucket_name.h"
#include "services/s3/bucket_policy.h"
#include "services/s3/cors.h"
#include "services/s3/s3_errors.h"
#include "services/s3/s3_namespace.h"
#include "services/s3/s3_service.h"
#include "services/s3/tags.h"

namespace serval::s3 {

void S3Service::ListBuckets(const CallPtr& call) {
  const http::Request& request = call->request();
  const std::string prefix = request.QueryParam("prefix").value_or("");
  const std::string region = request.QueryParam("bucket-region").value_or("");
  // Pages by max-buckets (1-10000; all when absent), the token naming the last bucket listed.
  uint32_t max_buckets = 10000;
  const std::optional<std::string> max_text = request.QueryParam("max-buckets");
  if (max_text &&
      (!ParseDecimal(*max_text, &max_buckets) || max_buckets < 1 || max_buckets > 10000)) {
    return call->Fail(InvalidArgument("Argument max-buckets must be an integer between 1 and 10000",
                                      "max-buckets", *max_text));
  }
  std::string after;
  if (const std::optional<std::string> token = request.QueryParam("continuation-token")) {
    auto decoded = Base64Decode(*token);
    if (!decoded.ok() || decoded->empty()) {
      return call->Fail(InvalidArgument("The continuation token provided is incorrect",
                                        "continuation-token", *token));
    }
    after = *std::move(decoded);
  }
  auto buckets = catalog_.Buckets();
  if (!buckets.ok()) return call->Fail(buckets.status());
  protocol::XmlWriter xml;
  xml.Declaration().Open("ListAllMyBucketsResult", kS3Namespace);
  WriteOwner(xml);
  xml.Open("Buckets");
  uint32_t listed = 0;
  std::string next;  // the last bucket listed, when more follow
  for (const auto& [name, bucket] : *buckets) {
    if (name <= after || !name.starts_with(prefix) ||
        (!region.empty() && bucket.region != region)) {
      continue;
    }
    if (listed == max_buckets) {
      next = Base64Encode(after);
      break;
    }
    xml.Open("Bucket")
        .Element("Name", name)
        .Element("CreationDate", FormatIso8601Millis(bucket.created_millis))
        .Element("BucketRegion", bucket.region)
        .Close("Bucket");
    after = name;
    ++listed;
  }
  xml.Close("Buckets");
  if (!next.empty()) xml.Element("ContinuationToken", next);
  if (request.QueryParam("prefix")) xml.Element("Prefix", prefix);
  xml.Close("ListAllMyBucketsResult");
  call->ReplyXml(200, std::move(xml));
}

void S3Service::CreateBucket(const CallPtr& call) {
  const std::string& name = call->address.bucket;
  if (!IsValidBucketName(name)) return call->Fail(InvalidBucketName(name));
  if (!call->request().body.empty()) {
    auto configuration = protocol::ParseXml(call->request().body);
    if (!configuration.ok()) return call->Fail(configuration.status());
    if (configuration->name != "CreateBucketConfiguration") {
      return call->Fail(protocol::MalformedXml());
    }
    const std::string_view location = configuration->ChildText("LocationConstraint").value_or("");
    if (location == "us-east-1" && account_.region == "us-east-1") {
      return call->Fail(WithErrorField(S3Error(400, "InvalidLocationConstraint",
                                               "The specified location-constraint is not valid"),
                                       "LocationConstraint", location));
    }
    if (!location.empty() && location != account_.region) {
      return call->Fail(WithErrorField(
          S3Error(400, "IllegalLocationConstraintException",
                  fmt::format("The {} location constraint is incompatible for the region specific "
                              "endpoint this request was sent to.",
                              location)),
          "LocationConstraint", location));
    }
  }
  BucketRecord record{.created_millis = clock_->NowMillis(), .region = account_.region};
  storage::WriteBatch batch;
  batch.Expect(std::string(kBucketsTable), name, std::nullopt)
      .Put(std::string(kBucketsTable), name, EncodeBucketRecord(record));
  Commit(std::move(batch), [call, name](absl::Status status) {
    if (absl::IsFailedPrecondition(status)) return call->Fail(BucketAlreadyOwnedByYou(name));
    if (!status.ok()) return call->Fail(status);
    http::Response response;
    response.SetHeader("Location", "/" + name);
    call->Reply(std::move(response));
  });
}

void S3Service::HeadBucket(const CallPtr& call) {
  auto bucket = ExistingBucket(*call);
  if (!bucket.ok()) return call->Fail(bucket.status());
  http::Response response;
  response.SetHeader("x-amz-bucket-region", bucket->region);
  call->Reply(std::move(response));
}

void S3Service::DeleteBucket(const CallPtr& call) {
  const std::string& name = call->address.bucket;
  if (auto bucket = ExistingBucket(*call); !bucket.ok()) return call->Fail(bucket.status());
  auto objects = catalog_.ListObjects(name, "", "", 1);
  if (!objects.ok()) return call->Fail(objects.status());
  if (!objects->empty()) return call->Fail(BucketNotEmpty(name));
  // Uploads still in progress go with the bucket, their parts' blobs after the commit.
  auto uploads = catalog_.Uploads();
  if (!uploads.ok()) return call->Fail(uploads.status());
  storage::WriteBatch batch;
  std::vector<std::string> blobs;
  for (const auto& [upload_id, upload] : *uploads) {
    if (upload.bucket != name) continue;
    auto parts = catalog_.Parts(upload_id);
    if (!parts.ok()) return call->Fail(parts.status());
    for (const PartRecord& part : *parts) {
      batch.Delete(std::string(kBlobsTable), part.segment.blob);
      blobs.push_back(part.segment.blob);
    }
    batch.DeletePrefix(std::string(kPartsTable), upload_id + "/");
    batch.Delete(std::string(kUploadsTable), upload_id);
  }
  batch.Delete(std::string(kBucketsTable), name);
  Commit(std::move(batch), [this, call, blobs = std::move(blobs)](absl::Status status) mutable {
    if (!status.ok()) return call->Fail(status);
    SetBucketPolicy(call->address.bucket, "");
    RemoveBlobsLater(*blobs_, blob_worker_, std::move(blobs));
    call->ReplyEmpty(204);
  });
}

void S3Service::GetBucketLocation(const CallPtr& call) {
  auto bucket = ExistingBucket(*call);
  if (!bucket.ok()) return call->Fail(bucket.status());
  protocol::XmlWriter xml;
  // us-east-1 is the empty location constraint, as S3 has always answered.
  xml.Declaration()
      .Open("LocationConstraint", kS3Namespace)
      .Text(bucket->region == "us-east-1" ? "" : bucket->region)
      .Close("LocationConstraint");
  call->ReplyXml(200, std::move(xml));
}

void S3Service::UpdateBucket(const CallPtr& call, std::function<absl::Status(BucketRecord&)> change,
                             int status) {
  auto bucket = ExistingBucket(*call);
  if (!bucket.ok()) return call->Fail(bucket.status());
  const std::string before = EncodeBucketRecord(*bucket);
  const std::string policy_before = bucket->policy;
  if (absl::Status changed = change(*bucket); !changed.ok()) return call->Fail(changed);
  storage::WriteBatch batch;
  // A concurrent change of the same bucket fails this one rather than being lost.
  batch.Expect(std::string(kBucketsTable), call->address.bucket, before)
      .Put(std::string(kBucketsTable), call->address.bucket, EncodeBucketRecord(*bucket));
  std::optional<std::string> policy;  // set: the change replaced the bucket's policy
  if (bucket->policy != policy_before) policy = std::move(bucket->policy);
  Commit(std::move(batch), [this, call, status, policy = std::move(policy)](absl::Status written) {
    if (absl::IsFailedPrecondition(written)) {
      return call->Fail(OperationAborted());
    }
    if (!written.ok()) return call->Fail(written);
    if (policy) SetBucketPolicy(call->address.bucket, *policy);
    call->ReplyEmpty(status);
  });
}

void S3Service::SetBucketConfiguration(const CallPtr& call, std::string BucketRecord::*field,
                                       std::string xml, int status) {
  UpdateBucket(
      call,
      [field, xml = std::move(xml)](BucketRecord& bucket) {
        bucket.*field = xml;
        return absl::OkStatus();
      },
      status);
}

void S3Service::GetBucketConfiguration(const CallPtr& call, std::string BucketRecord::*field,
                                       std::string_view missing_code,
                                       std::string_view missing_message) {
  auto bucket = ExistingBucket(*call);
  if (!bucket.ok()) return call->Fail(bucket.status());
  if (((*bucket).*field).empty()) {
    return call->Fail(NoSuchConfiguration(missing_code, missing_message, call->address.bucket));
  }
  http::Response response;
  response.body = (*bucket).*field;
  response.SetHeader("Content-Type", "application/xml");
  call->Reply(std::move(response));
}

void S3Service::PutBucketTagging(const CallPtr& call) {
  auto tags = ParseTaggingXml(call->request().body, kMaxBucketTags);
  if (!tags.ok()) return call->Fail(tags.status());
  UpdateBucket(
      call,
      [tags = *std::move(tags)](BucketRecord& bucket) {
        bucket.tags = tags;
        return absl::OkStatus();
      },
      204);
}

void S3Service::GetBucketTagging(const CallPtr& call) {
  auto bucket = ExistingBucket(*call);
  if (!bucket.ok()) return call->Fail(bucket.status());
  if (bucket->tags.empty()) {
    return call->Fail(
        NoSuchConfiguration("NoSuchTagSet", "The TagSet does not exist", call->address.bucket));
  }
  call->ReplyXml(200, TaggingXml(bucket->tags));
}

void S3Service::DeleteBucketTagging(const CallPtr& call) {
  UpdateBucket(
      call,
      [](BucketRecord& bucket) {
        bucket.tags.clear();
        return absl::OkStatus();
      },
      204);
}

void S3Service::PutBucketPolicy(const CallPtr& call) {
  const std::string& policy = call->request().body;
  if (absl::Status valid = ValidateBucketPolicy(policy); !valid.ok()) return call->Fail(valid);
  UpdateBucket(
      call,
      [policy](BucketRecord& bucket) {
        bucket.policy = policy;
        return absl::OkStatus();
      },
      204);
}

void S3Service::GetBucketPolicy(const CallPtr& call) {
  auto bucket = ExistingBucket(*call);
  if (!bucket.ok()) return call->Fail(bucket.status());
  if (bucket->policy.empty()) {
    return call->Fail(NoSuchConfiguration("NoSuchBucketPolicy", "The bucket policy does not exist",
                                          call->address.bucket));
  }
  http::Response response;
  response.body = bucket->policy;
  response.SetHeader("Content-Type", "application/json");
  call->Reply(std::move(response));
}

void S3Service::DeleteBucketPolicy(const CallPtr& call) {
  UpdateBucket(
      call,
      [](BucketRecord& bucket) {
        bucket.policy.clear();
        return absl::OkStatus();
      },
      204);
}

void S3Service::PutBucketCors(const CallPtr& call) {
  auto rules = ParseCorsXml(call->request().body);
  if (!rules.ok()) return call->Fail(rules.status());
  UpdateBucket(
      call,
      [cors = CorsXml(*rules).Take()](BucketRecord& bucket) {
        bucket.cors = cors;
        return absl::OkStatus();
      },
      200);
}

void S3Service::GetBucketCors(const CallPtr& call) {
  auto bucket = ExistingBucket(*call);
  if (!bucket.ok()) return call->Fail(bucket.status());
  if (bucket->cors.empty()) {
    return call->Fail(NoSuchConfiguration(
        "NoSuchCORSConfiguration", "The CORS configuration does not exist", call->address.bucket));
  }
  http::Response response;
  response.body = bucket->cors;
  response.SetHeader("Content-Type", "application/xml");
  call->Reply(std::move(response));
}

void S3Service::DeleteBucketCors(const CallPtr& call) {
  UpdateBucket(
      call,
      [](BucketRecord& bucket) {
        bucket.cors.clear();
        return absl::OkStatus();
      },
      204);
}

void S3Service::Preflight(const CallPtr& call) {
  const http::Request& request = call->request();
  const std::string_view origin = request.Header("Origin");
  const std::string_view method = request.Header("Access-Control-Request-Method");
  if (origin.empty() || method.empty()) {
    return call->Fail(
        S3Error(400, "BadRequest", "Insufficient information. Origin request header needed."));
  }
  // S3 names the method asked for and what it was asked of in each refusal.
  auto refusal = [&](std::string_view message) {
    return WithErrorField(
        WithErrorField(S3Error(403, "AccessForbidden", message), "Method", method), "ResourceType",
        call->address.key.empty() ? "BUCKET" : "OBJECT");
  };
  auto bucket = ExistingBucket(*call);
  if (AwsErrorCode(bucket.status()) == "NoSuchBucket") {
    return call->Fail(refusal("CORSResponse: Bucket not found"));
  }
  if (!bucket.ok()) return call->Fail(bucket.status());
  const absl::Status forbidden = refusal(
      bucket->cors.empty()
          ? "CORSResponse: CORS is not enabled for this bucket."
          : "CORSResponse: This CORS request is not allowed. This is usually because the "
            "evalution of Origin, request method / Access-Control-Request-Method or "
            "Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.");
  if (bucket->cors.empty()) return call->Fail(forbidden);
  auto rules = ParseCorsXml(bucket->cors);
  if (!rules.ok()) return call->Fail(rules.status());
  auto headers =
      CorsHeaders(*rules, origin, method, request.Header("Access-Control-Request-Headers"));
  if (!headers) return call->Fail(forbidden);
  http::Response response;
  response.headers = *std::move(headers);
  call->Reply(std::move(response));
}

void S3Service::GetBucketVersioning(const CallPtr& call) {
  if (auto bucket = ExistingBucket(*call); !bucket.ok()) return call->Fail(bucket.status());
  protocol::XmlWriter xml;
  xml.Declaration().Open("VersioningConfiguration", kS3Namespace).Close("VersioningConfiguration");
  call->ReplyXml(200, std::move(xml));
}

// Bucket settings Serval does not keep, read as a bucket S3 made today has them: objects
// encrypted at rest with S3's keys (SSE-S3), ACLs disabled (the owner owns every object), no
// public access block configured (a bucket policy decides, as Serval enforces it), no logging.
void S3Service::GetBucketEncryption(const CallPtr& call) {
  if (auto bucket = ExistingBucket(*call); !bucket.ok()) return call->Fail(bucket.status());
  protocol::XmlWriter xml;
  xml.Declaration()
      .Open("ServerSideEncryptionConfiguration", kS3Namespace)
      .Open("Rule")
      .Open("ApplyServerSideEncryptionByDefault")
      .Element("SSEAlgorithm", "AES256")
      .Close("ApplyServerSideEncryptionByDefault")
      .Element("BucketKeyEnabled", "false")
      .Close("Rule")
      .Close("ServerSideEncryptionConfiguration");
  call->ReplyXml(200, std::move(xml));
}

void S3Service::GetBucketOwnershipControls(const CallPtr& call) {
  if (auto bucket = ExistingBucket(*call); !bucket.ok()) return call->Fail(bucket.status());
  protocol::XmlWriter xml;
  xml.Declaration()
      .Open("OwnershipControls", kS3Namespace)
      .Open("Rule")
      .Element("ObjectOwnership", "BucketOwnerEnforced")
      .Close("Rule")
      .Close("OwnershipControls");
  call->ReplyXml(200, std::move(xml));
}

void S3Service::GetPublicAccessBlock(const CallPtr& call) {
  if (auto bucket = ExistingBucket(*call); !bucket.ok()) return call->Fail(bucket.status());
  call->Fail(WithErrorField(S3Error(404, "NoSuchPublicAccessBlockConfiguration",
                                    "The public access block configuration was not found"),
                            "BucketName", call->address.bucket));
}

void S3Service::GetBucketLogging(const CallPtr& call) {
  if (auto bucket = ExistingBucket(*call); !bucket.ok()) return call->Fail(bucket.status());
  protocol::XmlWriter xml;
  xml.Declaration().Open("BucketLoggingStatus", kS3Namespace).Close("BucketLoggingStatus");
  call->ReplyXml(200, std::move(xml));
}

void S3Service::GetBucketAcl(const CallPtr& call) {
  if (auto bucket = ExistingBucket(*call); !bucket.ok()) return call->Fail(bucket.status());
  protocol::XmlWriter xml;
  xml.Declaration().Open("AccessControlPolicy", kS3Namespace);
  WriteOwner(xml);
  xml.Open("AccessControlList")
      .Open("Grant")
      .OpenWithAttributes("Grantee", {{"xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance"},
                                      {"xsi:type", "CanonicalUser"}})
      .Element("ID", kOwnerId)
      .Element("DisplayName", kOwnerName)
      .Close("Grantee")
      .Element("Permission", "FULL_CONTROL")
      .Close("Grant")
      .Close("AccessControlList")
      .Close("AccessControlPolicy");
  call->ReplyXml(200, std::move(xml));
}

void S3Service::GetObjectAcl(const CallPtr& call) {
  auto object = catalog_.Object(call->address.bucket, call->address.key);
  if (!object.ok()) return call->Fail(object.status());
  if (!object->has_value()) return call->Fail(NoSuchKey(call->address.key));
  GetBucketAcl(call);
}

}  // namespace serval::s3
