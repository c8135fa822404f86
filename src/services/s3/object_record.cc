#include "services/s3/object_record.h"

#include <boost/json.hpp>

#include "services/s3/json_pairs.h"

namespace serval::s3 {
namespace json = boost::json;
namespace {

void PutIfSet(json::object& out, std::string_view name, const std::string& value) {
  if (!value.empty()) out[name] = value;
}

std::string StringOf(const json::object& in, std::string_view name) {
  const json::value* value = in.if_contains(name);
  return value && value->is_string() ? std::string(value->as_string()) : std::string();
}

}  // namespace

std::string EncodeObjectRecord(const ObjectRecord& record) {
  json::object out{
      {"size", record.size}, {"etag", record.etag}, {"modified", record.last_modified_millis}};
  const StoredHeaders& headers = record.headers;
  PutIfSet(out, "content_type", headers.content_type);
  PutIfSet(out, "content_encoding", headers.content_encoding);
  PutIfSet(out, "content_disposition", headers.content_disposition);
  PutIfSet(out, "content_language", headers.content_language);
  PutIfSet(out, "cache_control", headers.cache_control);
  PutIfSet(out, "expires", headers.expires);
  PutIfSet(out, "redirect", headers.website_redirect_location);
  PutIfSet(out, "storage_class", headers.storage_class);
  PutIfSet(out, "sse", headers.server_side_encryption);
  PutIfSet(out, "sse_kms_key_id", headers.kms_key_id);
  PutIfSet(out, "sequencer", record.sequencer);
  if (!headers.user_metadata.empty()) out["metadata"] = PairsToJson(headers.user_metadata);
  if (!record.tags.empty()) out["tags"] = PairsToJson(record.tags);
  if (!record.checksums.empty()) out["checksums"] = PairsToJson(record.checksums);
  PutIfSet(out, "checksum_type", record.checksum_type);
  if (!record.part_checksums.empty()) {
    json::array parts;
    for (const std::string& checksum : record.part_checksums) parts.emplace_back(checksum);
    out["part_checksums"] = std::move(parts);
  }
  if (!record.segments.empty()) {
    json::array segments;
    for (const Segment& segment : record.segments) {
      segments.push_back(json::array{json::string(segment.blob), segment.size});
    }
    out["segments"] = std::move(segments);
  }
  if (record.parts_count > 0) out["parts"] = record.parts_count;
  return json::serialize(out);
}

absl::StatusOr<ObjectRecord> DecodeObjectRecord(std::string_view encoded) {
  try {
    const json::object in = json::parse(encoded).as_object();
    ObjectRecord record;
    record.size = in.at("size").to_number<uint64_t>();
    record.etag = std::string(in.at("etag").as_string());
    record.last_modified_millis = in.at("modified").to_number<int64_t>();
    StoredHeaders& headers = record.headers;
    headers.content_type = StringOf(in, "content_type");
    headers.content_encoding = StringOf(in, "content_encoding");
    headers.content_disposition = StringOf(in, "content_disposition");
    headers.content_language = StringOf(in, "content_language");
    headers.cache_control = StringOf(in, "cache_control");
    headers.expires = StringOf(in, "expires");
    headers.website_redirect_location = StringOf(in, "redirect");
    headers.storage_class = StringOf(in, "storage_class");
    headers.server_side_encryption = StringOf(in, "sse");
    headers.kms_key_id = StringOf(in, "sse_kms_key_id");
    record.sequencer = StringOf(in, "sequencer");
    headers.user_metadata = PairsFromJson(in.if_contains("metadata"));
    record.tags = PairsFromJson(in.if_contains("tags"));
    record.checksums = PairsFromJson(in.if_contains("checksums"));
    record.checksum_type = StringOf(in, "checksum_type");
    if (const json::value* parts = in.if_contains("part_checksums")) {
      for (const json::value& checksum : parts->as_array()) {
        record.part_checksums.emplace_back(checksum.as_string());
      }
    }
    if (const json::value* segments = in.if_contains("segments")) {
      for (const json::value& segment : segments->as_array()) {
        const json::array& two = segment.as_array();
        record.segments.push_back(
            {std::string(two.at(0).as_string()), two.at(1).to_number<uint64_t>()});
      }
    }
    if (const json::value* parts = in.if_contains("parts")) {
      record.parts_count = parts->to_number<uint32_t>();
    }
    return record;
  } catch (const std::exception& error) {
    return absl::DataLossError(std::string("corrupt object record: ") + error.what());
  }
}

}  // namespace serval::s3
