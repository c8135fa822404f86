#pragma once

#include <cstdint>
#include <string>

#include "iam/identity_store.h"
#include "protocol/xml.h"

namespace serval::iam_api {

// IAM's result shapes as query-protocol XML, written into the element the caller opened
// (<Role>, <member>). Dates are ISO 8601 UTC to the second; policy documents are URL-encoded,
// as AWS answers them. Thread-safe (pure functions).

std::string IamDate(int64_t epoch_millis);
std::string EncodedDocument(const iam::PolicyDocument& document);

// <Tags><member><Key/><Value/></member>...</Tags>
void WriteTags(protocol::XmlWriter& xml, const iam::Tags& tags);
// A Role; `full` adds what GetRole has and ListRoles leaves out (tags, permissions boundary).
void WriteRole(protocol::XmlWriter& xml, const iam::Role& role, bool full);
void WriteUser(protocol::XmlWriter& xml, const iam::User& user, bool full);
void WritePolicy(protocol::XmlWriter& xml, const iam::ManagedPolicy& policy,
                 int attachment_count, bool full);
// A PolicyVersion; with its Document when `document`.
void WriteVersion(protocol::XmlWriter& xml, const iam::ManagedPolicy& policy,
                  const iam::PolicyVersion& version, bool document);
// An AccessKey (with its secret, as CreateAccessKey answers once) or AccessKeyMetadata.
void WriteAccessKey(protocol::XmlWriter& xml, const iam::AccessKey& key, bool secret);

}  // namespace serval::iam_api
