#include "services/s3/catalog.h"

#include <fmt/format.h>

#include <boost/json.hpp>

#include "common/ids.h"
#include "services/s3/json_pairs.h"

namespace serval::s3 {
namespace json = boost::json;
namespace {

// Our own records: a decoding failure means a damaged database, never a client's mistake.
template <typename Decode>
auto DecodeJson(std::string_view what, std::string_view encoded, Decode decode)
    -> absl::StatusOr<decltype(decode(std::declval<const json::object&>()))> {
  try {
    return decode(json::parse(encoded).as_object());
  } catch (const std::exception& error) {
    return absl::DataLossError(fmt::format("corrupt {} record: {}", what, error.what()));
  }
}

}  // namespace

std::string EncodeBucketRecord(const BucketRecord& record) {
  return json::serialize(json::object{{"created", record.created_millis},
                                      {"region", record.region},
                                      {"tags", PairsToJson(record.tags)},
                                      {"policy", record.policy},
                                      {"cors", record.cors},
                                      {"website", record.website},
                                      {"lifecycle", record.lifecycle},
                                      {"notification", record.notification}});
}

absl::StatusOr<BucketRecord> DecodeBucketRecord(std::string_view encoded) {
  return DecodeJson("bucket", encoded, [](const json::object& in) {
    BucketRecord record;
    record.created_millis = in.at("created").to_number<int64_t>();
    record.region = std::string(in.at("region").as_string());
    record.tags = PairsFromJson(in.if_contains("tags"));
    record.policy = std::string(in.at("policy").as_string());
    record.cors = std::string(in.at("cors").as_string());
    record.website = std::string(in.at("website").as_string());
    record.lifecycle = std::string(in.at("lifecycle").as_string());
    record.notification = std::string(in.at("notification").as_string());
    return record;
  });
}

std::string EncodeUploadRecord(const UploadRecord& record) {
  return json::serialize(json::object{{"bucket", record.bucket},
                                      {"key", record.key},
                                      {"initiated", record.initiated_millis},
                                      {"object", EncodeObjectRecord(record.object)},
                                      {"checksum", record.checksum_algorithm},
                                      {"checksum_type", record.checksum_type}});
}

absl::StatusOr<UploadRecord> DecodeUploadRecord(std::string_view encoded) {
  auto record = DecodeJson("upload", encoded, [](const json::object& in) {
    UploadRecord record;
    record.bucket = std::string(in.at("bucket").as_string());
    record.key = std::string(in.at("key").as_string());
    record.initiated_millis = in.at("initiated").to_number<int64_t>();
    record.checksum_algorithm = std::string(in.at("checksum").as_string());
    if (const json::value* type = in.if_contains("checksum_type")) {
      record.checksum_type = std::string(type->as_string());
    }
    return std::make_pair(record, std::string(in.at("object").as_string()));
  });
  if (!record.ok()) return record.status();
  auto object = DecodeObjectRecord(record->second);
  if (!object.ok()) return object.status();
  record->first.object = *std::move(object);
  return std::move(record->first);
}

std::string EncodePartRecord(const PartRecord& record) {
  return json::serialize(json::object{{"number", record.number},
                                      {"blob", record.segment.blob},
                                      {"size", record.segment.size},
                                      {"etag", record.etag},
                                      {"modified", record.last_modified_millis},
                                      {"checksums", PairsToJson(record.checksums)}});
}

absl::StatusOr<PartRecord> DecodePartRecord(std::string_view encoded) {
  return DecodeJson("part", encoded, [](const json::object& in) {
    PartRecord record;
    record.number = in.at("number").to_number<uint32_t>();
    record.segment.blob = std::string(in.at("blob").as_string());
    record.segment.size = in.at("size").to_number<uint64_t>();
    record.etag = std::string(in.at("etag").as_string());
    record.last_modified_millis = in.at("modified").to_number<int64_t>();
    record.checksums = PairsFromJson(in.if_contains("checksums"));
    return record;
  });
}

std::string ObjectKey(std::string_view bucket, std::string_view key) {
  std::string out;
  out.reserve(bucket.size() + 1 + key.size());
  out.append(bucket).append(1, '/').append(key);
  return out;
}

std::string PartKey(std::string_view upload_id, uint32_t part_number) {
  return fmt::format("{}/{:05}", upload_id, part_number);
}

std::string NewBlobKey() { return std::string(kBlobPrefix) + RandomHex(16); }

absl::StatusOr<std::optional<BucketRecord>> Catalog::Bucket(std::string_view bucket) const {
  auto value = store_->Get(kBucketsTable, bucket);
  if (!value.ok()) return value.status();
  if (!value->has_value()) return std::nullopt;
  auto record = DecodeBucketRecord(**value);
  if (!record.ok()) return record.status();
  return *std::move(record);
}

absl::StatusOr<std::vector<std::pair<std::string, BucketRecord>>> Catalog::Buckets() const {
  auto records = store_->Scan(kBucketsTable, {});
  if (!records.ok()) return records.status();
  std::vector<std::pair<std::string, BucketRecord>> buckets;
  for (storage::Record& stored : *records) {
    auto record = DecodeBucketRecord(stored.value);
    if (!record.ok()) return record.status();
    buckets.emplace_back(std::move(stored.key), *std::move(record));
  }
  return buckets;
}

absl::StatusOr<std::optional<Catalog::StoredObject>> Catalog::Object(std::string_view bucket,
                                                                     std::string_view key) const {
  auto value = store_->Get(kObjectsTable, ObjectKey(bucket, key));
  if (!value.ok()) return value.status();
  if (!value->has_value()) return std::nullopt;
  auto record = DecodeObjectRecord(**value);
  if (!record.ok()) return record.status();
  return StoredObject{*std::move(record), **std::move(value)};
}

absl::StatusOr<std::string> Catalog::InlineBody(std::string_view bucket,
                                                std::string_view key) const {
  auto value = store_->Get(kBodiesTable, ObjectKey(bucket, key));
  if (!value.ok()) return value.status();
  // An empty object has no body record.
  return value->value_or(std::string());
}

absl::StatusOr<std::vector<Catalog::Listed>> Catalog::ListObjects(std::string_view bucket,
                                                                  std::string_view prefix,
                                                                  std::string_view start_after,
                                                                  size_t limit) const {
  const std::string range_prefix = ObjectKey(bucket, prefix);
  auto records = store_->Scan(
      kObjectsTable,
      {.prefix = range_prefix,
       .start_after = start_after.empty() ? std::string() : ObjectKey(bucket, start_after),
       .limit = limit});
  if (!records.ok()) return records.status();
  std::vector<Listed> listed;
  listed.reserve(records->size());
  for (storage::Record& stored : *records) {
    auto record = DecodeObjectRecord(stored.value);
    if (!record.ok()) return record.status();
    listed.push_back({stored.key.substr(bucket.size() + 1), *std::move(record)});
  }
  return listed;
}

absl::StatusOr<std::optional<UploadRecord>> Catalog::Upload(std::string_view upload_id) const {
  auto value = store_->Get(kUploadsTable, upload_id);
  if (!value.ok()) return value.status();
  if (!value->has_value()) return std::nullopt;
  auto record = DecodeUploadRecord(**value);
  if (!record.ok()) return record.status();
  return *std::move(record);
}

absl::StatusOr<std::vector<std::pair<std::string, UploadRecord>>> Catalog::Uploads() const {
  auto records = store_->Scan(kUploadsTable, {});
  if (!records.ok()) return records.status();
  std::vector<std::pair<std::string, UploadRecord>> uploads;
  for (storage::Record& stored : *records) {
    auto record = DecodeUploadRecord(stored.value);
    if (!record.ok()) return record.status();
    uploads.emplace_back(std::move(stored.key), *std::move(record));
  }
  return uploads;
}

absl::StatusOr<std::vector<PartRecord>> Catalog::Parts(std::string_view upload_id, uint32_t after,
                                                       size_t limit) const {
  auto records = store_->Scan(
      kPartsTable, {.prefix = std::string(upload_id) + "/",
                    .start_after = after == 0 ? std::string() : PartKey(upload_id, after),
                    .limit = limit});
  if (!records.ok()) return records.status();
  std::vector<PartRecord> parts;
  for (const storage::Record& stored : *records) {
    auto record = DecodePartRecord(stored.value);
    if (!record.ok()) return record.status();
    parts.push_back(*std::move(record));
  }
  return parts;
}

}  // namespace serval::s3
