#pragma once

#include <string>
#include <string_view>

#include "protocol/xml.h"

namespace serval::s3 {

// What every S3 XML document shares.

// The XML namespace of S3's documents.
inline constexpr std::string_view kS3Namespace = "http://s3.amazonaws.com/doc/2006-03-01/";

// The owner S3 names for every bucket and object: the account's canonical user.
inline constexpr std::string_view kOwnerId =
    "75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a";
inline constexpr std::string_view kOwnerName = "serval";

// An ETag as S3 writes it in headers and XML: quoted.
inline std::string QuotedEtag(std::string_view etag) {
  std::string quoted;
  quoted.reserve(etag.size() + 2);
  quoted.append(1, '"').append(etag).append(1, '"');
  return quoted;
}

// <name><ID/><DisplayName/></name>: Owner, Initiator, Grantee.
inline void WriteOwner(protocol::XmlWriter& xml, std::string_view name = "Owner") {
  xml.Open(name).Element("ID", kOwnerId).Element("DisplayName", kOwnerName).Close(name);
}

}  // namespace serval::s3
