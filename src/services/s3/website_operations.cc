// Website hosting in S3Service: Put/Get/DeleteBucketWebsite, and the website endpoint
// (`BUCKET.s3-website.localhost`, or the path form `/_website/BUCKET/KEY`), which answers anonymous
// GET and HEAD with index documents, error documents, redirects and S3's HTML error pages. The
// bytes of an object are served by ServeObject, as GetObject serves them.

#include <fmt/format.h>

#include "services/s3/bucket_policy.h"
#include "services/s3/s3_errors.h"
#include "services/s3/s3_service.h"
#include "services/s3/website.h"

namespace serval::s3 {
namespace {

WebsiteError NoSuchKeyError(std::string_view key) {
  return {404, "NoSuchKey", "The specified key does not exist.", {{"Key", std::string(key)}}};
}

WebsiteError AccessDeniedError() { return {403, "AccessDenied", "Access Denied", {}}; }

// Whether the bucket's policy lets anyone (at `source_ip`) read `key`: the website endpoint
// serves nothing else.
bool PubliclyReadable(const std::string& bucket_name, const BucketRecord& bucket,
                      std::string_view key, std::string_view source_ip) {
  return AllowsAnonymous(bucket.policy, "s3:GetObject",
                         fmt::format("arn:aws:s3:::{}/{}", bucket_name, key), source_ip);
}

}  // namespace

struct S3Service::WebsiteRequest {
  BucketRecord bucket;
  WebsiteConfiguration configuration;
  std::string key;  // as requested, before the index document is appended
};

void S3Service::PutBucketWebsite(const CallPtr& call) {
  auto configuration = ParseWebsiteXml(call->request().body);
  if (!configuration.ok()) return call->Fail(configuration.status());
  SetBucketConfiguration(call, &BucketRecord::website, WebsiteXml(*configuration).Take(), 200);
}

void S3Service::GetBucketWebsite(const CallPtr& call) {
  GetBucketConfiguration(call, &BucketRecord::website, "NoSuchWebsiteConfiguration",
                         "The specified bucket does not have a website configuration");
}

void S3Service::DeleteBucketWebsite(const CallPtr& call) {
  SetBucketConfiguration(call, &BucketRecord::website, "", 204);
}

namespace {

void ReplyRedirect(S3Service::Call& call, int status, std::string location) {
  http::Response response;
  response.status = status;
  response.SetHeader("Location", std::move(location));
  call.Reply(std::move(response));
}

void ReplyPage(S3Service::Call& call, const WebsiteError& error,
               std::string_view missing_error_document = {}) {
  http::Response response;
  response.status = error.status;
  response.SetHeader("Content-Type", "text/html; charset=utf-8");
  if (call.request().method != "HEAD") {
    response.body = WebsiteErrorPage(error, call.context.request_id, missing_error_document);
  }
  call.Reply(std::move(response));
}

}  // namespace

void S3Service::ServeWebsite(const CallPtr& call) {
  const http::Request& request = call->request();
  const std::string& bucket_name = call->address.bucket;
  if (request.method != "GET" && request.method != "HEAD") {
    return ReplyPage(*call, {405,
                             "MethodNotAllowed",
                             "The specified method is not allowed against this resource.",
                             {{"Method", request.method}, {"ResourceType", "OBJECT"}}});
  }
  auto bucket = catalog_.Bucket(bucket_name);
  if (!bucket.ok()) return call->Fail(bucket.status());
  if (!bucket->has_value()) {
    return ReplyPage(*call, {404,
                             "NoSuchBucket",
                             "The specified bucket does not exist",
                             {{"BucketName", bucket_name}}});
  }
  if ((*bucket)->website.empty()) {
    return ReplyPage(*call, {404,
                             "NoSuchWebsiteConfiguration",
                             "The specified bucket does not have a website configuration",
                             {{"BucketName", bucket_name}}});
  }
  auto configuration = ParseWebsiteXml((*bucket)->website);
  if (!configuration.ok()) return call->Fail(configuration.status());
  WebsiteRequest site{.bucket = **std::move(bucket),
                      .configuration = *std::move(configuration),
                      .key = call->address.key};
  if (site.configuration.redirect_all) {
    WebsiteRedirectAnswer answer =
        RedirectAll(*site.configuration.redirect_all, site.key, request.RawQuery());
    return ReplyRedirect(*call, answer.status, std::move(answer.location));
  }
  if (const WebsiteRoutingRule* rule = MatchRoutingRule(site.configuration, site.key, 0)) {
    WebsiteRedirectAnswer answer =
        RoutingRuleRedirect(*rule, site.key, request.Header("Host"), call->address.website_root);
    return ReplyRedirect(*call, answer.status, std::move(answer.location));
  }
  const bool directory = site.key.empty() || site.key.ends_with('/');
  std::string key = directory ? site.key + site.configuration.index_suffix : site.key;
  ServeWebsiteKey(call, site, std::move(key));
}

void S3Service::ServeWebsiteKey(const CallPtr& call, const WebsiteRequest& site, std::string key) {
  const std::string& bucket_name = call->address.bucket;
  if (!PubliclyReadable(bucket_name, site.bucket, key, call->context.caller.source_ip)) {
    return FailWebsite(call, site, AccessDeniedError());
  }
  auto stored = catalog_.Object(bucket_name, key);
  if (!stored.ok()) return call->Fail(stored.status());
  if (!stored->has_value()) {
    // "dir" whose "dir/index.html" exists: send the client to "dir/".
    if (!key.empty() && !key.ends_with('/')) {
      auto index = catalog_.Object(bucket_name, key + "/" + site.configuration.index_suffix);
      if (!index.ok()) return call->Fail(index.status());
      if (index->has_value()) {
        return ReplyRedirect(*call, 302,
                             call->address.website_root + "/" + WebsiteKeyPath(key) + "/");
      }
    }
    return FailWebsite(call, site, NoSuchKeyError(key));
  }
  const std::string& redirect = (*stored)->record.headers.website_redirect_location;
  if (!redirect.empty()) {
    // "/other/key" stays on this website; a URL goes where it says.
    return ReplyRedirect(
        *call, 301, redirect.starts_with('/') ? call->address.website_root + redirect : redirect);
  }
  call->address.key = std::move(key);
  ServeObject(call, call->request().method == "GET", 0);
}

void S3Service::FailWebsite(const CallPtr& call, const WebsiteRequest& site,
                            const WebsiteError& error) {
  if (const WebsiteRoutingRule* rule =
          MatchRoutingRule(site.configuration, site.key, error.status)) {
    WebsiteRedirectAnswer answer = RoutingRuleRedirect(
        *rule, site.key, call->request().Header("Host"), call->address.website_root);
    return ReplyRedirect(*call, answer.status, std::move(answer.location));
  }
  const std::string& error_key = site.configuration.error_key;
  if (error_key.empty() || !PubliclyReadable(call->address.bucket, site.bucket, error_key,
                                             call->context.caller.source_ip)) {
    return ReplyPage(*call, error);
  }
  auto stored = catalog_.Object(call->address.bucket, error_key);
  if (!stored.ok()) return call->Fail(stored.status());
  if (!stored->has_value()) return ReplyPage(*call, error, error_key);
  const std::string& redirect = (*stored)->record.headers.website_redirect_location;
  if (!redirect.empty()) {
    return ReplyRedirect(
        *call, 301, redirect.starts_with('/') ? call->address.website_root + redirect : redirect);
  }
  // The error document's bytes, whole, with the error's status.
  call->address.key = error_key;
  ServeObject(call, call->request().method == "GET", 0, error.status);
}

}  // namespace serval::s3
