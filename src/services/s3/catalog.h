#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "services/s3/object_record.h"
#include "storage/metadata_store.h"

namespace serval::s3 {

// How S3's state sits in the metadata store (docs/formats.md, "S3"):
//   s3.buckets  bucket                      -> BucketRecord (JSON)
//   s3.objects  bucket "/" key              -> ObjectRecord (JSON); "/" never occurs in a bucket
//                                              name, so one bucket's objects are one key range,
//                                              in S3's listing order (UTF-8 bytes)
//   s3.bodies   bucket "/" key              -> the bytes of a small object (inline_body())
//   s3.uploads  upload id                   -> UploadRecord (JSON)
//   s3.parts    upload id "/" 00001..10000  -> PartRecord (JSON)
//   s3.blobs    blob key                    -> "" for every blob a record names, so that a blob
//                                              no record names (a crash came between its commit
//                                              and its record's) can be found and removed
inline constexpr std::string_view kBucketsTable = "s3.buckets";
inline constexpr std::string_view kObjectsTable = "s3.objects";
inline constexpr std::string_view kBodiesTable = "s3.bodies";
inline constexpr std::string_view kUploadsTable = "s3.uploads";
inline constexpr std::string_view kPartsTable = "s3.parts";
inline constexpr std::string_view kBlobsTable = "s3.blobs";
// Every blob key S3 makes starts with this.
inline constexpr std::string_view kBlobPrefix = "s3/";

// A bucket and its configurations (each stored as the XML the client put, normalised by the
// operation that checked it; empty: none).
struct BucketRecord {
  int64_t created_millis = 0;
  std::string region;
  Pairs tags;
  std::string policy;  // JSON document
  std::string cors;
  std::string website;
  std::string lifecycle;
  std::string notification;
};

struct UploadRecord {
  std::string bucket;
  std::string key;
  int64_t initiated_millis = 0;
  // What the object will be made with: its headers and tags from CreateMultipartUpload.
  ObjectRecord object;
  // The object's checksum (multipart_checksums.h): "CRC32", ... and "COMPOSITE" or
  // "FULL_OBJECT"; both empty when the upload named no algorithm.
  std::string checksum_algorithm;
  std::string checksum_type;
};

struct PartRecord {
  uint32_t number = 0;
  Segment segment;
  std::string etag;  // unquoted MD5 hex
  int64_t last_modified_millis = 0;
  Pairs checksums;
};

std::string EncodeBucketRecord(const BucketRecord& record);
absl::StatusOr<BucketRecord> DecodeBucketRecord(std::string_view encoded);
std::string EncodeUploadRecord(const UploadRecord& record);
absl::StatusOr<UploadRecord> DecodeUploadRecord(std::string_view encoded);
std::string EncodePartRecord(const PartRecord& record);
absl::StatusOr<PartRecord> DecodePartRecord(std::string_view encoded);

// Metadata store keys.
std::string ObjectKey(std::string_view bucket, std::string_view key);
std::string PartKey(std::string_view upload_id, uint32_t part_number);
// A fresh blob key for new bytes.
std::string NewBlobKey();

// Reads of the catalog. Runs on the calling thread (the io thread: a read is a point lookup or a
// bounded range scan in SQLite's page cache). Thread-compatible.
class Catalog {
 public:
  explicit Catalog(const storage::MetadataStore* store) : store_(store) {}

  absl::StatusOr<std::optional<BucketRecord>> Bucket(std::string_view bucket) const;
  // Every bucket, by name.
  absl::StatusOr<std::vector<std::pair<std::string, BucketRecord>>> Buckets() const;
  // The object and its raw encoding (for a compare-and-set of the next change), or nullopt.
  struct StoredObject {
    ObjectRecord record;
    std::string encoded;
  };
  absl::StatusOr<std::optional<StoredObject>> Object(std::string_view bucket,
                                                     std::string_view key) const;
  absl::StatusOr<std::string> InlineBody(std::string_view bucket, std::string_view key) const;
  // Objects of `bucket` whose key starts with `prefix` and sorts after `start_after`, in key
  // order, at most `limit` (keys without the bucket).
  struct Listed {
    std::string key;
    ObjectRecord record;
  };
  absl::StatusOr<std::vector<Listed>> ListObjects(std::string_view bucket, std::string_view prefix,
                                                  std::string_view start_after, size_t limit) const;
  absl::StatusOr<std::optional<UploadRecord>> Upload(std::string_view upload_id) const;
  // Every upload in progress, by upload id.
  absl::StatusOr<std::vector<std::pair<std::string, UploadRecord>>> Uploads() const;
  // The upload's parts in part-number order, from `after` (exclusive), at most `limit` (0: all).
  absl::StatusOr<std::vector<PartRecord>> Parts(std::string_view upload_id, uint32_t after = 0,
                                                size_t limit = 0) const;

 private:
  const storage::MetadataStore* store_;
};

}  // namespace serval::s3
