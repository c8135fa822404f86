// The object operations of S3Service: PUT (plain and copy), GET, HEAD, DELETE, DeleteObjects and
// object tags.

#include <fmt/format.h>

#include "absl/strings/escaping.h"
#include "common/aws_error.h"
#include "common/crypto.h"
#include "common/percent_encoding.h"
#include "common/text.h"
#include "common/time_format.h"
#include "protocol/xml_reader.h"
#include "services/s3/conditions.h"
#include "services/s3/lifecycle.h"
#include "services/s3/object_parts.h"
#include "services/s3/request_checksum.h"
#include "services/s3/s3_access.h"
#include "services/s3/s3_errors.h"
#include "services/s3/s3_namespace.h"
#include "services/s3/s3_service.h"
#include "services/s3/stored_headers.h"
#include "services/s3/tags.h"
#include "storage/offload.h"

namespace serval::s3 {
namespace {

constexpr size_t kMaxKeyBytes = 1024;
constexpr size_t kMaxDeleteObjects = 1000;
// How often a change is tried again when another change of the same key committed between its
// read and its write.
constexpr int kMaxAttempts = 8;
constexpr int kMaxServeAttempts = 3;

// `source`, adding the size of each piece it produces to `*count`. The server asks for a piece
// only once the one before is written to the socket, so a client that stops reading (MediaInfo
// closing its connection once it has what it needs) stops the count, give or take a piece and
// what the kernel's socket buffers hold.
http::BodySource Counted(http::BodySource source, std::shared_ptr<uint64_t> count) {
  return [source = std::move(source), count](http::BodyChunkCallback callback) {
    source([count, callback = std::move(callback)](absl::StatusOr<http::BodyChunk> chunk) {
      if (chunk.ok()) *count += chunk->data.size();
      callback(std::move(chunk));
    });
  };
}

}  // namespace

void S3Service::ReplaceObject(std::string bucket, std::string key, Replacement replacement,
                              std::function<void(absl::Status)> done) {
  auto attempt = std::make_shared<std::function<void(int)>>();
  auto state = std::make_shared<Replacement>(std::move(replacement));
  // Each attempt reads the current object, checks the precondition against it and commits
  // only if it is still current (Expect): a concurrent change of the key makes it try again.
  *attempt = [this, bucket, key, state, done, attempt](int tries) {
    auto fail = [&](const absl::Status& status) {
      RemoveBlobsLater(*blobs_, blob_worker_, state->new_blobs);
      done(status);
      *attempt = nullptr;  // breaks the cycle
    };
    auto bucket_record = metadata_->Get(kBucketsTable, bucket);
    if (!bucket_record.ok()) return fail(bucket_record.status());
    if (!bucket_record->has_value()) return fail(NoSuchBucket(bucket));
    auto current = catalog_.Object(bucket, key);
    if (!current.ok()) return fail(current.status());
    if (state->precondition) {
      if (absl::Status holds = state->precondition(*current); !holds.ok()) return fail(holds);
    }
    const std::string object_key = ObjectKey(bucket, key);
    storage::WriteBatch batch;
    batch.Expect(std::string(kBucketsTable), bucket, **bucket_record);
    batch.Expect(
        std::string(kObjectsTable), object_key,
        current->has_value() ? std::optional<std::string>((*current)->encoded) : std::nullopt);
    state->record.sequencer = NextSequencer();
    batch.Put(std::string(kObjectsTable), object_key, EncodeObjectRecord(state->record));
    if (state->record.inline_body() && !state->inline_bytes.empty()) {
      batch.Put(std::string(kBodiesTable), object_key, state->inline_bytes);
    } else {
      batch.Delete(std::string(kBodiesTable), object_key);
    }
    for (const std::string& blob : state->new_blobs) {
      batch.Put(std::string(kBlobsTable), blob, "");
    }
    if (state->more_changes) state->more_changes(batch);
    std::vector<std::string> old_blobs;
    if (current->has_value()) {
      for (const Segment& segment : (*current)->record.segments) {
        batch.Delete(std::string(kBlobsTable), segment.blob);
        old_blobs.push_back(segment.blob);
      }
    }
    Commit(std::move(batch), [this, tries, state, done, attempt,
                              old_blobs = std::move(old_blobs)](absl::Status status) mutable {
      if (absl::IsFailedPrecondition(status) && tries + 1 < kMaxAttempts) {
        return (*attempt)(tries + 1);
      }
      if (absl::IsFailedPrecondition(status)) {
        status = OperationAborted();
      }
      if (!status.ok()) {
        RemoveBlobsLater(*blobs_, blob_worker_, state->new_blobs);
      } else {
        ++objects_written_;
        old_blobs.insert(old_blobs.end(), state->blobs_released.begin(),
                         state->blobs_released.end());
        RemoveBlobsLater(*blobs_, blob_worker_, std::move(old_blobs));
      }
      *attempt = nullptr;
      if (status.ok() && state->event) {
        ObjectEvent event = *std::move(state->event);
        event.size = state->record.size;
        event.etag = state->record.etag;
        event.sequencer = state->record.sequencer;
        return Notify({std::move(event)}, [done] { done(absl::OkStatus()); });
      }
      done(status);
    });
  };
  (*attempt)(0);
}

void S3Service::PutObject(const CallPtr& call) {
  if (!call->request().Header("x-amz-copy-source").empty()) return CopyObject(call);
  auto tags = ParseTaggingHeader(call->request().Header("x-amz-tagging"));
  if (!tags.ok()) return call->Fail(tags.status());
  ReceiveObject(call,
                {.body = BodySourceOf(call->context.request),
                 .tags = *std::move(tags),
                 .max_bytes = kMaxSinglePutBytes,
                 .event = "ObjectCreated:Put"},
                [this, call](const ObjectRecord& written) {
                  http::Response response;
                  response.SetHeader("ETag", QuotedEtag(written.etag));
                  AddObjectChecksumHeaders(written, std::nullopt, response);
                  AddEncryptionHeaders(written.headers, response);
                  AddExpirationHeader(*call, written, response);
                  call->Reply(std::move(response));
                });
}

void S3Service::ReceiveObject(const CallPtr& call, IncomingObject incoming,
                              std::function<void(const ObjectRecord& written)> answer) {
  const http::Request& request = call->request();
  const std::string& key = call->address.key;
  if (key.size() > kMaxKeyBytes) return call->Fail(KeyTooLong(key.size()));
  if (auto bucket = ExistingBucket(*call); !bucket.ok()) return call->Fail(bucket.status());
  auto headers = StoredHeadersOf(request);
  if (!headers.ok()) return call->Fail(headers.status());
  auto declared_md5 = DeclaredContentMd5(request);
  if (!declared_md5.ok()) return call->Fail(declared_md5.status());
  auto requested_checksum = RequestedChecksumOf(request);
  if (!requested_checksum.ok()) return call->Fail(requested_checksum.status());
  uint64_t declared_size = 0;
  for (std::string_view length :
       {request.Header("x-amz-decoded-content-length"), request.Header("Content-Length")}) {
    if (!length.empty() && ParseDecimal(length, &declared_size)) break;
  }
  if (declared_size > incoming.max_bytes) {
    return call->Fail(EntityTooLarge(declared_size, incoming.max_bytes));
  }
  ObjectRecord record;
  record.headers = *std::move(headers);
  record.tags = std::move(incoming.tags);
  ReceiveOptions options = ReceiveOptionsFor(incoming.max_bytes, /*allow_inline=*/true);
  options.checksum = ChecksumFor(*requested_checksum);
  ReceiveBody(std::move(incoming.body), options,
              [this, call, record = std::move(record), declared_md5 = *std::move(declared_md5),
               requested = *std::move(requested_checksum), checksum = options.checksum,
               check_size = std::move(incoming.check_size), event = incoming.event,
               answer = std::move(answer)](absl::StatusOr<ReceivedBody> body) mutable {
                if (!body.ok()) return call->Fail(body.status());
                Replacement replacement;
                if (body->blob) replacement.new_blobs.push_back(body->blob->blob);
                absl::StatusOr<Pairs> checksums =
                    CheckedChecksums(call->context, requested, checksum.get());
                if (!declared_md5.empty() && declared_md5 != body->md5) checksums = BadDigest();
                if (check_size) {
                  if (absl::Status size = check_size(body->size); !size.ok()) checksums = size;
                }
                if (!checksums.ok()) {
                  RemoveBlobsLater(*blobs_, blob_worker_, replacement.new_blobs);
                  return call->Fail(checksums.status());
                }
                record.checksums =
                    checksums->empty() ? DefaultChecksum(body->crc64nvme) : *std::move(checksums);
                record.size = body->size;
                record.etag = absl::BytesToHexString(body->md5);
                record.last_modified_millis = clock_->NowMillis();
                if (body->blob) record.segments.push_back(*body->blob);
                replacement.inline_bytes = std::move(body->inline_bytes);
                const http::Request& request = call->request();
                const std::string if_none_match(request.Header("If-None-Match"));
                const std::string if_match(request.Header("If-Match"));
                replacement.precondition =
                    [if_none_match, if_match, key = call->address.key](
                        const std::optional<Catalog::StoredObject>& current) -> absl::Status {
                  if (!if_none_match.empty() && current.has_value() &&
                      EtagListMatches(if_none_match, current->record.etag)) {
                    return PreconditionFailed("If-None-Match");
                  }
                  if (!if_match.empty()) {
                    if (!current.has_value()) return NoSuchKey(key);
                    if (!EtagListMatches(if_match, current->record.etag)) {
                      return PreconditionFailed("If-Match");
                    }
                  }
                  return absl::OkStatus();
                };
                const ObjectRecord written = record;
                replacement.record = std::move(record);
                replacement.event = EventOf(*call, event);
                ReplaceObject(call->address.bucket, call->address.key, std::move(replacement),
                              [call, written, answer = std::move(answer)](absl::Status status) {
                                if (!status.ok()) return call->Fail(status);
                                answer(written);
                              });
              });
}

void S3Service::AddExpirationHeader(const Call& call, const ObjectRecord& written,
                                    http::Response& response) const {
  auto bucket = catalog_.Bucket(call.address.bucket);
  if (!bucket.ok() || !bucket->has_value()) return;
  if (auto expiration = ExpirationHeaderFor((*bucket)->lifecycle, call.address.key, written)) {
    response.SetHeader("x-amz-expiration", *expiration);
  }
}

absl::StatusOr<S3Service::CopySource> S3Service::ResolveCopySource(const Call& call) const {
  const http::Request& request = call.request();
  auto names = CopySourceOf(request.Header("x-amz-copy-source"));
  if (!names.ok()) return names.status();
  CopySource source{.bucket = std::move(names->first), .key = std::move(names->second)};
  auto bucket = catalog_.Bucket(source.bucket);
  if (!bucket.ok()) return bucket.status();
  if (!bucket->has_value()) return NoSuchBucket(source.bucket);
  auto stored = catalog_.Object(source.bucket, source.key);
  if (!stored.ok()) return stored.status();
  if (!stored->has_value()) return NoSuchKey(source.key);
  source.record = std::move((*stored)->record);
  if (absl::Status holds = EvaluateCopySourceConditions(request, source.record.etag,
                                                        source.record.last_modified_millis);
      !holds.ok()) {
    return holds;
  }
  return source;
}

void S3Service::CopyObject(const CallPtr& call) {
  const http::Request& request = call->request();
  const std::string& key = call->address.key;
  if (key.size() > kMaxKeyBytes) return call->Fail(KeyTooLong(key.size()));
  if (auto bucket = ExistingBucket(*call); !bucket.ok()) return call->Fail(bucket.status());
  auto source = ResolveCopySource(*call);
  if (!source.ok()) return call->Fail(source.status());
  const std::string& source_bucket = source->bucket;
  const std::string& source_key = source->key;
  const ObjectRecord& original = source->record;
  const std::string_view metadata_directive = request.Header("x-amz-metadata-directive");
  const std::string_view tagging_directive = request.Header("x-amz-tagging-directive");
  for (std::string_view directive : {metadata_directive, tagging_directive}) {
    if (!directive.empty() && directive != "COPY" && directive != "REPLACE") {
      return call->Fail(
          InvalidArgument("Unknown metadata directive.", "x-amz-metadata-directive", directive));
    }
  }
  ObjectRecord record = original;
  record.segments.clear();
  record.parts_count = 0;
  // The copy is one piece: its checksum covers the whole (FULL_OBJECT). One is computed while
  // copying when x-amz-checksum-algorithm asks for it or the source's is of its parts; a source
  // without any (stored by a Serval before default checksums) gives the copy S3's default.
  std::shared_ptr<Checksum> checksum;
  if (const std::string_view asked = request.Header("x-amz-checksum-algorithm"); !asked.empty()) {
    auto named = Checksum::For(asked);
    if (!named.ok()) return call->Fail(named.status());
    checksum = *std::move(named);
  } else if (!original.checksum_type.empty() && !original.checksums.empty()) {
    if (auto algorithm = ParseChecksumAlgorithm(original.checksums[0].first)) {
      checksum = Checksum::Create(*algorithm);
    }
  } else if (original.checksums.empty()) {
    checksum = Checksum::Create(ChecksumAlgorithm::kCrc64Nvme);
  }
  record.checksum_type.clear();
  record.part_checksums.clear();
  if (checksum) record.checksums.clear();
  if (metadata_directive == "REPLACE") {
    auto headers = StoredHeadersOf(request);
    if (!headers.ok()) return call->Fail(headers.status());
    record.headers = *std::move(headers);
  } else {
    // COPY keeps the source's headers but takes a new storage class or redirect if given.
    const std::string_view storage_class = request.Header("x-amz-storage-class");
    if (!storage_class.empty()) {
      record.headers.storage_class = storage_class == "STANDARD" ? "" : std::string(storage_class);
    }
    const std::string_view redirect = request.Header("x-amz-website-redirect-location");
    if (!redirect.empty()) record.headers.website_redirect_location = std::string(redirect);
    // The copy is encrypted as the request asks, else by the bucket's default (SSE-S3), whatever
    // the source's was.
    if (absl::Status encryption = ReadEncryption(request, record.headers); !encryption.ok()) {
      return call->Fail(encryption);
    }
  }
  if (tagging_directive == "REPLACE") {
    auto tags = ParseTaggingHeader(request.Header("x-amz-tagging"));
    if (!tags.ok()) return call->Fail(tags.status());
    record.tags = *std::move(tags);
  }
  if (source_bucket == call->address.bucket && source_key == key &&
      metadata_directive != "REPLACE" && record.headers == original.headers) {
    return call->Fail(InvalidRequest(
        "This copy request is illegal because it is trying to copy an object to itself without "
        "changing the object's metadata, storage class, website redirect location or "
        "encryption attributes."));
  }
  record.last_modified_millis = clock_->NowMillis();
  auto finish = [this, call, checksum](ObjectRecord record, std::string inline_bytes,
                                       std::vector<std::string> new_blobs) {
    if (checksum) record.checksums = StoredChecksum(*checksum);
    Replacement replacement{.record = std::move(record),
                            .inline_bytes = std::move(inline_bytes),
                            .new_blobs = std::move(new_blobs),
                            .event = EventOf(*call, "ObjectCreated:Copy")};
    const ObjectRecord copied = replacement.record;
    ReplaceObject(call->address.bucket, call->address.key, std::move(replacement),
                  [this, call, copied](absl::Status status) {
                    if (!status.ok()) return call->Fail(status);
                    protocol::XmlWriter xml;
                    xml.Declaration()
                        .Open("CopyObjectResult", kS3Namespace)
                        .Element("LastModified", FormatIso8601Millis(copied.last_modified_millis))
                        .Element("ETag", QuotedEtag(copied.etag));
                    WriteChecksumElements(copied.checksums, xml);
                    if (!copied.checksums.empty()) xml.Element("ChecksumType", "FULL_OBJECT");
                    xml.Close("CopyObjectResult");
                    http::Response response;
                    AddEncryptionHeaders(copied.headers, response);
                    AddExpirationHeader(*call, copied, response);
                    call->ReplyXml(200, std::move(xml), std::move(response));
                  });
  };
  if (original.inline_body()) {
    auto bytes = catalog_.InlineBody(source_bucket, source_key);
    if (!bytes.ok()) return call->Fail(bytes.status());
    if (checksum) checksum->Update(*bytes);
    return finish(std::move(record), *std::move(bytes), {});
  }
  storage::Offload(
      blob_worker_, post_to_io_,
      [this, segments = original.segments, size = original.size, checksum] {
        return CopyIntoBlob(*blobs_, segments, 0, size, checksum.get());
      },
      [call, finish, record](absl::StatusOr<ReceivedBody> copied) {
        if (!copied.ok()) return call->Fail(copied.status());
        // The copy is one piece: a multipart source's "<md5 of md5s>-<parts>" ETag becomes the
        // MD5 of the content, as S3's copy of an unencrypted object does.
        ObjectRecord made = record;
        made.etag = absl::BytesToHexString(copied->md5);
        made.segments.push_back(*copied->blob);
        finish(std::move(made), "", {copied->blob->blob});
      });
}

void S3Service::GetObject(const CallPtr& call) { ServeObject(call, /*with_body=*/true, 0); }

void S3Service::HeadObject(const CallPtr& call) { ServeObject(call, /*with_body=*/false, 0); }

void S3Service::ServeObject(const CallPtr& call, bool with_body, int attempt, int error_status) {
  // ?partNumber= reads one part; S3 judges it before it looks for the object.
  std::optional<uint32_t> part_number;
  if (error_status == 0 && call->request().QueryParam("partNumber").has_value()) {
    if (!call->request().Header("Range").empty()) {
      return call->Fail(
          InvalidRequest("Cannot specify both Range header and partNumber query parameter"));
    }
    auto number = PartNumberOf(call->request());
    if (!number.ok()) return call->Fail(number.status());
    part_number = *number;
  }
  auto bucket = ExistingBucket(*call);
  if (!bucket.ok()) return call->Fail(bucket.status());
  auto stored = catalog_.Object(call->address.bucket, call->address.key);
  if (!stored.ok()) return call->Fail(stored.status());
  if (!stored->has_value()) return call->Fail(NoSuchKey(call->address.key));
  const ObjectRecord& record = (*stored)->record;
  const http::Request& request = call->request();

  http::Response response;
  response.SetHeader("ETag", QuotedEtag(record.etag));
  response.SetHeader("Last-Modified", FormatHttpDate(record.last_modified_millis));
  auto condition = error_status != 0
                       ? absl::StatusOr<Condition>(Condition::kProceed)
                       : EvaluateReadConditions(request, record.etag, record.last_modified_millis);
  if (!condition.ok()) return call->Fail(condition.status());
  if (*condition == Condition::kNotModified) {
    response.status = 304;
    return call->Reply(std::move(response));
  }
  auto range = part_number ? PartRangeOf(record, *part_number)
                           : RangeOf(error_status != 0 ? "" : request.Header("Range"), record.size);
  if (!range.ok()) return call->Fail(range.status());
  const ByteRange whole{0, record.size == 0 ? 0 : record.size - 1};
  const ByteRange served = range->value_or(whole);
  // An empty part (PartRangeOf's nullopt) is no bytes, not the whole object.
  const bool empty = record.size == 0 || (part_number && !range->has_value());
  const uint64_t length = empty ? 0 : served.size();
  response.status = error_status != 0                   ? error_status
                    : range->has_value() || part_number ? 206
                                                        : 200;
  if (range->has_value()) {
    response.SetHeader("Content-Range",
                       fmt::format("bytes {}-{}/{}", served.first, served.last, record.size));
  }
  response.SetHeader("Accept-Ranges", "bytes");
  AddStoredHeaders(record.headers, response);
  if (auto expiration = ExpirationHeaderFor(bucket->lifecycle, call->address.key, record)) {
    response.SetHeader("x-amz-expiration", *expiration);
  }
  if (!record.tags.empty()) {
    response.SetHeader("x-amz-tagging-count", std::to_string(record.tags.size()));
  }
  if (record.parts_count > 0 && part_number) {
    response.SetHeader("x-amz-mp-parts-count", std::to_string(record.parts_count));
  }
  // A checksum covers the whole object or a part: a Range is answered without one, as S3 does
  // (SDKs that validate responses would otherwise compare it with the bytes they got).
  if ((part_number || !range->has_value()) &&
      EqualsIgnoreCase(request.Header("x-amz-checksum-mode"), "ENABLED")) {
    AddObjectChecksumHeaders(record, part_number, response);
  }
  // response-* parameters override what the answer says of the object.
  static constexpr std::pair<std::string_view, std::string_view> kOverrides[] = {
      {"response-content-type", "Content-Type"},
      {"response-content-language", "Content-Language"},
      {"response-expires", "Expires"},
      {"response-cache-control", "Cache-Control"},
      {"response-content-disposition", "Content-Disposition"},
      {"response-content-encoding", "Content-Encoding"}};
  // Not a structured binding: clang 14 cannot capture one in a lambda.
  for (const auto& override_pair : kOverrides) {
    const std::string_view parameter = override_pair.first;
    const std::string_view header = override_pair.second;
    if (std::optional<std::string> value = request.QueryParam(parameter)) {
      std::erase_if(response.headers,
                    [&](const auto& existing) { return EqualsIgnoreCase(existing.first, header); });
      response.SetHeader(std::string(header), *value);
    }
  }
  response.body_size = length;
  if (!with_body || length == 0) return call->Reply(std::move(response));
  if (range->has_value() && attempt == 0) ++ranged_gets_;  // not again when served anew
  if (record.inline_body()) {
    auto bytes = catalog_.InlineBody(call->address.bucket, call->address.key);
    if (!bytes.ok()) return call->Fail(bytes.status());
    if (bytes->size() != record.size) return call->Fail(absl::DataLossError("short object body"));
    response.body = bytes->substr(served.first, length);
    response.body_size.reset();
    *bytes_served_ += length;
    return call->Reply(std::move(response));
  }
  storage::Offload(
      blob_worker_, post_to_io_,
      [this, segments = record.segments] { return OpenObject::Open(*blobs_, segments); },
      [this, call, with_body, attempt, error_status, served,
       response = std::move(response)](absl::StatusOr<std::shared_ptr<OpenObject>> opened) {
        // Replaced or deleted since its record was read: serve what is there now.
        if (absl::IsNotFound(opened.status()) && attempt + 1 < kMaxServeAttempts) {
          return ServeObject(call, with_body, attempt + 1, error_status);
        }
        if (!opened.ok()) return call->Fail(opened.status());
        http::Response streamed = response;
        streamed.body_source =
            Counted((*opened)->Source(served, &blob_worker_, post_to_io_), bytes_served_);
        call->Reply(std::move(streamed));
      });
}

void S3Service::DeleteObject(const CallPtr& call) {
  if (auto bucket = ExistingBucket(*call); !bucket.ok()) return call->Fail(bucket.status());
  auto stored = catalog_.Object(call->address.bucket, call->address.key);
  if (!stored.ok()) return call->Fail(stored.status());
  if (!stored->has_value()) return call->ReplyEmpty(204);  // S3 answers 204 for a missing key
  RemoveObject(call->address.bucket, call->address.key, **stored,
               [this, call](absl::Status status) {
                 // Another change won the race: that change stands, and this delete came before it.
                 if (absl::IsFailedPrecondition(status)) return call->ReplyEmpty(204);
                 if (!status.ok()) return call->Fail(status);
                 ObjectEvent event = EventOf(*call, "ObjectRemoved:Delete");
                 event.sequencer = NextSequencer();
                 Notify({std::move(event)}, [call] { call->ReplyEmpty(204); });
               });
}

void S3Service::RemoveObject(const std::string& bucket, const std::string& key,
                             const Catalog::StoredObject& stored,
                             std::function<void(absl::Status)> done) {
  const std::string object_key = ObjectKey(bucket, key);
  storage::WriteBatch batch;
  batch.Expect(std::string(kObjectsTable), object_key, stored.encoded)
      .Delete(std::string(kObjectsTable), object_key)
      .Delete(std::string(kBodiesTable), object_key);
  std::vector<std::string> blobs;
  for (const Segment& segment : stored.record.segments) {
    batch.Delete(std::string(kBlobsTable), segment.blob);
    blobs.push_back(segment.blob);
  }
  Commit(std::move(batch),
         [this, done = std::move(done), blobs = std::move(blobs)](absl::Status status) mutable {
           if (status.ok()) RemoveBlobsLater(*blobs_, blob_worker_, std::move(blobs));
           done(status);
         });
}

void S3Service::DeleteObjects(const CallPtr& call) {
  if (auto bucket = ExistingBucket(*call); !bucket.ok()) return call->Fail(bucket.status());
  auto document = protocol::ParseXml(call->request().body);
  if (!document.ok()) return call->Fail(document.status());
  if (document->name != "Delete") return call->Fail(protocol::MalformedXml());
  const std::vector<const protocol::XmlElement*> objects = document->Children("Object");
  if (objects.empty() || objects.size() > kMaxDeleteObjects) {
    return call->Fail(protocol::MalformedXml());
  }
  const bool quiet = document->ChildText("Quiet").value_or("") == "true";
  storage::WriteBatch batch;
  // The keys to delete, with the version they named ("null" or none: buckets are never
  // versioned, so any other is NoSuchVersion and the object stays).
  std::vector<std::pair<std::string, std::optional<std::string>>> keys;
  std::vector<std::string> blobs;
  std::vector<std::pair<std::string, std::string>> unknown_versions;  // key, version
  // Keys the caller may not delete, with the denial (IAM asks about each key on its own).
  std::vector<std::pair<std::string, absl::Status>> denied;
  std::vector<ObjectEvent> events;  // of the keys that exist
  for (const protocol::XmlElement* object : objects) {
    std::optional<std::string_view> key = object->ChildText("Key");
    if (!key) return call->Fail(protocol::MalformedXml());
    const std::optional<std::string_view> version = object->ChildText("VersionId");
    if (Authorizing(*call)) {
      absl::Status allowed =
          Authorize(*call, DeleteObjectRequest(call->address.bucket, *key, version.value_or(""),
                                               BucketPolicy(call->address.bucket)));
      if (!allowed.ok()) {
        denied.emplace_back(*key, std::move(allowed));
        continue;
      }
    }
    if (version && *version != "null") {
      unknown_versions.emplace_back(*key, *version);
      continue;
    }
    keys.emplace_back(*key, version ? std::optional<std::string>(*version) : std::nullopt);
    auto stored = catalog_.Object(call->address.bucket, *key);
    if (!stored.ok()) return call->Fail(stored.status());
    if (!stored->has_value()) continue;
    events.push_back(EventOf(*call, "ObjectRemoved:Delete"));
    events.back().key = std::string(*key);
    const std::string object_key = ObjectKey(call->address.bucket, *key);
    batch.Delete(std::string(kObjectsTable), object_key)
        .Delete(std::string(kBodiesTable), object_key);
    for (const Segment& segment : (*stored)->record.segments) {
      batch.Delete(std::string(kBlobsTable), segment.blob);
      blobs.push_back(segment.blob);
    }
  }
  Commit(std::move(batch),
         [this, call, quiet, keys = std::move(keys), blobs = std::move(blobs),
          unknown_versions = std::move(unknown_versions), denied = std::move(denied),
          events = std::move(events)](absl::Status status) mutable {
           protocol::XmlWriter xml;
           xml.Declaration().Open("DeleteResult", kS3Namespace);
           for (const auto& entry : denied) {
             xml.Open("Error")
                 .Element("Key", entry.first)
                 .Element("Code", "AccessDenied")
                 .Element("Message", std::string(entry.second.message()))
                 .Close("Error");
           }
           for (const auto& [key, version] : unknown_versions) {
             xml.Open("Error")
                 .Element("Key", key)
                 .Element("VersionId", version)
                 .Element("Code", "NoSuchVersion")
                 .Element("Message", "The specified version does not exist.")
                 .Close("Error");
           }
           for (const auto& [key, version] : keys) {
             if (!status.ok()) {
               xml.Open("Error")
                   .Element("Key", key)
                   .Element("Code", "InternalError")
                   .Element("Message", std::string(status.message()))
                   .Close("Error");
             } else if (!quiet) {
               xml.Open("Deleted").Element("Key", key);
               if (version) xml.Element("VersionId", *version);
               xml.Close("Deleted");
             }
           }
           xml.Close("DeleteResult");
           if (!status.ok()) return call->ReplyXml(200, std::move(xml));
           RemoveBlobsLater(*blobs_, blob_worker_, std::move(blobs));
           for (ObjectEvent& event : events) event.sequencer = NextSequencer();
           Notify(std::move(events),
                  [call, xml = std::move(xml)]() mutable { call->ReplyXml(200, std::move(xml)); });
         });
}

void S3Service::PutObjectTagging(const CallPtr& call) {
  auto tags = ParseTaggingXml(call->request().body, kMaxObjectTags);
  if (!tags.ok()) return call->Fail(tags.status());
  if (auto bucket = ExistingBucket(*call); !bucket.ok()) return call->Fail(bucket.status());
  auto stored = catalog_.Object(call->address.bucket, call->address.key);
  if (!stored.ok()) return call->Fail(stored.status());
  if (!stored->has_value()) return call->Fail(NoSuchKey(call->address.key));
  ObjectRecord record = (*stored)->record;
  record.tags = *std::move(tags);
  const std::string object_key = ObjectKey(call->address.bucket, call->address.key);
  storage::WriteBatch batch;
  batch.Expect(std::string(kObjectsTable), object_key, (*stored)->encoded)
      .Put(std::string(kObjectsTable), object_key, EncodeObjectRecord(record));
  const bool deleting = record.tags.empty() && call->request().method == "DELETE";
  Commit(std::move(batch), [call, deleting](absl::Status status) {
    if (absl::IsFailedPrecondition(status)) {
      return call->Fail(OperationAborted());
    }
    if (!status.ok()) return call->Fail(status);
    call->ReplyEmpty(deleting ? 204 : 200);
  });
}

void S3Service::GetObjectTagging(const CallPtr& call) {
  if (auto bucket = ExistingBucket(*call); !bucket.ok()) return call->Fail(bucket.status());
  auto stored = catalog_.Object(call->address.bucket, call->address.key);
  if (!stored.ok()) return call->Fail(stored.status());
  if (!stored->has_value()) return call->Fail(NoSuchKey(call->address.key));
  call->ReplyXml(200, TaggingXml((*stored)->record.tags));
}

void S3Service::DeleteObjectTagging(const CallPtr& call) {
  call->context.request.body = "<Tagging><TagSet></TagSet></Tagging>";
  PutObjectTagging(call);
}

}  // namespace serval::s3
