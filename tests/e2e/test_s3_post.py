"""S3 POST Object: browser-form uploads as boto3's generate_presigned_post prepares them (SigV4
and SigV2) and `requests` (what boto3's documentation posts them with) or curl -F send them: the
file streamed into an object with the fields as its headers, `${filename}`, every
success_action_* answer, the ObjectCreated:Post event, and each refusal in S3's words with
nothing stored: a tampered or expired policy, a field the policy does not allow, a condition not
met, a file outside content-length-range, an unknown key, an unsigned form to a private bucket,
a body that is not a form."""

import hashlib
import json
import os
import subprocess
import tempfile
import time
import urllib.parse
import xml.etree.ElementTree as ET

import requests

from serval_harness import ACCOUNT, REGION
from test_s3 import S3TestCase
from test_s3_notifications import NotificationCase


def post(form, fields, file_data, filename="upload.bin", file_type=None, **kw):
    """POSTs `fields` then the file, as requests orders them (the file last)."""
    file_part = (filename, file_data, file_type) if file_type else (filename, file_data)
    return requests.post(form["url"], data=fields, files={"file": file_part}, timeout=60,
                         allow_redirects=False, **kw)


def error_of(response):
    root = ET.fromstring(response.content)
    return {child.tag: child.text for child in root}


class PostObjectCase(S3TestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.s3v2 = cls.serval.client("s3", signature_version="s3")
        cls.s3v4 = cls.serval.client("s3", signature_version="s3v4")

    def assert_refused(self, response, status, code):
        self.assertEqual(response.status_code, status, response.text[:400])
        error = error_of(response)
        self.assertEqual(error["Code"], code, response.text[:400])
        return error

    def assert_absent(self, bucket, key):
        self.assert_s3_error("404", self.s3.head_object, Bucket=bucket, Key=key)


class UploadTest(PostObjectCase):
    def test_a_sigv4_form_uploads_the_file_with_its_fields_as_headers(self):
        bucket = self.make_bucket()
        fields = {"Content-Type": "text/plain", "Cache-Control": "max-age=60",
                  "x-amz-meta-Owner": "me", "x-amz-storage-class": "STANDARD_IA",
                  "tagging": "<Tagging><TagSet><Tag><Key>k</Key><Value>v</Value></Tag></TagSet>"
                             "</Tagging>"}
        form = self.s3v4.generate_presigned_post(
            bucket, "docs/${filename}", Fields=fields,
            Conditions=[{name: value} for name, value in fields.items()])
        self.assertIn("x-amz-signature", form["fields"])
        body = b"hello form\r\n--not a boundary\r\n" * 100
        response = post(form, form["fields"], body, filename="C:\\Users\\me\\notes.txt",
                        file_type="application/octet-stream")
        self.assertEqual(response.status_code, 204, response.text)
        self.assertEqual(response.content, b"")
        etag = '"%s"' % hashlib.md5(body).hexdigest()
        self.assertEqual(response.headers["ETag"], etag)
        self.assertEqual(response.headers["Location"],
                         f"{self.serval.endpoint}/{bucket}/docs%2Fnotes.txt")
        self.assertIn("x-amz-checksum-crc64nvme", response.headers)
        got = self.s3.get_object(Bucket=bucket, Key="docs/notes.txt")
        self.assertEqual(got["Body"].read(), body)
        self.assertEqual(got["ETag"], etag)
        # The Content-Type field, not the file part's own type, is the object's.
        self.assertEqual(got["ContentType"], "text/plain")
        self.assertEqual(got["CacheControl"], "max-age=60")
        self.assertEqual(got["Metadata"], {"owner": "me"})
        self.assertEqual(got["StorageClass"], "STANDARD_IA")
        self.assertEqual(self.s3.get_object_tagging(Bucket=bucket, Key="docs/notes.txt")["TagSet"],
                         [{"Key": "k", "Value": "v"}])

    def test_a_sigv2_form_and_the_default_content_type(self):
        bucket = self.make_bucket()
        form = self.s3v2.generate_presigned_post(bucket, "v2.bin")
        self.assertIn("AWSAccessKeyId", form["fields"])
        response = post(form, form["fields"], b"\x00\x01binary")
        self.assertEqual(response.status_code, 204, response.text)
        head = self.s3.head_object(Bucket=bucket, Key="v2.bin")
        self.assertEqual(head["ContentType"], "binary/octet-stream")
        self.assertEqual(head["ContentLength"], 8)

    def test_success_action_status_and_redirect(self):
        bucket = self.make_bucket()
        for status, expected in [("201", 201), ("200", 200), ("204", 204), ("404", 204)]:
            form = self.s3v4.generate_presigned_post(
                bucket, "s" + status, Fields={"success_action_status": status},
                Conditions=[{"success_action_status": status}])
            response = post(form, form["fields"], b"x")
            self.assertEqual(response.status_code, expected, response.text)
            if expected == 201:
                root = ET.fromstring(response.content)
                self.assertEqual(root.tag, "PostResponse")
                self.assertEqual([child.tag for child in root],
                                 ["Location", "Bucket", "Key", "ETag"])
                self.assertEqual(root.find("Bucket").text, bucket)
                self.assertEqual(root.find("Key").text, "s201")
                self.assertEqual(root.find("ETag").text, '"%s"' % hashlib.md5(b"x").hexdigest())
                self.assertEqual(root.find("Location").text, response.headers["Location"])
            else:
                self.assertEqual(response.content, b"")
        target = "http://app.example/done?from=form"
        form = self.s3v4.generate_presigned_post(
            bucket, "a b/${filename}", Fields={"success_action_redirect": target},
            Conditions=[["starts-with", "$success_action_redirect", "http://app.example/"]])
        response = post(form, form["fields"], b"redirected", filename="r.txt")
        self.assertEqual(response.status_code, 303, response.text)
        location = urllib.parse.urlsplit(response.headers["Location"])
        self.assertEqual(location.netloc, "app.example")
        query = urllib.parse.parse_qs(location.query)
        self.assertEqual(query["from"], ["form"])
        self.assertEqual(query["bucket"], [bucket])
        self.assertEqual(query["key"], ["a b/r.txt"])
        self.assertEqual(query["etag"], ['"%s"' % hashlib.md5(b"redirected").hexdigest()])
        self.assertEqual(self.s3.get_object(Bucket=bucket, Key="a b/r.txt")["Body"].read(),
                         b"redirected")

    def test_a_large_file_streams_through_curl(self):
        bucket = self.make_bucket()
        form = self.s3v4.generate_presigned_post(
            bucket, "big/${filename}", Conditions=[["content-length-range", 1, 64 << 20]])
        with tempfile.TemporaryDirectory() as scratch:
            path = os.path.join(scratch, "big.bin")
            data = os.urandom(1 << 20) * 24
            with open(path, "wb") as out:
                out.write(data)
            command = ["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}"]
            for name, value in form["fields"].items():
                command += ["--form-string", f"{name}={value}"]
            command += ["-F", f"file=@{path}", form["url"]]
            result = subprocess.run(command, capture_output=True, text=True, timeout=120,
                                    check=False)
        self.assertEqual(result.stdout, "204", result.stderr)
        got = self.s3.get_object(Bucket=bucket, Key="big/big.bin")
        self.assertEqual(got["ContentLength"], len(data))
        self.assertEqual(hashlib.sha256(got["Body"].read()).digest(),
                         hashlib.sha256(data).digest())

    def test_virtual_host_addressing_and_an_existing_object_replaced(self):
        bucket = self.make_bucket()
        self.s3.put_object(Bucket=bucket, Key="same", Body=b"old")
        form = self.s3v4.generate_presigned_post(bucket, "same")
        port = urllib.parse.urlsplit(self.serval.endpoint).port
        response = requests.post(f"http://127.0.0.1:{port}/", data=form["fields"],
                                 files={"file": ("f", b"new")},
                                 headers={"Host": f"{bucket}.s3.localhost:{port}"}, timeout=30)
        self.assertEqual(response.status_code, 204, response.text)
        self.assertEqual(response.headers["Location"], f"http://{bucket}.s3.localhost:{port}/same")
        self.assertEqual(self.s3.get_object(Bucket=bucket, Key="same")["Body"].read(), b"new")

    def test_an_unsigned_form_needs_a_bucket_policy_that_lets_everyone_put(self):
        bucket = self.make_bucket()
        url = f"{self.serval.endpoint}/{bucket}"
        response = requests.post(url, data={"key": "anon"}, files={"file": ("f", b"x")},
                                 timeout=30)
        self.assert_refused(response, 403, "AccessDenied")
        self.assert_absent(bucket, "anon")
        self.s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({
            "Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": "*", "Action": "s3:PutObject",
                "Resource": f"arn:aws:s3:::{bucket}/public/*"}]}))
        response = requests.post(url, data={"key": "public/anon"}, files={"file": ("f", b"x")},
                                 timeout=30)
        self.assertEqual(response.status_code, 204, response.text)
        response = requests.post(url, data={"key": "private/anon"}, files={"file": ("f", b"x")},
                                 timeout=30)
        self.assert_refused(response, 403, "AccessDenied")
        self.assert_absent(bucket, "private/anon")


class RefusalTest(PostObjectCase):
    def form(self, bucket, key="k", **kw):
        return self.s3v4.generate_presigned_post(bucket, key, **kw)

    def test_a_tampered_policy_or_signature(self):
        bucket = self.make_bucket()
        form = self.form(bucket)
        fields = dict(form["fields"])
        fields["policy"] = fields["policy"][:-4]
        error = self.assert_refused(post(form, fields, b"x"), 403, "SignatureDoesNotMatch")
        self.assertEqual(error["StringToSign"], fields["policy"])
        self.assertEqual(error["SignatureProvided"], fields["x-amz-signature"])
        fields = dict(form["fields"])
        fields["x-amz-signature"] = "0" * 64
        self.assert_refused(post(form, fields, b"x"), 403, "SignatureDoesNotMatch")
        v2 = self.s3v2.generate_presigned_post(bucket, "k")
        fields = dict(v2["fields"])
        fields["signature"] = "AAAA" + fields["signature"][4:]
        self.assert_refused(post(v2, fields, b"x"), 403, "SignatureDoesNotMatch")
        fields = dict(form["fields"])
        fields["x-amz-credential"] = fields["x-amz-credential"].replace("test/", "nobody/", 1)
        self.assert_refused(post(form, fields, b"x"), 403, "InvalidAccessKeyId")
        self.assert_absent(bucket, "k")

    def test_fields_the_policy_does_not_allow(self):
        bucket = self.make_bucket()
        form = self.form(bucket, "uploads/${filename}")
        fields = dict(form["fields"], key="elsewhere/x")
        error = self.assert_refused(post(form, fields, b"x"), 403, "AccessDenied")
        self.assertEqual(error["Message"], 'Invalid according to Policy: Policy Condition failed: '
                                           '["starts-with", "$key", "uploads/"]')
        fields = dict(form["fields"], **{"x-amz-meta-extra": "1"})
        error = self.assert_refused(post(form, fields, b"x"), 403, "AccessDenied")
        self.assertEqual(error["Message"],
                         "Invalid according to Policy: Extra input fields: x-amz-meta-extra")
        # x-ignore-* fields never need a condition.
        fields = dict(form["fields"], **{"x-ignore-note": "1"})
        self.assertEqual(post(form, fields, b"x", filename="ok").status_code, 204)
        self.assert_absent(bucket, "elsewhere/x")

    def test_an_expired_policy_and_a_form_for_another_bucket(self):
        bucket = self.make_bucket()
        form = self.form(bucket, ExpiresIn=-60)
        error = self.assert_refused(post(form, form["fields"], b"x"), 403, "AccessDenied")
        self.assertEqual(error["Message"], "Invalid according to Policy: Policy expired.")
        other = self.make_bucket()
        form = self.form(other)
        response = requests.post(f"{self.serval.endpoint}/{bucket}", data=form["fields"],
                                 files={"file": ("f", b"x")}, timeout=30)
        error = self.assert_refused(response, 403, "AccessDenied")
        self.assertIn(f'["eq", "$bucket", "{other}"]', error["Message"])
        self.assert_absent(bucket, "k")

    def test_content_length_range(self):
        bucket = self.make_bucket()
        form = self.form(bucket, Conditions=[["content-length-range", 5, 10]])
        error = self.assert_refused(post(form, form["fields"], b"x" * 11), 400, "EntityTooLarge")
        self.assertEqual((error["ProposedSize"], error["MaxSizeAllowed"]), ("11", "10"))
        error = self.assert_refused(post(form, form["fields"], b"x" * 4), 400, "EntityTooSmall")
        self.assertEqual((error["ProposedSize"], error["MinSizeAllowed"]), ("4", "5"))
        self.assert_absent(bucket, "k")
        self.assertEqual(post(form, form["fields"], b"x" * 10).status_code, 204)

    def test_missing_fields_and_bodies_that_are_not_forms(self):
        bucket = self.make_bucket()
        form = self.form(bucket)
        url = form["url"]
        fields = {k: v for k, v in form["fields"].items() if k != "key"}
        error = self.assert_refused(post(form, fields, b"x"), 400, "InvalidArgument")
        self.assertEqual(error["ArgumentName"], "key")
        fields = {k: v for k, v in form["fields"].items() if k != "x-amz-signature"}
        error = self.assert_refused(post(form, fields, b"x"), 400, "InvalidArgument")
        self.assertEqual(error["ArgumentName"], "X-Amz-Signature")
        response = requests.post(url, data=form["fields"], timeout=30)  # no file: urlencoded
        error = self.assert_refused(response, 412, "PreconditionFailed")
        self.assertEqual(error["Condition"],
                         "Bucket POST must be of the enclosure-type multipart/form-data")
        response = requests.post(url, files={k: (None, v) for k, v in form["fields"].items()},
                                 timeout=30)  # multipart, but no file part
        error = self.assert_refused(response, 400, "InvalidArgument")
        self.assertEqual(error["ArgumentName"], "file")
        response = requests.post(url, data=b"--b\r\nnot a part", timeout=30,
                                 headers={"Content-Type": "multipart/form-data; boundary=b"})
        self.assert_refused(response, 400, "MalformedPOSTRequest")
        big = dict(form["fields"], **{"x-ignore-pad": "p" * 21000})
        error = self.assert_refused(post(form, big, b"x"), 400, "MaxPostPreDataLengthExceeded")
        self.assertEqual(error["MaxPostPreDataLengthBytes"], "20480")
        self.assert_absent(bucket, "k")

    def test_a_missing_bucket(self):
        form = self.form("no-such-bucket-for-post")
        self.assert_refused(post(form, form["fields"], b"x"), 404, "NoSuchBucket")


class PostEventTest(NotificationCase):
    def test_a_form_upload_is_announced_as_object_created_post(self):
        bucket = self.make_bucket()
        records = self.make_bucket()
        function = self.recorder(records, allow_bucket=bucket)
        self.s3.put_bucket_notification_configuration(
            Bucket=bucket, NotificationConfiguration={"LambdaFunctionConfigurations": [
                self.lambda_config(function, ["s3:ObjectCreated:Post"])]})
        s3v4 = self.serval.client("s3", signature_version="s3v4")
        form = s3v4.generate_presigned_post(bucket, "posted.txt")
        response = requests.post(form["url"], data=form["fields"],
                                 files={"file": ("p.txt", b"posted")}, timeout=30)
        self.assertEqual(response.status_code, 204, response.text)
        self.s3.put_object(Bucket=bucket, Key="put.txt", Body=b"not announced")
        [record] = self.recorded(records, 1)
        self.assertEqual(record["eventName"], "ObjectCreated:Post")
        self.assertEqual(record["s3"]["object"]["key"], "posted.txt")
        self.assertEqual(record["s3"]["object"]["size"], 6)
        self.assertEqual(record["userIdentity"]["principalId"], "AWS:test")
        self.assertEqual(record["responseElements"]["x-amz-request-id"],
                         response.headers["x-amz-request-id"])
        self.assertEqual(record["awsRegion"], REGION)
        time.sleep(1)  # the PUT's event would have arrived by now if it were sent
        self.assertEqual(len(self.recorded(records, 1)), 1)
        self.assertTrue(ACCOUNT)


if __name__ == "__main__":
    import unittest
    unittest.main()
