// POST Object: an upload from an HTML form (what boto3's generate_presigned_post and the JS
// SDK's createPresignedPost prepare for browsers). The multipart/form-data body carries the key,
// a signed policy and the fields that PutObject would take as headers, then the file; the file
// streams into storage like a PUT's body (ReceiveObject). The wire facts are in
// ../../../../shared/reference/aws-wire-contracts.md (S3) and the checks are S3's, in its
// order: the enclosure type, the key and signature fields, who signed, the policy, the file.

#include <fmt/format.h>

#include "common/aws_error.h"
#include "common/percent_encoding.h"
#include "common/text.h"
#include "http/form_data.h"
#include "http/form_signature.h"
#include "services/s3/object_body.h"
#include "services/s3/object_parts.h"
#include "services/s3/post_policy.h"
#include "services/s3/s3_errors.h"
#include "services/s3/s3_namespace.h"
#include "services/s3/s3_service.h"
#include "services/s3/stored_headers.h"
#include "services/s3/tags.h"

namespace serval::s3 {
namespace {

// S3 reads at most this much of the fields before the file.
constexpr size_t kMaxFieldBytes = 20480;

// "Bucket POST must contain a field named 'NAME'." (S3's wording, two blanks included).
absl::Status MissingField(std::string_view name) {
  return InvalidArgument(fmt::format("Bucket POST must contain a field named '{}'.  If it is "
                                     "specified, please check the order of the fields.",
                                     name),
                         name, "");
}

absl::Status FormError(const absl::Status& status) {
  if (absl::IsResourceExhausted(status)) {
    return WithErrorField(S3Error(400, "MaxPostPreDataLengthExceeded",
                                  "Your POST request fields preceeding the upload file was too "
                                  "large."),
                          "MaxPostPreDataLengthBytes", std::to_string(kMaxFieldBytes));
  }
  if (absl::IsInvalidArgument(status)) {
    return S3Error(400, "MalformedPOSTRequest",
                   "The body of your POST request is not well-formed multipart/form-data.");
  }
  return status;  // the connection's own error
}

// The form fields by lower-case name (repeated names joined with ','), `${filename}` in the
// key replaced by the file's name without its directories.
PostFields FieldsOf(const http::FormDataReader& form) {
  PostFields fields;
  for (const http::FormField& field : form.fields()) {
    auto [at, added] = fields.try_emplace(AsciiToLower(field.name), field.value);
    if (!added) at->second += "," + field.value;
  }
  if (auto key = fields.find("key"); key != fields.end() && form.file()) {
    std::string_view filename = form.file()->filename;
    filename = filename.substr(filename.find_last_of("/\\") + 1);
    // A file part without a filename leaves the variable as it is (as S3 does).
    const size_t at = key->second.find("${filename}");
    if (at != std::string::npos && !form.file()->filename.empty()) {
      key->second.replace(at, std::string_view("${filename}").size(), filename);
    }
  }
  return fields;
}

std::string FieldOr(const PostFields& fields, std::string_view name) {
  auto found = fields.find(std::string(name));
  return found == fields.end() ? std::string() : found->second;
}

// How the form is signed: its fields (SigV4 or SigV2), or not at all (nullopt). A partly signed
// form is S3's InvalidArgument naming the first field missing.
absl::StatusOr<std::optional<http::FormSignature>> SignatureOf(const PostFields& fields) {
  const bool v4 = fields.contains("x-amz-signature") || fields.contains("x-amz-algorithm") ||
                  fields.contains("x-amz-credential") || fields.contains("x-amz-date");
  const bool v2 = fields.contains("awsaccesskeyid") || fields.contains("signature");
  if (!v4 && !v2) return std::nullopt;
  const std::pair<std::string_view, std::string_view> v4_fields[] = {
      {"x-amz-signature", "X-Amz-Signature"},
      {"x-amz-algorithm", "X-Amz-Algorithm"},
      {"x-amz-credential", "X-Amz-Credential"},
      {"x-amz-date", "X-Amz-Date"},
      {"policy", "Policy"}};
  const std::pair<std::string_view, std::string_view> v2_fields[] = {
      {"signature", "Signature"}, {"awsaccesskeyid", "AWSAccessKeyId"}, {"policy", "Policy"}};
  using Names = std::span<const std::pair<std::string_view, std::string_view>>;
  for (const auto& [name, spelled] : v4 ? Names(v4_fields) : Names(v2_fields)) {
    if (!fields.contains(std::string(name))) return MissingField(spelled);
  }
  if (v4 && FieldOr(fields, "x-amz-algorithm") != "AWS4-HMAC-SHA256") {
    return InvalidArgument("X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"", "X-Amz-Algorithm",
                           FieldOr(fields, "x-amz-algorithm"));
  }
  return http::FormSignature{
      .sigv4 = v4,
      .credential = FieldOr(fields, "x-amz-credential"),
      .access_key = FieldOr(fields, "awsaccesskeyid"),
      .signature = FieldOr(fields, v4 ? "x-amz-signature" : "signature"),
      .security_token = FieldOr(fields, "x-amz-security-token"),
      .policy = FieldOr(fields, "policy"),
  };
}

// The fields that S3 takes as a PUT's headers, by their lower-case names.
bool IsHeaderField(std::string_view name) {
  static constexpr std::string_view kHeaders[] = {
      "cache-control", "content-disposition", "content-encoding", "content-language",
      "content-md5",   "content-type",        "expires"};
  if (std::find(std::begin(kHeaders), std::end(kHeaders), name) != std::end(kHeaders)) return true;
  // x-amz-* except the signature's own fields and what only a PUT's headers can ask for.
  return name.starts_with("x-amz-") && name != "x-amz-signature" && name != "x-amz-algorithm" &&
         name != "x-amz-credential" && name != "x-amz-date" && name != "x-amz-security-token" &&
         name != "x-amz-copy-source" && !name.starts_with("x-amz-copy-source-") &&
         name != "x-amz-decoded-content-length" && name != "x-amz-trailer" &&
         name != "x-amz-content-sha256" && name != "x-amz-tagging";
}

// The request as the PUT it stands for: the headers that say what an object is (Content-*,
// Cache-Control, Expires, x-amz-*, If-*) are the form's fields instead of the POST's own.
void TakeFieldsAsHeaders(const PostFields& fields, http::Request& request) {
  std::erase_if(request.headers, [](const auto& header) {
    const std::string name = AsciiToLower(header.first);
    return name.starts_with("content-") || name.starts_with("x-amz-") || name.starts_with("if-") ||
           name == "cache-control" || name == "expires";
  });
  for (const auto& [name, value] : fields) {
    if (IsHeaderField(name)) request.headers.emplace_back(name, value);
  }
}

// `url` with the uploaded object's bucket, key and ETag added to its query, or nullopt when it
// is not an absolute http(s) URL (S3 then ignores it).
std::optional<std::string> RedirectTo(std::string_view url, std::string_view bucket,
                                      std::string_view key, std::string_view etag) {
  if (!StartsWithIgnoreCase(url, "http://") && !StartsWithIgnoreCase(url, "https://")) {
    return std::nullopt;
  }
  std::string target(url.substr(0, url.find('#')));
  target += target.find('?') == std::string::npos ? '?' : '&';
  target += "bucket=" + PercentEncode(bucket) + "&key=" + PercentEncode(key) +
            "&etag=" + PercentEncode(QuotedEtag(etag));
  return target;
}

}  // namespace

void S3Service::PostObject(const CallPtr& call) {
  http::Request& request = call->context.request;
  auto boundary = http::FormBoundaryOf(request.Header("Content-Type"));
  if (!boundary.ok()) {
    return call->Fail(
        PreconditionFailed("Bucket POST must be of the enclosure-type multipart/form-data"));
  }
  if (auto bucket = ExistingBucket(*call); !bucket.ok()) return call->Fail(bucket.status());
  auto form = std::make_shared<http::FormDataReader>(BodySourceOf(request), *boundary, "file",
                                                     kMaxFieldBytes);
  form->ReadFields([this, call, form](absl::Status read) {
    if (!read.ok()) return call->Fail(FormError(read));
    AcceptForm(call, form);
  });
}

void S3Service::AcceptForm(const CallPtr& call, const std::shared_ptr<http::FormDataReader>& form) {
  PostFields fields = FieldsOf(*form);
  if (!fields.contains("key")) return call->Fail(MissingField("key"));
  auto signature = SignatureOf(fields);
  if (!signature.ok()) return call->Fail(signature.status());
  std::vector<std::string_view> exempt = {"file", "policy"};
  if (signature->has_value()) {
    // The signer is the caller; under --no-auth (no credential store) anyone may sign.
    if (credentials_ != nullptr) {
      http::VerifiedCaller signer;
      if (absl::Status valid = http::VerifyFormSignature(
              **signature, *credentials_, clock_->NowMillis(), account_.region, &signer);
          !valid.ok()) {
        return call->Fail(valid);
      }
      call->context.caller = {.anonymous = false,
                              .access_key = signer.scope.access_key,
                              .account_id = account_.account_id,
                              .principal_arn = signer.principal_arn,
                              .function_arn = signer.function_arn,
                              .source_ip = call->context.caller.source_ip};
    }
    if ((*signature)->sigv4) {
      exempt.push_back("x-amz-signature");
    } else {
      exempt.insert(exempt.end(), {"awsaccesskeyid", "signature"});
    }
  }
  call->address.key = fields["key"];
  if (call->context.caller.anonymous) {
    // Without a signature only a bucket policy that lets everyone put objects admits the form.
    if (!AnonymousAllowed(*call, "s3:PutObject")) return call->Fail(AccessDenied());
  } else if (absl::Status allowed = AuthorizeOperation(*call, "PutObject"); !allowed.ok()) {
    return call->Fail(allowed);
  }
  std::optional<PostPolicy> policy;
  if (fields.contains("policy")) {
    auto parsed = ParsePostPolicy(fields["policy"]);
    if (!parsed.ok()) return call->Fail(parsed.status());
    if (absl::Status holds = CheckPostPolicy(*parsed, fields, call->address.bucket,
                                             clock_->NowMillis(), exempt);
        !holds.ok()) {
      return call->Fail(holds);
    }
    policy = *std::move(parsed);
  }
  if (!form->file()) {
    return call->Fail(InvalidArgument("POST requires exactly one file upload per request.", "file",
                                      "0"));
  }
  Pairs tags;
  if (fields.contains("tagging")) {
    auto parsed = ParseTaggingXml(fields["tagging"], kMaxObjectTags);
    if (!parsed.ok()) return call->Fail(parsed.status());
    tags = *std::move(parsed);
  }
  const std::string location = ObjectUrl(*call);
  const std::string redirect =
      FieldOr(fields, fields.contains("success_action_redirect") ? "success_action_redirect"
                                                                 : "redirect");
  const std::string status = FieldOr(fields, "success_action_status");
  TakeFieldsAsHeaders(fields, call->context.request);
  IncomingObject incoming{.body = form->FileSource(),
                          .tags = std::move(tags),
                          .max_bytes = kMaxSinglePutBytes,
                          .event = "ObjectCreated:Post"};
  if (policy) {
    incoming.check_size = [policy = *policy](uint64_t size) {
      return CheckPostContentLength(policy, size);
    };
  }
  ReceiveObject(
      call, std::move(incoming),
      [this, call, location, redirect, status](const ObjectRecord& written) {
        http::Response response;
        response.SetHeader("ETag", QuotedEtag(written.etag));
        response.SetHeader("Location", location);
        AddObjectChecksumHeaders(written, std::nullopt, response);
        AddEncryptionHeaders(written.headers, response);
        AddExpirationHeader(*call, written, response);
        if (auto target =
                RedirectTo(redirect, call->address.bucket, call->address.key, written.etag)) {
          response.status = 303;
          for (auto& header : response.headers) {
            if (header.first == "Location") header.second = *target;
          }
          return call->Reply(std::move(response));
        }
        if (status == "201") {
          protocol::XmlWriter xml;
          xml.Declaration()
              .Open("PostResponse")
              .Element("Location", location)
              .Element("Bucket", call->address.bucket)
              .Element("Key", call->address.key)
              .Element("ETag", QuotedEtag(written.etag))
              .Close("PostResponse");
          return call->ReplyXml(201, std::move(xml), std::move(response));
        }
        response.status = status == "200" ? 200 : 204;
        call->Reply(std::move(response));
      });
}

std::string S3Service::ObjectUrl(const Call& call) const {
  std::string url = "http://" + std::string(call.request().Header("Host"));
  if (!call.address.virtual_host) url += "/" + call.address.bucket;
  return url + "/" + PercentEncode(call.address.key);
}

}  // namespace serval::s3
