"""S3 website hosting (issue 10 part 6) with real clients: boto3 and the AWS CLI configure it,
plain HTTP requests (Host header form and the /_website/ path form) read the website endpoint:
index and error documents, redirect objects, routing rules, RedirectAllRequestsTo, 403 for a
bucket nobody may read, 304, 405, and S3's errors for bad configurations."""

import http.client
import json
import subprocess

from botocore.exceptions import ClientError

from serval_harness import ServalTestCase, unique_name


def bucket_name(prefix="site"):
    return unique_name(prefix).lower().replace("_", "-")


def public_read_policy(bucket):
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{bucket}/*"}]})


class WebsiteTestCase(ServalTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.s3 = cls.serval.client("s3")

    def request(self, method, path, headers=None, host=None):
        """One unsigned request, redirects not followed: (status, headers, body)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.serval.port, timeout=30)
        try:
            headers = dict(headers or {})
            if host:
                headers["Host"] = host
            connection.request(method, path, headers=headers)
            response = connection.getresponse()
            return (response.status, {k.lower(): v for k, v in response.getheaders()},
                    response.read())
        finally:
            connection.close()

    def site(self, bucket, path, method="GET", headers=None):
        """A request to the website endpoint in its Host form."""
        return self.request(method, path, headers,
                            host=f"{bucket}.s3-website.localhost:{self.serval.port}")

    def path_site(self, bucket, path, method="GET", headers=None):
        """The same request in the path form."""
        return self.request(method, f"/_website/{bucket}{path}", headers)

    def make_site(self, public=True, **configuration):
        bucket = bucket_name()
        self.s3.create_bucket(Bucket=bucket)
        if public:
            self.s3.put_bucket_policy(Bucket=bucket, Policy=public_read_policy(bucket))
        self.s3.put_bucket_website(Bucket=bucket, WebsiteConfiguration=configuration or {
            "IndexDocument": {"Suffix": "index.html"}, "ErrorDocument": {"Key": "error.html"}})
        return bucket

    def put(self, bucket, key, body, **kw):
        self.s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType="text/html", **kw)

    def assert_error(self, code, call, **kw):
        with self.assertRaises(ClientError) as caught:
            call(**kw)
        self.assertEqual(caught.exception.response["Error"]["Code"], code,
                         caught.exception.response)
        return caught.exception.response


class WebsiteConfigurationTest(WebsiteTestCase):
    def test_put_get_delete_round_trip(self):
        bucket = bucket_name()
        self.s3.create_bucket(Bucket=bucket)
        self.assert_error("NoSuchWebsiteConfiguration", self.s3.get_bucket_website, Bucket=bucket)
        rules = [{"Condition": {"KeyPrefixEquals": "docs/"},
                  "Redirect": {"ReplaceKeyPrefixWith": "documents/", "HttpRedirectCode": "302"}},
                 {"Condition": {"HttpErrorCodeReturnedEquals": "404"},
                  "Redirect": {"HostName": "example.com", "Protocol": "https"}}]
        self.s3.put_bucket_website(Bucket=bucket, WebsiteConfiguration={
            "IndexDocument": {"Suffix": "index.html"}, "ErrorDocument": {"Key": "error.html"},
            "RoutingRules": rules})
        got = self.s3.get_bucket_website(Bucket=bucket)
        self.assertEqual(got["IndexDocument"], {"Suffix": "index.html"})
        self.assertEqual(got["ErrorDocument"], {"Key": "error.html"})
        self.assertEqual(got["RoutingRules"], rules)
        self.s3.delete_bucket_website(Bucket=bucket)
        self.assert_error("NoSuchWebsiteConfiguration", self.s3.get_bucket_website, Bucket=bucket)
        self.assert_error("NoSuchBucket", self.s3.get_bucket_website, Bucket=bucket_name("none"))

    def test_redirect_all_round_trips(self):
        bucket = bucket_name()
        self.s3.create_bucket(Bucket=bucket)
        self.s3.put_bucket_website(Bucket=bucket, WebsiteConfiguration={
            "RedirectAllRequestsTo": {"HostName": "example.com", "Protocol": "https"}})
        self.assertEqual(self.s3.get_bucket_website(Bucket=bucket)["RedirectAllRequestsTo"],
                         {"HostName": "example.com", "Protocol": "https"})

    def test_cli_website_command(self):
        bucket = bucket_name()
        self.s3.create_bucket(Bucket=bucket)
        self.serval.cli("s3", "website", f"s3://{bucket}", "--index-document", "index.html",
                        "--error-document", "error.html")
        got = self.serval.cli_json("s3api", "get-bucket-website", "--bucket", bucket)
        self.assertEqual(got["IndexDocument"], {"Suffix": "index.html"})
        self.assertEqual(got["ErrorDocument"], {"Key": "error.html"})

    def test_bad_configurations_are_refused_and_change_nothing(self):
        bucket = self.make_site()
        put = self.s3.put_bucket_website
        response = self.assert_error("InvalidArgument", put, Bucket=bucket,
                                     WebsiteConfiguration={"ErrorDocument": {"Key": "e.html"}})
        self.assertEqual(response["Error"]["Message"], "A value for IndexDocument Suffix must be "
                         "provided if RedirectAllRequestsTo is empty")
        self.assert_error("InvalidArgument", put, Bucket=bucket,
                          WebsiteConfiguration={"IndexDocument": {"Suffix": "a/index.html"}})
        self.assert_error("InvalidArgument", put, Bucket=bucket, WebsiteConfiguration={
            "IndexDocument": {"Suffix": "index.html"},
            "RedirectAllRequestsTo": {"HostName": "example.com"}})
        self.assert_error("InvalidRequest", put, Bucket=bucket, WebsiteConfiguration={
            "IndexDocument": {"Suffix": "index.html"},
            "RoutingRules": [{"Redirect": {"Protocol": "ftp"}}]})
        self.assert_error("InvalidRequest", put, Bucket=bucket, WebsiteConfiguration={
            "IndexDocument": {"Suffix": "index.html"},
            "RoutingRules": [{"Redirect": {"ReplaceKeyWith": "a", "ReplaceKeyPrefixWith": "b"}}]})
        status, _, body = self.request_signed_put(bucket, b"<WebsiteConfiguration><Index")
        self.assertEqual(status, 400)
        self.assertIn(b"<Code>MalformedXML</Code>", body)
        self.assertEqual(self.s3.get_bucket_website(Bucket=bucket)["IndexDocument"],
                         {"Suffix": "index.html"})

    def request_signed_put(self, bucket, body):
        import botocore.auth
        import botocore.awsrequest
        import botocore.credentials
        from serval_harness import ACCESS_KEY, REGION, SECRET_KEY
        url = f"{self.serval.endpoint}/{bucket}?website"
        request = botocore.awsrequest.AWSRequest(method="PUT", url=url, data=body)
        botocore.auth.S3SigV4Auth(botocore.credentials.Credentials(ACCESS_KEY, SECRET_KEY), "s3",
                                  REGION).add_auth(request)
        return self.request_with("PUT", f"/{bucket}?website", body, dict(request.headers.items()))

    def request_with(self, method, path, body, headers):
        connection = http.client.HTTPConnection("127.0.0.1", self.serval.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            connection.close()


class WebsiteEndpointTest(WebsiteTestCase):
    def test_index_documents_in_both_forms(self):
        bucket = self.make_site()
        self.put(bucket, "index.html", b"<h1>home</h1>")
        self.put(bucket, "docs/index.html", b"<h1>docs</h1>")
        self.put(bucket, "page.html", b"<p>page</p>")
        for fetch in (self.site, self.path_site):
            status, headers, body = fetch(bucket, "/")
            self.assertEqual((status, body), (200, b"<h1>home</h1>"))
            self.assertEqual(headers["content-type"], "text/html")
            self.assertEqual(fetch(bucket, "/docs/")[2], b"<h1>docs</h1>")
            self.assertEqual(fetch(bucket, "/page.html")[2], b"<p>page</p>")
            status, headers, body = fetch(bucket, "/page.html", method="HEAD")
            self.assertEqual((status, body, headers["content-length"]), (200, b"", "11"))
        self.assertEqual(self.path_site(bucket, "")[2], b"<h1>home</h1>")
        # "docs" without its slash: sent to "docs/" (in the path form, under its root).
        status, headers, _ = self.site(bucket, "/docs")
        self.assertEqual((status, headers["location"]), (302, "/docs/"))
        status, headers, _ = self.path_site(bucket, "/docs")
        self.assertEqual((status, headers["location"]), (302, f"/_website/{bucket}/docs/"))

    def test_curl_reads_the_website_and_presigned_urls(self):
        bucket = self.make_site()
        self.put(bucket, "index.html", b"<h1>curl</h1>")
        self.put(bucket, "old.html", b"", WebsiteRedirectLocation="/index.html")
        port = self.serval.port

        def curl(*args):
            done = subprocess.run(["curl", "-sS", "--max-time", "30", *args], capture_output=True,
                                  timeout=60)
            self.assertEqual(done.returncode, 0, done.stderr)
            return done.stdout

        site = f"http://{bucket}.s3-website.localhost:{port}"
        resolve = ["--resolve", f"{bucket}.s3-website.localhost:{port}:127.0.0.1"]
        self.assertEqual(curl(*resolve, f"{site}/"), b"<h1>curl</h1>")
        self.assertEqual(curl(*resolve, "-L", f"{site}/old.html"), b"<h1>curl</h1>")
        head = curl(*resolve, "-I", f"{site}/old.html").decode()
        self.assertIn("301", head.splitlines()[0])
        self.assertIn("location: /index.html", head.lower())
        self.assertEqual(curl(f"http://127.0.0.1:{port}/_website/{bucket}/"), b"<h1>curl</h1>")
        # Presigned PUT and GET through curl, on the REST endpoint.
        put = self.s3.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": "c.txt"})
        curl("-X", "PUT", "-H", "Content-Type:", "--data-binary", "by curl", put)
        get = self.s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "c.txt"})
        self.assertEqual(curl(get), b"by curl")

    def test_error_document_and_html_404(self):
        bucket = self.make_site()
        status, headers, body = self.site(bucket, "/missing.html")
        # No error document stored yet: S3's page, naming both failures.
        self.assertEqual(status, 404)
        self.assertTrue(headers["content-type"].startswith("text/html"))
        self.assertIn(b"<h1>404 Not Found</h1>", body)
        self.assertIn(b"<li>Code: NoSuchKey</li>", body)
        self.assertIn(b"<li>Key: missing.html</li>", body)
        self.assertIn(b"An Error Occurred While Attempting to Retrieve a Custom Error Document",
                      body)
        self.put(bucket, "error.html", b"<h1>oops</h1>")
        for fetch in (self.site, self.path_site):
            status, headers, body = fetch(bucket, "/missing.html")
            self.assertEqual((status, body), (404, b"<h1>oops</h1>"))
            self.assertEqual(headers["content-type"], "text/html")
            # A directory without an index document is missing too.
            self.assertEqual(fetch(bucket, "/nodir/")[:3:2], (404, b"<h1>oops</h1>"))
        # Without an error document: S3's own page.
        plain = self.make_site(IndexDocument={"Suffix": "index.html"})
        status, _, body = self.site(plain, "/nothing")
        self.assertEqual(status, 404)
        self.assertIn(b"<li>Code: NoSuchKey</li>", body)
        self.assertNotIn(b"Custom Error Document", body)
        # No website configuration, no bucket.
        bare = bucket_name()
        self.s3.create_bucket(Bucket=bare)
        status, _, body = self.site(bare, "/")
        self.assertEqual(status, 404)
        self.assertIn(b"<li>Code: NoSuchWebsiteConfiguration</li>", body)
        status, _, body = self.site(bucket_name("none"), "/")
        self.assertEqual(status, 404)
        self.assertIn(b"<li>Code: NoSuchBucket</li>", body)

    def test_redirect_objects(self):
        bucket = self.make_site()
        self.put(bucket, "old.html", b"", WebsiteRedirectLocation="/new.html")
        self.put(bucket, "away", b"", WebsiteRedirectLocation="https://example.com/x")
        status, headers, body = self.site(bucket, "/old.html")
        self.assertEqual((status, headers["location"], body), (301, "/new.html", b""))
        status, headers, _ = self.path_site(bucket, "/old.html")
        self.assertEqual((status, headers["location"]), (301, f"/_website/{bucket}/new.html"))
        status, headers, _ = self.site(bucket, "/away")
        self.assertEqual((status, headers["location"]), (301, "https://example.com/x"))
        # The REST endpoint returns the object and the header, as before.
        got = self.s3.get_object(Bucket=bucket, Key="old.html")
        self.assertEqual(got["WebsiteRedirectLocation"], "/new.html")
        # A redirect on the error document is followed too.
        self.put(bucket, "error.html", b"", WebsiteRedirectLocation="/sorry.html")
        status, headers, _ = self.site(bucket, "/nope")
        self.assertEqual((status, headers["location"]), (301, "/sorry.html"))

    def test_routing_rules(self):
        bucket = self.make_site(
            IndexDocument={"Suffix": "index.html"},
            RoutingRules=[
                {"Condition": {"KeyPrefixEquals": "docs/"},
                 "Redirect": {"ReplaceKeyPrefixWith": "documents/"}},
                {"Condition": {"KeyPrefixEquals": "img/"},
                 "Redirect": {"HostName": "cdn.example.com", "Protocol": "https",
                              "ReplaceKeyWith": "logo.png", "HttpRedirectCode": "302"}},
                {"Condition": {"HttpErrorCodeReturnedEquals": "404"},
                 "Redirect": {"HostName": "fallback.example.com",
                              "ReplaceKeyPrefixWith": "report-404/"}}])
        host = f"{bucket}.s3-website.localhost:{self.serval.port}"
        status, headers, _ = self.site(bucket, "/docs/a/b.html")
        self.assertEqual((status, headers["location"]), (301, f"http://{host}/documents/a/b.html"))
        status, headers, _ = self.path_site(bucket, "/docs/x")
        self.assertEqual((status, headers["location"]),
                         (301, f"http://127.0.0.1:{self.serval.port}/_website/{bucket}/documents/x"))
        status, headers, _ = self.site(bucket, "/img/anything.gif")
        self.assertEqual((status, headers["location"]), (302, "https://cdn.example.com/logo.png"))
        status, headers, _ = self.site(bucket, "/lost.html")
        self.assertEqual((status, headers["location"]),
                         (301, "http://fallback.example.com/report-404/lost.html"))
        self.put(bucket, "here.html", b"here")
        self.assertEqual(self.site(bucket, "/here.html")[:3:2], (200, b"here"))

    def test_redirect_all_requests(self):
        bucket = self.make_site(
            RedirectAllRequestsTo={"HostName": "www.example.com", "Protocol": "https"})
        status, headers, _ = self.site(bucket, "/a/b.html?x=1")
        self.assertEqual((status, headers["location"]), (301, "https://www.example.com/a/b.html?x=1"))
        status, headers, _ = self.path_site(bucket, "/")
        self.assertEqual((status, headers["location"]), (301, "https://www.example.com/"))

    def test_private_bucket_is_403(self):
        bucket = self.make_site(public=False)
        self.put(bucket, "index.html", b"secret")
        for fetch in (self.site, self.path_site):
            status, headers, body = fetch(bucket, "/")
            self.assertEqual(status, 403)
            self.assertTrue(headers["content-type"].startswith("text/html"))
            self.assertIn(b"<h1>403 Forbidden</h1>", body)
            self.assertIn(b"<li>Code: AccessDenied</li>", body)
            self.assertNotIn(b"secret", body)
        # A policy granting only part of the bucket: the rest stays closed.
        self.s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({
            "Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{bucket}/public/*"}]}))
        self.put(bucket, "public/index.html", b"open")
        self.assertEqual(self.site(bucket, "/public/")[:3:2], (200, b"open"))
        self.assertEqual(self.site(bucket, "/index.html")[0], 403)

    def test_conditional_get_and_methods(self):
        bucket = self.make_site()
        self.put(bucket, "index.html", b"home")
        status, headers, _ = self.site(bucket, "/")
        etag = headers["etag"]
        status, _, body = self.site(bucket, "/", headers={"If-None-Match": etag})
        self.assertEqual((status, body), (304, b""))
        self.assertEqual(self.path_site(bucket, "/index.html",
                                        headers={"If-None-Match": etag})[0], 304)
        self.assertEqual(self.site(bucket, "/", headers={"If-None-Match": '"other"'})[0], 200)
        for method in ("PUT", "POST", "DELETE"):
            status, _, body = self.site(bucket, "/index.html", method=method)
            self.assertEqual(status, 405, method)
            self.assertIn(b"<li>Code: MethodNotAllowed</li>", body)
            self.assertIn(f"<li>Method: {method}</li>".encode(), body)
        self.assertEqual(self.path_site(bucket, "/index.html", method="DELETE")[0], 405)
        self.assertEqual(self.s3.get_object(Bucket=bucket, Key="index.html")["Body"].read(),
                         b"home")
