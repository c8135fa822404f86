#pragma once

#include "absl/status/statusor.h"
#include "http/message.h"
#include "services/s3/object_record.h"

namespace serval::s3 {

// The headers a PutObject, CreateMultipartUpload or CopyObject (MetadataDirective REPLACE)
// stores with an object: Content-Type (binary/octet-stream when absent), -Encoding (without the
// aws-chunked transfer coding), -Disposition, -Language, Cache-Control, Expires,
// x-amz-website-redirect-location, x-amz-storage-class, x-amz-server-side-encryption and
// x-amz-meta-*. MetadataTooLarge over 2 KB of user metadata; InvalidStorageClass;
// InvalidRedirectLocation; ReadEncryption's errors. Thread-safe.
absl::StatusOr<StoredHeaders> StoredHeadersOf(const http::Request& request);

// The encryption a request asks for (x-amz-server-side-encryption and its KMS key) into
// `headers`: StoredHeadersOf's part that CopyObject also takes with MetadataDirective COPY.
// Every object is encrypted at rest as S3 says (SSE-S3, AES256, unless KMS is named; Serval keeps
// the names, it holds no keys). InvalidArgument for another method or a key without aws:kms;
// customer-provided keys (SSE-C) are S3's InvalidRequest over plain HTTP, as Serval serves.
absl::Status ReadEncryption(const http::Request& request, StoredHeaders& headers);

// Adds the stored headers to a GET or HEAD answer (the encryption headers included).
void AddStoredHeaders(const StoredHeaders& headers, http::Response& response);
// x-amz-server-side-encryption (and the KMS key id) for an object's answers: PUT, POST, copy,
// multipart.
void AddEncryptionHeaders(const StoredHeaders& headers, http::Response& response);

}  // namespace serval::s3
