// GetObjectAttributes (GET /bucket/key?attributes): what HeadObject tells and more, in XML, for
// the attributes the x-amz-object-attributes header names. As S3 answers it (recorded answers):
// the ETag unquoted; the checksum with its type (a COMPOSITE one without its "-N"); ObjectParts
// only for an object completed from parts, with the part list (paged by x-amz-max-parts and
// x-amz-part-number-marker) only when the checksum is COMPOSITE, since a FULL_OBJECT CRC says
// nothing per part; StorageClass even for STANDARD; attributes not asked for left out.

#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "common/text.h"
#include "common/time_format.h"
#include "services/s3/object_parts.h"
#include "services/s3/request_checksum.h"
#include "services/s3/s3_errors.h"
#include "services/s3/s3_namespace.h"
#include "services/s3/s3_service.h"

namespace serval::s3 {
namespace {

enum class Attribute { kEtag, kChecksum, kObjectParts, kStorageClass, kObjectSize };

constexpr std::array<std::pair<std::string_view, Attribute>, 5> kAttributeNames = {{
    {"ETag", Attribute::kEtag},
    {"Checksum", Attribute::kChecksum},
    {"ObjectParts", Attribute::kObjectParts},
    {"StorageClass", Attribute::kStorageClass},
    {"ObjectSize", Attribute::kObjectSize},
}};

constexpr std::string_view kAttributesHeader = "x-amz-object-attributes";
constexpr uint32_t kDefaultMaxParts = 1000;

using Attributes = std::array<bool, kAttributeNames.size()>;

// The attributes asked for, from every x-amz-object-attributes line (SDKs send one list,
// "ETag,Checksum" or "ETag, Checksum"; some send a line per attribute).
absl::StatusOr<Attributes> RequestedAttributes(const http::Request& request) {
  Attributes wanted{};
  bool any = false;
  for (const auto& [name, value] : request.headers) {
    if (!EqualsIgnoreCase(name, kAttributesHeader)) continue;
    for (std::string_view item : SplitOn(value, ',')) {
      item = TrimBlanks(item);
      if (item.empty()) continue;
      const auto* known = std::find_if(kAttributeNames.begin(), kAttributeNames.end(),
                                       [item](const auto& entry) { return entry.first == item; });
      if (known == kAttributeNames.end()) {
        return InvalidArgument("Invalid attribute name specified.", kAttributesHeader, item);
      }
      wanted[static_cast<size_t>(known->second)] = true;
      any = true;
    }
  }
  if (!any) {
    return InvalidRequest(
        "The x-amz-object-attributes header specifying the attributes to be retrieved is either "
        "missing or empty");
  }
  return wanted;
}

// An unsigned number header, or `fallback` when absent or not a number (S3 ignores bad values).
uint32_t NumberHeader(const http::Request& request, std::string_view name, uint32_t fallback) {
  uint32_t value = 0;
  return ParseDecimal(request.Header(name), &value) ? value : fallback;
}

void WriteObjectParts(const ObjectRecord& record, const http::Request& request,
                      protocol::XmlWriter& xml) {
  xml.Open("ObjectParts").Element("PartsCount", std::to_string(record.parts_count));
  const bool composite = !record.checksum_type.empty() && !record.checksums.empty() &&
                         record.part_checksums.size() == record.parts_count &&
                         record.segments.size() == record.parts_count;
  if (composite) {
    const uint32_t marker = NumberHeader(request, "x-amz-part-number-marker", 0);
    const uint32_t max_parts = NumberHeader(request, "x-amz-max-parts", kDefaultMaxParts);
    // Parts are numbered from 1 in the order they were completed (as ?partNumber= reads them).
    const uint32_t first = std::min(marker, record.parts_count);
    const uint32_t last = first + std::min(max_parts, record.parts_count - first);
    xml.Element("PartNumberMarker", std::to_string(marker))
        .Element("NextPartNumberMarker", std::to_string(last > first ? last : 0))
        .Element("MaxParts", std::to_string(max_parts))
        .Element("IsTruncated", last < record.parts_count ? "true" : "false");
    const std::string element = "Checksum" + record.checksums[0].first;
    for (uint32_t index = first; index < last; ++index) {
      xml.Open("Part")
          .Element("PartNumber", std::to_string(index + 1))
          .Element("Size", std::to_string(record.segments[index].size))
          .Element(element, record.part_checksums[index])
          .Close("Part");
    }
  }
  xml.Close("ObjectParts");
}

}  // namespace

void S3Service::GetObjectAttributes(const CallPtr& call) {
  if (auto bucket = ExistingBucket(*call); !bucket.ok()) return call->Fail(bucket.status());
  auto wanted = RequestedAttributes(call->request());
  if (!wanted.ok()) return call->Fail(wanted.status());
  auto stored = catalog_.Object(call->address.bucket, call->address.key);
  if (!stored.ok()) return call->Fail(stored.status());
  if (!stored->has_value()) return call->Fail(NoSuchKey(call->address.key));
  const ObjectRecord& record = (*stored)->record;
  auto asked = [&](Attribute attribute) { return (*wanted)[static_cast<size_t>(attribute)]; };

  protocol::XmlWriter xml;
  xml.Declaration().Open("GetObjectAttributesResponse", kS3Namespace);
  if (asked(Attribute::kEtag)) xml.Element("ETag", record.etag);
  if (asked(Attribute::kChecksum) && !record.checksums.empty()) {
    const auto& [algorithm, value] = record.checksums[0];
    // A COMPOSITE checksum is shown without the "-N" its other answers carry.
    const std::string_view bare =
        record.checksum_type.empty() ? value : std::string_view(value).substr(0, value.rfind('-'));
    xml.Open("Checksum")
        .Element("Checksum" + algorithm, bare)
        .Element("ChecksumType", ChecksumTypeOf(record))
        .Close("Checksum");
  }
  if (asked(Attribute::kObjectParts) && record.parts_count > 0) {
    WriteObjectParts(record, call->request(), xml);
  }
  if (asked(Attribute::kStorageClass)) {
    xml.Element("StorageClass",
                record.headers.storage_class.empty() ? "STANDARD" : record.headers.storage_class);
  }
  if (asked(Attribute::kObjectSize)) xml.Element("ObjectSize", std::to_string(record.size));
  xml.Close("GetObjectAttributesResponse");
  http::Response response;
  response.SetHeader("Last-Modified", FormatHttpDate(record.last_modified_millis));
  call->ReplyXml(200, std::move(xml), std::move(response));
}

}  // namespace serval::s3
