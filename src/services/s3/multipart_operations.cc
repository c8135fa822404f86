// Multipart uploads: create, upload parts (and copies of ranges into parts), complete, abort and
// list. Each part is a blob; the completed object is made of the parts' blobs, in order, so
// completing copies no bytes.

#include <fmt/format.h>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/escaping.h"
#include "common/aws_error.h"
#include "common/checksums.h"
#include "common/crypto.h"
#include "common/ids.h"
#include "common/text.h"
#include "common/time_format.h"
#include "protocol/xml_reader.h"
#include "services/s3/conditions.h"
#include "services/s3/multipart_checksums.h"
#include "services/s3/object_parts.h"
#include "services/s3/request_checksum.h"
#include "services/s3/s3_errors.h"
#include "services/s3/s3_namespace.h"
#include "services/s3/s3_service.h"
#include "services/s3/stored_headers.h"
#include "services/s3/tags.h"
#include "storage/offload.h"

namespace serval::s3 {
namespace {

constexpr uint64_t kMinPartBytes = uint64_t{5} << 20;
constexpr uint64_t kMaxPartBytes = uint64_t{5} << 30;
constexpr int kMaxListedParts = 1000;

// <ChecksumAlgorithm> and <ChecksumType> of an upload that has a checksum.
void WriteUploadChecksum(const std::optional<UploadChecksum>& checksum, protocol::XmlWriter& xml) {
  if (!checksum) return;
  xml.Element("ChecksumAlgorithm", ChecksumAlgorithmName(checksum->algorithm))
      .Element("ChecksumType", ChecksumTypeName(*checksum));
}

absl::Status InvalidPart(std::string_view upload_id, uint32_t number, std::string_view etag) {
  return WithErrorField(
      WithErrorField(
          WithErrorField(
              S3Error(400, "InvalidPart",
                      "One or more of the specified parts could not be found.  The part may not "
                      "have been uploaded, or the specified entity tag may not have matched the "
                      "part's entity tag."),
              "UploadId", upload_id),
          "PartNumber", std::to_string(number)),
      "ETag", etag);
}

// "bytes=first-last" with both ends given: the only form x-amz-copy-source-range takes.
bool IsClosedRange(std::string_view header) {
  if (!header.starts_with("bytes=")) return false;
  const std::string_view spec = header.substr(6);
  const size_t dash = spec.find('-');
  uint64_t first = 0, last = 0;
  return dash != std::string_view::npos && ParseDecimal(spec.substr(0, dash), &first) &&
         ParseDecimal(spec.substr(dash + 1), &last) && first <= last;
}

std::string Unquoted(std::string_view etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    etag = etag.substr(1, etag.size() - 2);
  }
  return std::string(etag);
}

}  // namespace

absl::StatusOr<UploadRecord> S3Service::ExistingUpload(const Call& call) const {
  const std::string upload_id = call.request().QueryParam("uploadId").value_or("");
  auto upload = catalog_.Upload(upload_id);
  if (!upload.ok()) return upload.status();
  if (!upload->has_value() || (*upload)->bucket != call.address.bucket ||
      (*upload)->key != call.address.key) {
    return NoSuchUpload(upload_id);
  }
  return **std::move(upload);
}

void S3Service::CreateMultipartUpload(const CallPtr& call) {
  const http::Request& request = call->request();
  if (call->address.key.size() > 1024) return call->Fail(KeyTooLong(call->address.key.size()));
  if (auto bucket = ExistingBucket(*call); !bucket.ok()) return call->Fail(bucket.status());
  auto headers = StoredHeadersOf(request);
  if (!headers.ok()) return call->Fail(headers.status());
  auto tags = ParseTaggingHeader(request.Header("x-amz-tagging"));
  if (!tags.ok()) return call->Fail(tags.status());
  auto checksum = UploadChecksumOfRequest(request);
  if (!checksum.ok()) return call->Fail(checksum.status());
  UploadRecord upload{.bucket = call->address.bucket,
                      .key = call->address.key,
                      .initiated_millis = clock_->NowMillis()};
  SetUploadChecksum(*checksum, upload);
  upload.object.headers = *std::move(headers);
  upload.object.tags = *std::move(tags);
  const std::string upload_id = absl::WebSafeBase64Escape(RandomHex(24));
  storage::WriteBatch batch;
  batch.Put(std::string(kUploadsTable), upload_id, EncodeUploadRecord(upload));
  Commit(std::move(batch), [call, upload_id, checksum = *checksum,
                            headers = upload.object.headers](absl::Status status) {
    if (!status.ok()) return call->Fail(status);
    protocol::XmlWriter xml;
    xml.Declaration()
        .Open("InitiateMultipartUploadResult", kS3Namespace)
        .Element("Bucket", call->address.bucket)
        .Element("Key", call->address.key)
        .Element("UploadId", upload_id)
        .Close("InitiateMultipartUploadResult");
    http::Response response;
    if (checksum) {
      response.SetHeader("x-amz-checksum-algorithm",
                         std::string(ChecksumAlgorithmName(checksum->algorithm)));
      response.SetHeader("x-amz-checksum-type", std::string(ChecksumTypeName(*checksum)));
    }
    AddEncryptionHeaders(headers, response);
    call->ReplyXml(200, std::move(xml), std::move(response));
  });
}

void S3Service::UploadPart(const CallPtr& call) {
  if (!call->request().Header("x-amz-copy-source").empty()) return UploadPartCopy(call);
  auto number = PartNumberOf(call->request());
  if (!number.ok()) return call->Fail(number.status());
  auto upload = ExistingUpload(*call);
  if (!upload.ok()) return call->Fail(upload.status());
  auto declared_md5 = DeclaredContentMd5(call->request());
  if (!declared_md5.ok()) return call->Fail(declared_md5.status());
  auto requested_checksum = RequestedChecksumOf(call->request());
  if (!requested_checksum.ok()) return call->Fail(requested_checksum.status());
  const std::optional<UploadChecksum> upload_checksum = UploadChecksumOf(*upload);
  if (upload_checksum) {
    if (absl::Status status = CheckPartChecksumAlgorithm(*upload_checksum, *requested_checksum);
        !status.ok()) {
      return call->Fail(status);
    }
  }
  ReceiveOptions options = ReceiveOptionsFor(kMaxPartBytes, /*allow_inline=*/false);
  options.checksum = ChecksumFor(*requested_checksum);
  ReceiveBody(BodySourceOf(call->context.request), options,
              [this, call, number = *number, declared_md5 = *std::move(declared_md5),
               requested = *std::move(requested_checksum), default_only = !upload_checksum,
               checksum = options.checksum](absl::StatusOr<ReceivedBody> received) {
                if (!received.ok()) return call->Fail(received.status());
                absl::StatusOr<Pairs> checksums =
                    CheckedChecksums(call->context, requested, checksum.get());
                if (!declared_md5.empty() && declared_md5 != received->md5) checksums = BadDigest();
                if (!checksums.ok()) {
                  RemoveBlobsLater(*blobs_, blob_worker_, {received->blob->blob});
                  return call->Fail(checksums.status());
                }
                // The answer shows the checksum the client sent; a part of an upload without
                // an algorithm also keeps the default one for the object's.
                const Pairs sent = *checksums;
                PartRecord part{.number = number,
                                .segment = *received->blob,
                                .etag = absl::BytesToHexString(received->md5),
                                .last_modified_millis = clock_->NowMillis(),
                                .checksums = *std::move(checksums)};
                if (default_only && PartChecksum(part, kDefaultUploadChecksum.algorithm).empty()) {
                  for (auto& pair : DefaultChecksum(received->crc64nvme)) {
                    part.checksums.push_back(std::move(pair));
                  }
                }
                StorePart(call, std::move(part), [call, sent](const PartRecord& stored) {
                  http::Response response;
                  response.SetHeader("ETag", QuotedEtag(stored.etag));
                  AddChecksumHeaders(sent, response);
                  call->Reply(std::move(response));
                });
              });
}

void S3Service::StorePart(const CallPtr& call, PartRecord part,
                          std::function<void(const PartRecord&)> done) {
  const std::string upload_id = call->request().QueryParam("uploadId").value_or("");
  // The upload must still be there when the part commits (not aborted or completed meanwhile).
  auto upload = metadata_->Get(kUploadsTable, upload_id);
  auto previous = metadata_->Get(kPartsTable, PartKey(upload_id, part.number));
  if (!upload.ok() || !previous.ok()) {
    RemoveBlobsLater(*blobs_, blob_worker_, {part.segment.blob});
    return call->Fail(!upload.ok() ? upload.status() : previous.status());
  }
  if (!upload->has_value()) {
    RemoveBlobsLater(*blobs_, blob_worker_, {part.segment.blob});
    return call->Fail(NoSuchUpload(upload_id));
  }
  std::vector<std::string> replaced;
  storage::WriteBatch batch;
  batch.Expect(std::string(kUploadsTable), upload_id, **upload)
      .Expect(std::string(kPartsTable), PartKey(upload_id, part.number), *previous)
      .Put(std::string(kPartsTable), PartKey(upload_id, part.number), EncodePartRecord(part))
      .Put(std::string(kBlobsTable), part.segment.blob, "");
  if (previous->has_value()) {
    if (auto old = DecodePartRecord(**previous); old.ok()) {
      batch.Delete(std::string(kBlobsTable), old->segment.blob);
      replaced.push_back(old->segment.blob);
    }
  }
  Commit(std::move(batch),
         [this, call, part = std::move(part), done = std::move(done),
          replaced = std::move(replaced), upload_id](absl::Status status) mutable {
           if (!status.ok()) {
             RemoveBlobsLater(*blobs_, blob_worker_, {part.segment.blob});
             if (absl::IsFailedPrecondition(status)) {
               // Aborted or completed meanwhile, or the same part raced in: S3 keeps the last one.
               auto upload = catalog_.Upload(upload_id);
               return call->Fail(upload.ok() && upload->has_value() ? OperationAborted()
                                                                    : NoSuchUpload(upload_id));
             }
             return call->Fail(status);
           }
           RemoveBlobsLater(*blobs_, blob_worker_, std::move(replaced));
           done(part);
         });
}

void S3Service::UploadPartCopy(const CallPtr& call) {
  const http::Request& request = call->request();
  auto number = PartNumberOf(request);
  if (!number.ok()) return call->Fail(number.status());
  auto upload = ExistingUpload(*call);
  if (!upload.ok()) return call->Fail(upload.status());
  auto source = ResolveCopySource(*call);
  if (!source.ok()) return call->Fail(source.status());
  const ObjectRecord& original = source->record;
  ByteRange range{0, original.size == 0 ? 0 : original.size - 1};
  const std::string_view range_header = request.Header("x-amz-copy-source-range");
  if (!range_header.empty()) {
    auto asked = RangeOf(range_header, original.size);
    if (!IsClosedRange(range_header) || !asked.ok() || !asked->has_value()) {
      return call->Fail(InvalidArgument(
          "The x-amz-copy-source-range value must be of the form bytes=first-last where first "
          "and last are the zero-based offsets of the first and last bytes to copy",
          "x-amz-copy-source-range", range_header));
    }
    range = **asked;
  }
  const uint64_t length = original.size == 0 ? 0 : range.size();
  // The part gets the upload's checksum, computed as it is copied, or the default one (not
  // shown) when the upload has none.
  std::shared_ptr<Checksum> checksum;
  if (std::optional<UploadChecksum> upload_checksum = UploadChecksumOf(*upload)) {
    checksum = Checksum::Create(upload_checksum->algorithm);
  }
  auto store = [this, call, number = *number, checksum](absl::StatusOr<ReceivedBody> copied) {
    if (!copied.ok()) return call->Fail(copied.status());
    PartRecord part{.number = number,
                    .segment = *copied->blob,
                    .etag = absl::BytesToHexString(copied->md5),
                    .last_modified_millis = clock_->NowMillis()};
    part.checksums = checksum ? StoredChecksum(*checksum) : DefaultChecksum(copied->crc64nvme);
    StorePart(call, std::move(part), [call, checksum](const PartRecord& stored) {
      protocol::XmlWriter xml;
      xml.Declaration()
          .Open("CopyPartResult", kS3Namespace)
          .Element("LastModified", FormatIso8601Millis(stored.last_modified_millis))
          .Element("ETag", QuotedEtag(stored.etag));
      if (checksum) WriteChecksumElements(stored.checksums, xml);
      xml.Close("CopyPartResult");
      call->ReplyXml(200, std::move(xml));
    });
  };
  if (original.inline_body()) {
    auto bytes = catalog_.InlineBody(source->bucket, source->key);
    if (!bytes.ok()) return call->Fail(bytes.status());
    std::string piece = bytes->substr(std::min<uint64_t>(range.first, bytes->size()), length);
    return storage::Offload(
        blob_worker_, post_to_io_,
        [this, piece = std::move(piece), checksum] {
          return WriteBlob(*blobs_, piece, checksum.get());
        },
        store);
  }
  storage::Offload(
      blob_worker_, post_to_io_,
      [this, segments = original.segments, first = range.first, length, checksum] {
        return CopyIntoBlob(*blobs_, segments, first, length, checksum.get());
      },
      store);
}

void S3Service::CompleteMultipartUpload(const CallPtr& call) {
  auto upload = ExistingUpload(*call);
  if (!upload.ok()) return call->Fail(upload.status());
  const std::string upload_id = call->request().QueryParam("uploadId").value_or("");
  auto document = protocol::ParseXml(call->request().body);
  if (!document.ok()) return call->Fail(document.status());
  const std::vector<const protocol::XmlElement*> listed = document->Children("Part");
  if (document->name != "CompleteMultipartUpload" || listed.empty()) {
    return call->Fail(protocol::MalformedXml());
  }
  auto stored_parts = catalog_.Parts(upload_id);
  if (!stored_parts.ok()) return call->Fail(stored_parts.status());
  absl::flat_hash_map<uint32_t, const PartRecord*> by_number;
  for (const PartRecord& part : *stored_parts) by_number[part.number] = &part;

  ObjectRecord record = upload->object;
  const std::optional<UploadChecksum> checksum = UploadChecksumOf(*upload);
  if (absl::Status status = CheckCompleteChecksumType(checksum, call->request()); !status.ok()) {
    return call->Fail(status);
  }
  std::unique_ptr<Checksum> etag_of_etags = Checksum::Md5();
  // As S3 judges the list: its order first, then each part (ETag, checksum), then the parts'
  // sizes, then the object's checksum.
  std::vector<std::pair<uint32_t, std::string>> wanted;  // part number, unquoted ETag
  for (const protocol::XmlElement* part : listed) {
    uint32_t number = 0;
    if (!ParseDecimal(part->ChildText("PartNumber").value_or(""), &number)) {
      return call->Fail(protocol::MalformedXml());
    }
    if (!wanted.empty() && number <= wanted.back().first) {
      return call->Fail(S3Error(400, "InvalidPartOrder",
                                "The list of parts was not in ascending order. Parts must be "
                                "ordered by part number."));
    }
    wanted.emplace_back(number, Unquoted(part->ChildText("ETag").value_or("")));
  }
  for (size_t i = 0; i < wanted.size(); ++i) {
    const auto& [number, etag] = wanted[i];
    auto found = by_number.find(number);
    if (found == by_number.end() || found->second->etag != etag) {
      return call->Fail(InvalidPart(upload_id, number, etag));
    }
    if (absl::Status status = CheckListedPartChecksum(checksum, *listed[i], *found->second,
                                                      InvalidPart(upload_id, number, etag));
        !status.ok()) {
      return call->Fail(status);
    }
  }
  absl::flat_hash_set<uint32_t> used;
  std::vector<const PartRecord*> parts;
  for (size_t i = 0; i < wanted.size(); ++i) {
    const auto& [number, etag] = wanted[i];
    const PartRecord& part = *by_number.find(number)->second;
    if (i + 1 < listed.size() && part.segment.size < kMinPartBytes) {
      return call->Fail(WithErrorField(
          WithErrorField(
              WithErrorField(
                  WithErrorField(S3Error(400, "EntityTooSmall",
                                         "Your proposed upload is smaller than the minimum "
                                         "allowed object size."),
                                 "ProposedSize", std::to_string(part.segment.size)),
                  "MinSizeAllowed", std::to_string(kMinPartBytes)),
              "PartNumber", std::to_string(number)),
          "ETag", etag));
    }
    std::string raw_md5;
    absl::HexStringToBytes(part.etag).swap(raw_md5);
    etag_of_etags->Update(raw_md5);
    record.size += part.segment.size;
    record.segments.push_back(part.segment);
    parts.push_back(&part);
    used.insert(number);
  }
  record.etag = fmt::format("{}-{}", etag_of_etags->Hex(), listed.size());
  record.parts_count = static_cast<uint32_t>(listed.size());
  record.last_modified_millis = clock_->NowMillis();
  if (checksum) {
    auto value = ObjectChecksumOf(*checksum, parts);
    if (!value.ok()) return call->Fail(value.status());
    record.checksums = {{std::string(ChecksumAlgorithmName(checksum->algorithm)), *value}};
    if (!checksum->full_object) {
      record.checksum_type = ChecksumTypeName(*checksum);
      for (const PartRecord* part : parts) {
        record.part_checksums.push_back(PartChecksum(*part, checksum->algorithm));
      }
    }
  } else if (auto value = ObjectChecksumOf(kDefaultUploadChecksum, parts); value.ok()) {
    // (Parts stored by a Serval before default checksums leave the object without one.)
    record.checksums = DefaultChecksum(*std::move(value));
  }
  if (absl::Status status = CheckCompleteObjectChecksum(
          checksum, call->request(), record.checksums.empty() ? "" : record.checksums[0].second);
      !status.ok()) {
    return call->Fail(status);
  }

  Replacement replacement;
  // Parts left out of the object go with the upload.
  for (const PartRecord& part : *stored_parts) {
    if (!used.contains(part.number)) replacement.blobs_released.push_back(part.segment.blob);
  }
  auto encoded_upload = metadata_->Get(kUploadsTable, upload_id);
  if (!encoded_upload.ok() || !encoded_upload->has_value()) {
    return call->Fail(NoSuchUpload(upload_id));
  }
  replacement.more_changes = [upload_id, expected = **encoded_upload,
                              released = replacement.blobs_released](storage::WriteBatch& batch) {
    batch.Expect(std::string(kUploadsTable), upload_id, expected)
        .Delete(std::string(kUploadsTable), upload_id)
        .DeletePrefix(std::string(kPartsTable), upload_id + "/");
    for (const std::string& blob : released) batch.Delete(std::string(kBlobsTable), blob);
  };
  const ObjectRecord completed = record;
  replacement.record = std::move(record);
  replacement.event = EventOf(*call, "ObjectCreated:CompleteMultipartUpload");
  const std::string location = ObjectUrl(*call);
  ReplaceObject(call->address.bucket, call->address.key, std::move(replacement),
                [this, call, completed, location, checksum](absl::Status status) {
                  if (!status.ok()) return call->Fail(status);
                  protocol::XmlWriter xml;
                  xml.Declaration()
                      .Open("CompleteMultipartUploadResult", kS3Namespace)
                      .Element("Location", location)
                      .Element("Bucket", call->address.bucket)
                      .Element("Key", call->address.key)
                      .Element("ETag", QuotedEtag(completed.etag));
                  WriteChecksumElements(completed.checksums, xml);
                  if (!completed.checksums.empty()) {
                    xml.Element("ChecksumType",
                                ChecksumTypeName(checksum.value_or(kDefaultUploadChecksum)));
                  }
                  xml.Close("CompleteMultipartUploadResult");
                  http::Response response;
                  AddEncryptionHeaders(completed.headers, response);
                  AddExpirationHeader(*call, completed, response);
                  call->ReplyXml(200, std::move(xml), std::move(response));
                });
}

void S3Service::AbortMultipartUpload(const CallPtr& call) {
  auto upload = ExistingUpload(*call);
  if (!upload.ok()) return call->Fail(upload.status());
  const std::string upload_id = call->request().QueryParam("uploadId").value_or("");
  RemoveUpload(upload_id, [call](absl::Status status) {
    if (!status.ok()) return call->Fail(status);
    call->ReplyEmpty(204);
  });
}

void S3Service::RemoveUpload(const std::string& upload_id, std::function<void(absl::Status)> done) {
  auto parts = catalog_.Parts(upload_id);
  if (!parts.ok()) return done(parts.status());
  storage::WriteBatch batch;
  std::vector<std::string> blobs;
  for (const PartRecord& part : *parts) {
    batch.Delete(std::string(kBlobsTable), part.segment.blob);
    blobs.push_back(part.segment.blob);
  }
  batch.Delete(std::string(kUploadsTable), upload_id)
      .DeletePrefix(std::string(kPartsTable), upload_id + "/");
  Commit(std::move(batch),
         [this, done = std::move(done), blobs = std::move(blobs)](absl::Status status) mutable {
           if (status.ok()) RemoveBlobsLater(*blobs_, blob_worker_, std::move(blobs));
           done(status);
         });
}

void S3Service::ListParts(const CallPtr& call) {
  auto upload = ExistingUpload(*call);
  if (!upload.ok()) return call->Fail(upload.status());
  const http::Request& request = call->request();
  const std::string upload_id = request.QueryParam("uploadId").value_or("");
  int max_parts = kMaxListedParts;
  uint32_t marker = 0;
  if (auto text = request.QueryParam("max-parts");
      text && (!ParseDecimal(*text, &max_parts) || max_parts < 0)) {
    return call->Fail(InvalidArgument("Provided max-parts not an integer or within integer range",
                                      "max-parts", *text));
  }
  if (auto text = request.QueryParam("part-number-marker"); text && !ParseDecimal(*text, &marker)) {
    return call->Fail(
        InvalidArgument("Provided part-number-marker not an integer", "part-number-marker", *text));
  }
  max_parts = std::min(max_parts, kMaxListedParts);
  const std::optional<UploadChecksum> checksum = UploadChecksumOf(*upload);
  auto parts = catalog_.Parts(upload_id, marker, static_cast<size_t>(max_parts) + 1);
  if (!parts.ok()) return call->Fail(parts.status());
  const bool truncated = parts->size() > static_cast<size_t>(max_parts);
  if (truncated) parts->pop_back();
  protocol::XmlWriter xml;
  xml.Declaration()
      .Open("ListPartsResult", kS3Namespace)
      .Element("Bucket", call->address.bucket)
      .Element("Key", call->address.key)
      .Element("UploadId", upload_id)
      .Element("PartNumberMarker", std::to_string(marker))
      .Element("NextPartNumberMarker",
               std::to_string(parts->empty() ? marker : parts->back().number))
      .Element("MaxParts", std::to_string(max_parts))
      .Element("IsTruncated", truncated ? "true" : "false");
  for (const PartRecord& part : *parts) {
    xml.Open("Part")
        .Element("PartNumber", std::to_string(part.number))
        .Element("LastModified", FormatIso8601Millis(part.last_modified_millis))
        .Element("ETag", QuotedEtag(part.etag))
        .Element("Size", std::to_string(part.segment.size));
    // Parts of an upload without a checksum keep theirs to themselves, as S3's do.
    if (checksum) WriteChecksumElements(part.checksums, xml);
    xml.Close("Part");
  }
  WriteOwner(xml, "Initiator");
  WriteOwner(xml);
  xml.Element("StorageClass", upload->object.headers.storage_class.empty()
                                  ? "STANDARD"
                                  : upload->object.headers.storage_class);
  WriteUploadChecksum(checksum, xml);
  xml.Close("ListPartsResult");
  call->ReplyXml(200, std::move(xml));
}

void S3Service::ListMultipartUploads(const CallPtr& call) {
  if (auto bucket = ExistingBucket(*call); !bucket.ok()) return call->Fail(bucket.status());
  const http::Request& request = call->request();
  const std::string prefix = request.QueryParam("prefix").value_or("");
  const std::string key_marker = request.QueryParam("key-marker").value_or("");
  int max_uploads = kMaxListedParts;
  if (auto text = request.QueryParam("max-uploads");
      text && (!ParseDecimal(*text, &max_uploads) || max_uploads < 0)) {
    return call->Fail(InvalidArgument("Provided max-uploads not an integer or within integer range",
                                      "max-uploads", *text));
  }
  max_uploads = std::min(max_uploads, kMaxListedParts);
  auto uploads = catalog_.Uploads();
  if (!uploads.ok()) return call->Fail(uploads.status());
  std::vector<std::pair<std::string, UploadRecord>> listed;
  for (auto& [upload_id, upload] : *uploads) {
    if (upload.bucket == call->address.bucket && upload.key.starts_with(prefix) &&
        upload.key > key_marker) {
      listed.emplace_back(upload_id, std::move(upload));
    }
  }
  std::sort(listed.begin(), listed.end(), [](const auto& a, const auto& b) {
    return std::tie(a.second.key, a.second.initiated_millis) <
           std::tie(b.second.key, b.second.initiated_millis);
  });
  const bool truncated = listed.size() > static_cast<size_t>(max_uploads);
  if (truncated) listed.resize(max_uploads);
  protocol::XmlWriter xml;
  xml.Declaration()
      .Open("ListMultipartUploadsResult", kS3Namespace)
      .Element("Bucket", call->address.bucket)
      .Element("KeyMarker", key_marker)
      .Element("UploadIdMarker", "")
      .Element("NextKeyMarker", listed.empty() ? "" : listed.back().second.key)
      .Element("NextUploadIdMarker", listed.empty() ? "" : listed.back().first)
      .Element("Prefix", prefix)
      .Element("MaxUploads", std::to_string(max_uploads))
      .Element("IsTruncated", truncated ? "true" : "false");
  for (const auto& [upload_id, upload] : listed) {
    xml.Open("Upload").Element("Key", upload.key).Element("UploadId", upload_id);
    WriteOwner(xml, "Initiator");
    WriteOwner(xml);
    xml.Element("StorageClass", upload.object.headers.storage_class.empty()
                                    ? "STANDARD"
                                    : upload.object.headers.storage_class)
        .Element("Initiated", FormatIso8601Millis(upload.initiated_millis));
    WriteUploadChecksum(UploadChecksumOf(upload), xml);
    xml.Close("Upload");
  }
  xml.Close("ListMultipartUploadsResult");
  call->ReplyXml(200, std::move(xml));
}

}  // namespace serval::s3
