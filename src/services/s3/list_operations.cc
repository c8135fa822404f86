// Listing: ListObjectsV2 and ListObjects (v1).

#include <fmt/format.h>

#include "common/crypto.h"
#include "common/percent_encoding.h"
#include "common/text.h"
#include "common/time_format.h"
#include "services/s3/object_parts.h"
#include "services/s3/s3_errors.h"
#include "services/s3/s3_namespace.h"
#include "services/s3/s3_service.h"

namespace serval::s3 {
namespace {

constexpr int kMaxKeys = 1000;
// No key holds this byte (keys are UTF-8), so a common prefix followed by it sorts after every
// key that starts with the prefix: where a listing goes on after rolling one up.
constexpr char kAfterEveryContinuation = '\xff';

struct ListRequest {
  std::string prefix;
  std::string delimiter;
  std::string marker;  // list keys after this one
  int max_keys = kMaxKeys;
  bool url_encoded = false;
};

struct ListPage {
  std::vector<Catalog::Listed> contents;
  std::vector<std::string> common_prefixes;
  bool truncated = false;
  std::string last;  // the last key or common prefix listed: where the next page starts
};

// Keys after `request.marker` under the prefix, with the keys that share a part up to the
// delimiter rolled up into one common prefix, at most max_keys entries in all.
absl::StatusOr<ListPage> ListPageOf(const Catalog& catalog, std::string_view bucket,
                                    const ListRequest& request) {
  ListPage page;
  std::string after = request.marker;
  // A marker that is itself a common prefix (the last entry of the previous page) stands for all
  // the keys rolled up in it.
  if (!request.delimiter.empty() && after.ends_with(request.delimiter) &&
      after.starts_with(request.prefix)) {
    after += kAfterEveryContinuation;
  }
  const size_t wanted = static_cast<size_t>(request.max_keys);
  while (page.contents.size() + page.common_prefixes.size() < wanted) {
    const size_t room = wanted - page.contents.size() - page.common_prefixes.size();
    auto batch = catalog.ListObjects(bucket, request.prefix, after, room);
    if (!batch.ok()) return batch.status();
    if (batch->empty()) return page;
    bool rolled_up = false;
    for (Catalog::Listed& listed : *batch) {
      if (!request.delimiter.empty()) {
        const size_t at = listed.key.find(request.delimiter, request.prefix.size());
        if (at != std::string::npos) {
          std::string common = listed.key.substr(0, at + request.delimiter.size());
          page.last = common;
          after = common + kAfterEveryContinuation;
          page.common_prefixes.push_back(std::move(common));
          rolled_up = true;
          break;  // the scan goes on after every key the prefix rolls up
        }
      }
      page.last = listed.key;
      after = listed.key;
      page.contents.push_back(std::move(listed));
    }
    if (!rolled_up && batch->size() < room) return page;
  }
  auto more = catalog.ListObjects(bucket, request.prefix, after, 1);
  if (!more.ok()) return more.status();
  page.truncated = !more->empty();
  return page;
}

absl::StatusOr<ListRequest> ListRequestOf(const http::Request& request) {
  ListRequest list;
  list.prefix = request.QueryParam("prefix").value_or("");
  list.delimiter = request.QueryParam("delimiter").value_or("");
  if (std::optional<std::string> max_keys = request.QueryParam("max-keys")) {
    if (!ParseDecimal(*max_keys, &list.max_keys) || list.max_keys < 0) {
      return InvalidArgument("Provided max-keys not an integer or within integer range", "max-keys",
                             *max_keys);
    }
    list.max_keys = std::min(list.max_keys, kMaxKeys);
  }
  if (std::optional<std::string> encoding = request.QueryParam("encoding-type")) {
    if (*encoding != "url") {
      return InvalidArgument("Invalid Encoding Method specified in Request", "encoding-type",
                             *encoding);
    }
    list.url_encoded = true;
  }
  return list;
}

// With encoding-type=url, names go out percent-encoded ('/' kept), so any byte survives XML.
std::string Encoded(const ListRequest& request, std::string_view text) {
  if (!request.url_encoded) return std::string(text);
  std::string out;
  for (char c : text) {
    if (c == '/') {
      out += c;
    } else {
      AppendPercentEncoded(std::string_view(&c, 1), &out);
    }
  }
  return out;
}

// The page's objects as <Contents> (ListObjects, ListObjectsV2) or, as_versions, as the one
// <Version> each has (ListObjectVersions: buckets are never versioned, so it is "null", the
// latest), then its common prefixes.
void WriteContents(protocol::XmlWriter& xml, const ListRequest& request, const ListPage& page,
                   bool with_owner, bool as_versions = false) {
  for (const Catalog::Listed& listed : page.contents) {
    const ObjectRecord& record = listed.record;
    xml.Open(as_versions ? "Version" : "Contents").Element("Key", Encoded(request, listed.key));
    if (as_versions) xml.Element("VersionId", "null").Element("IsLatest", "true");
    xml.Element("LastModified", FormatIso8601Millis(record.last_modified_millis))
        .Element("ETag", QuotedEtag(record.etag));
    for (const auto& [algorithm, value] : record.checksums)
      xml.Element("ChecksumAlgorithm", algorithm);
    if (!record.checksums.empty()) xml.Element("ChecksumType", ChecksumTypeOf(record));
    xml.Element("Size", std::to_string(record.size))
        .Element("StorageClass",
                 record.headers.storage_class.empty() ? "STANDARD" : record.headers.storage_class);
    if (with_owner) WriteOwner(xml);
    xml.Close(as_versions ? "Version" : "Contents");
  }
  for (const std::string& common : page.common_prefixes) {
    xml.Open("CommonPrefixes").Element("Prefix", Encoded(request, common)).Close("CommonPrefixes");
  }
}

// The optional elements of the header of a listing.
void WriteIfSet(protocol::XmlWriter& xml, std::string_view name, std::string_view value) {
  if (!value.empty()) xml.Element(name, value);
}

}  // namespace

void S3Service::ListObjectsV2(const CallPtr& call) {
  if (auto bucket = ExistingBucket(*call); !bucket.ok()) return call->Fail(bucket.status());
  const http::Request& request = call->request();
  auto list = ListRequestOf(request);
  if (!list.ok()) return call->Fail(list.status());
  const std::optional<std::string> token = request.QueryParam("continuation-token");
  const std::string start_after = request.QueryParam("start-after").value_or("");
  if (token.has_value()) {
    auto marker = Base64Decode(*token);
    if (!marker.ok() || token->empty()) {
      return call->Fail(InvalidArgument("The continuation token provided is incorrect",
                                        "continuation-token", *token));
    }
    list->marker = *std::move(marker);
  } else {
    list->marker = start_after;
  }
  auto page = ListPageOf(catalog_, call->address.bucket, *list);
  if (!page.ok()) return call->Fail(page.status());
  protocol::XmlWriter xml;
  xml.Declaration()
      .Open("ListBucketResult", kS3Namespace)
      .Element("Name", call->address.bucket)
      .Element("Prefix", Encoded(*list, list->prefix));
  WriteIfSet(xml, "Delimiter", Encoded(*list, list->delimiter));
  xml.Element("MaxKeys", std::to_string(list->max_keys));
  if (list->url_encoded) xml.Element("EncodingType", "url");
  xml.Element("KeyCount", std::to_string(page->contents.size() + page->common_prefixes.size()))
      .Element("IsTruncated", page->truncated ? "true" : "false");
  if (token) xml.Element("ContinuationToken", *token);
  if (page->truncated) xml.Element("NextContinuationToken", Base64Encode(page->last));
  WriteIfSet(xml, "StartAfter", Encoded(*list, start_after));
  WriteContents(xml, *list, *page, request.QueryParam("fetch-owner") == "true");
  xml.Close("ListBucketResult");
  call->ReplyXml(200, std::move(xml));
}

void S3Service::ListObjectsV1(const CallPtr& call) {
  if (auto bucket = ExistingBucket(*call); !bucket.ok()) return call->Fail(bucket.status());
  const http::Request& request = call->request();
  auto list = ListRequestOf(request);
  if (!list.ok()) return call->Fail(list.status());
  list->marker = request.QueryParam("marker").value_or("");
  auto page = ListPageOf(catalog_, call->address.bucket, *list);
  if (!page.ok()) return call->Fail(page.status());
  protocol::XmlWriter xml;
  xml.Declaration()
      .Open("ListBucketResult", kS3Namespace)
      .Element("Name", call->address.bucket)
      .Element("Prefix", Encoded(*list, list->prefix))
      .Element("Marker", Encoded(*list, list->marker));
  // NextMarker only with a delimiter, as S3 sends it; without one the last key is the marker.
  if (page->truncated && !list->delimiter.empty()) {
    xml.Element("NextMarker", Encoded(*list, page->last));
  }
  xml.Element("MaxKeys", std::to_string(list->max_keys));
  WriteIfSet(xml, "Delimiter", Encoded(*list, list->delimiter));
  if (list->url_encoded) xml.Element("EncodingType", "url");
  xml.Element("IsTruncated", page->truncated ? "true" : "false");
  WriteContents(xml, *list, *page, /*with_owner=*/true);
  xml.Close("ListBucketResult");
  call->ReplyXml(200, std::move(xml));
}

void S3Service::ListObjectVersions(const CallPtr& call) {
  if (auto bucket = ExistingBucket(*call); !bucket.ok()) return call->Fail(bucket.status());
  const http::Request& request = call->request();
  auto list = ListRequestOf(request);
  if (!list.ok()) return call->Fail(list.status());
  list->marker = request.QueryParam("key-marker").value_or("");
  const std::string version_marker = request.QueryParam("version-id-marker").value_or("");
  if (!version_marker.empty() && list->marker.empty()) {
    return call->Fail(
        InvalidArgument("A version-id marker cannot be specified without a key marker.",
                        "version-id-marker", version_marker));
  }
  auto page = ListPageOf(catalog_, call->address.bucket, *list);
  if (!page.ok()) return call->Fail(page.status());
  protocol::XmlWriter xml;
  xml.Declaration()
      .Open("ListVersionsResult", kS3Namespace)
      .Element("Name", call->address.bucket)
      .Element("Prefix", Encoded(*list, list->prefix))
      .Element("KeyMarker", Encoded(*list, list->marker))
      .Element("VersionIdMarker", version_marker);
  if (page->truncated) {
    xml.Element("NextKeyMarker", Encoded(*list, page->last)).Element("NextVersionIdMarker", "null");
  }
  xml.Element("MaxKeys", std::to_string(list->max_keys));
  WriteIfSet(xml, "Delimiter", Encoded(*list, list->delimiter));
  if (list->url_encoded) xml.Element("EncodingType", "url");
  xml.Element("IsTruncated", page->truncated ? "true" : "false");
  WriteContents(xml, *list, *page, /*with_owner=*/true, /*as_versions=*/true);
  xml.Close("ListVersionsResult");
  call->ReplyXml(200, std::move(xml));
}

}  // namespace serval::s3
