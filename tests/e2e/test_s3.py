"""S3 with real clients: boto3 (and Debian's boto3 1.26), the AWS CLI, curl-like raw requests.
Feature and attack tests together: addressing, objects, listing, multipart, integrity, presigned
URLs (SigV4 and SigV2), durability across kill -9, and S3's own XML errors for bad input."""

import base64
import email.utils
import hashlib
import os
import shutil
import socket
import subprocess
import tempfile
import textwrap
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request
import zlib

import botocore.auth
import botocore.awsrequest
import botocore.credentials
from botocore.config import Config
from botocore.exceptions import ClientError

from serval_harness import (ACCESS_KEY, REGION, SECRET_KEY, ServalProcess, ServalTestCase,
                            unique_name)


def bucket_name(prefix="bkt"):
    return unique_name(prefix).lower().replace("_", "-")


def http(method, url, body=None, headers=None):
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


def signed(method, url, body=b"", headers=None, host=None):
    """A SigV4-signed S3 request sent as is (Host may name a virtual-host bucket)."""
    headers = dict(headers or {})
    if host:
        headers["Host"] = host
    request = botocore.awsrequest.AWSRequest(method=method, url=url, data=body, headers=headers)
    botocore.auth.S3SigV4Auth(botocore.credentials.Credentials(ACCESS_KEY, SECRET_KEY), "s3",
                              REGION).add_auth(request)
    return http(method, url, body if method not in ("GET", "HEAD") else None,
                dict(request.headers.items()))


class S3TestCase(ServalTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.s3 = cls.serval.client("s3")

    def make_bucket(self):
        name = bucket_name()
        self.s3.create_bucket(Bucket=name)
        return name

    def assert_refused(self, status, code, method, url, body=b"", headers=None):
        """A signed raw request is answered `status` with S3's XML error `code`."""
        got_status, _, answer = signed(method, url, body, headers)
        self.assertEqual(got_status, status, answer[:300])
        self.assertIn(f"<Code>{code}</Code>".encode(), answer)

    def assert_s3_error(self, code, call, *args, **kw):
        with self.assertRaises(ClientError) as caught:
            call(*args, **kw)
        self.assertEqual(caught.exception.response["Error"]["Code"], code)
        return caught.exception.response


class ObjectsTest(S3TestCase):
    def test_keys_with_special_characters_round_trip(self):
        bucket = self.make_bucket()
        keys = ["a b.txt", "ünï/cødé", "plus+sign", "per%cent", "double//slash", "trailing/",
                "q?x=1&y", "tab\tkey"]
        for key in keys:
            self.s3.put_object(Bucket=bucket, Key=key, Body=key.encode())
        for key in keys:
            self.assertEqual(self.s3.get_object(Bucket=bucket, Key=key)["Body"].read(), key.encode())
        listed = [o["Key"] for o in self.s3.list_objects_v2(Bucket=bucket)["Contents"]]
        self.assertEqual(listed, sorted(keys, key=lambda k: k.encode()))

    def test_headers_metadata_and_etag_are_kept(self):
        bucket = self.make_bucket()
        body = b"<h1>hi</h1>"
        put = self.s3.put_object(Bucket=bucket, Key="page.html", Body=body, ContentType="text/html",
                                 CacheControl="max-age=60", ContentDisposition="inline",
                                 Metadata={"Author": "me"}, StorageClass="STANDARD_IA",
                                 WebsiteRedirectLocation="/other.html")
        self.assertEqual(put["ETag"], '"%s"' % hashlib.md5(body).hexdigest())
        head = self.s3.head_object(Bucket=bucket, Key="page.html")
        self.assertEqual(head["ContentLength"], len(body))
        self.assertEqual(head["ContentType"], "text/html")
        self.assertEqual(head["CacheControl"], "max-age=60")
        self.assertEqual(head["Metadata"], {"author": "me"})
        self.assertEqual(head["StorageClass"], "STANDARD_IA")
        self.assertEqual(head["WebsiteRedirectLocation"], "/other.html")
        got = self.s3.get_object(Bucket=bucket, Key="page.html",
                                 ResponseContentType="text/plain")
        self.assertEqual(got["ContentType"], "text/plain")

    def test_ranges_and_conditions(self):
        bucket = self.make_bucket()
        body = bytes(range(256)) * 4
        etag = self.s3.put_object(Bucket=bucket, Key="r", Body=body)["ETag"]
        for header, expected in [("bytes=0-9", body[:10]), ("bytes=1000-", body[1000:]),
                                 ("bytes=-5", body[-5:]), ("bytes=1020-5000", body[1020:])]:
            got = self.s3.get_object(Bucket=bucket, Key="r", Range=header)
            self.assertEqual(got["Body"].read(), expected, header)
            self.assertEqual(got["ResponseMetadata"]["HTTPStatusCode"], 206)
        self.assert_s3_error("InvalidRange", self.s3.get_object, Bucket=bucket, Key="r",
                             Range="bytes=5000-")
        self.assert_s3_error("304", self.s3.get_object, Bucket=bucket, Key="r", IfNoneMatch=etag)
        self.assert_s3_error("PreconditionFailed", self.s3.get_object, Bucket=bucket, Key="r",
                             IfMatch='"nope"')
        self.assertEqual(self.s3.get_object(Bucket=bucket, Key="r", IfMatch=etag)["Body"].read(),
                         body)

    def test_conditional_create_and_overwrite(self):
        bucket = self.make_bucket()
        self.s3.put_object(Bucket=bucket, Key="once", Body=b"1", IfNoneMatch="*")
        self.assert_s3_error("PreconditionFailed", self.s3.put_object, Bucket=bucket, Key="once",
                             Body=b"2", IfNoneMatch="*")
        self.assertEqual(self.s3.get_object(Bucket=bucket, Key="once")["Body"].read(), b"1")
        big = os.urandom(3 * 1024 * 1024)
        self.s3.put_object(Bucket=bucket, Key="once", Body=big)
        self.assertEqual(self.s3.get_object(Bucket=bucket, Key="once")["Body"].read(), big)
        self.s3.put_object(Bucket=bucket, Key="once", Body=b"small again")
        self.assertEqual(self.s3.get_object(Bucket=bucket, Key="once")["Body"].read(), b"small again")

    def test_copy_delete_and_tags(self):
        bucket = self.make_bucket()
        big = os.urandom(2 * 1024 * 1024)
        self.s3.put_object(Bucket=bucket, Key="src", Body=big, Metadata={"a": "1"}, Tagging="t=1")
        self.s3.copy_object(Bucket=bucket, Key="same-meta", CopySource={"Bucket": bucket, "Key": "src"})
        self.assertEqual(self.s3.head_object(Bucket=bucket, Key="same-meta")["Metadata"], {"a": "1"})
        self.s3.copy_object(Bucket=bucket, Key="new-meta", CopySource=f"{bucket}/src",
                            MetadataDirective="REPLACE", Metadata={"b": "2"})
        self.assertEqual(self.s3.head_object(Bucket=bucket, Key="new-meta")["Metadata"], {"b": "2"})
        self.assertEqual(self.s3.get_object(Bucket=bucket, Key="new-meta")["Body"].read(), big)
        self.assert_s3_error("InvalidRequest", self.s3.copy_object, Bucket=bucket, Key="src",
                             CopySource=f"{bucket}/src")
        self.assert_s3_error("PreconditionFailed", self.s3.copy_object, Bucket=bucket, Key="x",
                             CopySource=f"{bucket}/src", CopySourceIfMatch='"nope"')
        self.assertEqual(self.s3.get_object_tagging(Bucket=bucket, Key="src")["TagSet"],
                         [{"Key": "t", "Value": "1"}])
        self.s3.delete_object_tagging(Bucket=bucket, Key="src")
        self.assertEqual(self.s3.get_object_tagging(Bucket=bucket, Key="src")["TagSet"], [])
        result = self.s3.delete_objects(Bucket=bucket, Delete={"Objects": [
            {"Key": "src"}, {"Key": "same-meta"}, {"Key": "never-there"}]})
        self.assertEqual(sorted(d["Key"] for d in result["Deleted"]),
                         ["never-there", "same-meta", "src"])
        self.s3.delete_object(Bucket=bucket, Key="new-meta")
        self.s3.delete_object(Bucket=bucket, Key="new-meta")  # a missing key is still 204
        self.assertEqual(self.s3.list_objects_v2(Bucket=bucket)["KeyCount"], 0)
        self.s3.delete_bucket(Bucket=bucket)


class ListingTest(S3TestCase):
    def test_prefix_delimiter_pagination_and_url_encoding(self):
        bucket = self.make_bucket()
        keys = [f"logs/2026/{i:03}.txt" for i in range(25)] + ["logs/readme", "top a+b", "z/1", "z/2"]
        for key in keys:
            self.s3.put_object(Bucket=bucket, Key=key, Body=b"x")
        pages = self.s3.get_paginator("list_objects_v2").paginate(
            Bucket=bucket, PaginationConfig={"PageSize": 7})
        self.assertEqual([o["Key"] for p in pages for o in p.get("Contents", [])], sorted(keys))
        top = self.s3.list_objects_v2(Bucket=bucket, Delimiter="/")
        self.assertEqual([p["Prefix"] for p in top["CommonPrefixes"]], ["logs/", "z/"])
        self.assertEqual([o["Key"] for o in top["Contents"]], ["top a+b"])
        inner = self.s3.list_objects_v2(Bucket=bucket, Prefix="logs/", Delimiter="/")
        self.assertEqual([p["Prefix"] for p in inner["CommonPrefixes"]], ["logs/2026/"])
        # Pages of one entry through common prefixes: each prefix once.
        seen = []
        for page in self.s3.get_paginator("list_objects_v2").paginate(
                Bucket=bucket, Delimiter="/", PaginationConfig={"PageSize": 1}):
            seen += [p["Prefix"] for p in page.get("CommonPrefixes", [])]
            seen += [o["Key"] for o in page.get("Contents", [])]
        self.assertEqual(seen, ["logs/", "top a+b", "z/"])
        after = self.s3.list_objects_v2(Bucket=bucket, StartAfter="logs/readme")
        self.assertEqual([o["Key"] for o in after["Contents"]], ["top a+b", "z/1", "z/2"])
        v1 = self.s3.get_paginator("list_objects").paginate(Bucket=bucket,
                                                            PaginationConfig={"PageSize": 10})
        self.assertEqual([o["Key"] for p in v1 for o in p.get("Contents", [])], sorted(keys))
        self.assert_s3_error("InvalidArgument", self.s3.list_objects_v2, Bucket=bucket,
                             EncodingType="base64")


class MultipartTest(S3TestCase):
    def test_upload_rules_and_etag(self):
        bucket = self.make_bucket()
        upload = self.s3.create_multipart_upload(Bucket=bucket, Key="mp", ContentType="video/mp4")
        upload_id = upload["UploadId"]
        part1, part2 = os.urandom(5 * 1024 * 1024), b"tail"
        e1 = self.s3.upload_part(Bucket=bucket, Key="mp", UploadId=upload_id, PartNumber=1,
                                 Body=part1)["ETag"]
        e2 = self.s3.upload_part(Bucket=bucket, Key="mp", UploadId=upload_id, PartNumber=2,
                                 Body=part2)["ETag"]
        parts = self.s3.list_parts(Bucket=bucket, Key="mp", UploadId=upload_id)["Parts"]
        self.assertEqual([(p["PartNumber"], p["Size"]) for p in parts], [(1, len(part1)), (2, 4)])
        self.assertEqual(len(self.s3.list_multipart_uploads(Bucket=bucket)["Uploads"]), 1)
        self.assert_s3_error("InvalidPartOrder", self.s3.complete_multipart_upload, Bucket=bucket,
                             Key="mp", UploadId=upload_id, MultipartUpload={"Parts": [
                                 {"PartNumber": 2, "ETag": e2}, {"PartNumber": 1, "ETag": e1}]})
        self.assert_s3_error("InvalidPart", self.s3.complete_multipart_upload, Bucket=bucket,
                             Key="mp", UploadId=upload_id, MultipartUpload={"Parts": [
                                 {"PartNumber": 1, "ETag": '"00000000000000000000000000000000"'}]})
        done = self.s3.complete_multipart_upload(
            Bucket=bucket, Key="mp", UploadId=upload_id,
            MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": e1}, {"PartNumber": 2, "ETag": e2}]})
        digests = b"".join(hashlib.md5(p).digest() for p in (part1, part2))
        self.assertEqual(done["ETag"], '"%s-2"' % hashlib.md5(digests).hexdigest())
        got = self.s3.get_object(Bucket=bucket, Key="mp")
        self.assertEqual(got["Body"].read(), part1 + part2)
        self.assertEqual(got["ContentType"], "video/mp4")
        self.assert_s3_error("NoSuchUpload", self.s3.list_parts, Bucket=bucket, Key="mp",
                             UploadId=upload_id)

    def test_small_parts_are_refused_and_abort_cleans_up(self):
        bucket = self.make_bucket()
        upload_id = self.s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
        etags = [self.s3.upload_part(Bucket=bucket, Key="k", UploadId=upload_id, PartNumber=n,
                                     Body=b"tiny")["ETag"] for n in (1, 2)]
        response = self.assert_s3_error(
            "EntityTooSmall", self.s3.complete_multipart_upload, Bucket=bucket, Key="k",
            UploadId=upload_id, MultipartUpload={"Parts": [
                {"PartNumber": n, "ETag": e} for n, e in zip((1, 2), etags)]})
        self.assertEqual(response["Error"]["MinSizeAllowed"], "5242880")
        self.assert_s3_error("InvalidArgument", self.s3.upload_part, Bucket=bucket, Key="k",
                             UploadId=upload_id, PartNumber=10001, Body=b"x")
        self.s3.abort_multipart_upload(Bucket=bucket, Key="k", UploadId=upload_id)
        self.assert_s3_error("NoSuchUpload", self.s3.upload_part, Bucket=bucket, Key="k",
                             UploadId=upload_id, PartNumber=1, Body=b"x")
        self.assertNotIn("Uploads", self.s3.list_multipart_uploads(Bucket=bucket))

    def test_a_large_single_put_reads_back_whole_and_by_ranges(self):
        # Past 8 MiB a blob is written and read with direct I/O (whole 4 KiB blocks; the tail
        # through the page cache): every byte must come back, from any offset.
        bucket = self.make_bucket()
        data = os.urandom(20 * 1024 * 1024 + 5)
        put = self.s3.put_object(Bucket=bucket, Key="large", Body=data)
        self.assertEqual(put["ETag"], '"%s"' % hashlib.md5(data).hexdigest())
        self.assertEqual(self.s3.get_object(Bucket=bucket, Key="large")["Body"].read(), data)
        for first, last in [(0, 0), (8 * 1024 * 1024 - 3, 8 * 1024 * 1024 + 4100),
                            (12_345_677, 15_000_001), (len(data) - 7, len(data) - 1)]:
            got = self.s3.get_object(Bucket=bucket, Key="large", Range=f"bytes={first}-{last}")
            self.assertEqual(got["Body"].read(), data[first:last + 1], (first, last))
        self.s3.copy_object(Bucket=bucket, Key="copy", CopySource=f"{bucket}/large")
        self.assertEqual(self.s3.get_object(Bucket=bucket, Key="copy")["Body"].read(), data)

    def test_upload_part_copy_and_transfer_manager(self):
        bucket = self.make_bucket()
        data = os.urandom(12 * 1024 * 1024 + 3)
        path = os.path.join(self.serval.tmp_root, "up.bin")
        with open(path, "wb") as f:
            f.write(data)
        self.s3.upload_file(path, bucket, "up.bin")  # multipart above 8 MB
        self.assertTrue(self.s3.head_object(Bucket=bucket, Key="up.bin")["ETag"].endswith('-2"'))
        down = os.path.join(self.serval.tmp_root, "down.bin")
        self.s3.download_file(bucket, "up.bin", down)  # ranged GETs in parallel
        with open(down, "rb") as f:
            self.assertEqual(hashlib.md5(f.read()).hexdigest(), hashlib.md5(data).hexdigest())
        upload_id = self.s3.create_multipart_upload(Bucket=bucket, Key="copied")["UploadId"]
        etag = self.s3.upload_part_copy(Bucket=bucket, Key="copied", UploadId=upload_id,
                                        PartNumber=1, CopySource=f"{bucket}/up.bin",
                                        CopySourceRange="bytes=100-199")["CopyPartResult"]["ETag"]
        self.s3.complete_multipart_upload(Bucket=bucket, Key="copied", UploadId=upload_id,
                                          MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]})
        self.assertEqual(self.s3.get_object(Bucket=bucket, Key="copied")["Body"].read(), data[100:200])


class BucketsTest(S3TestCase):
    def test_bucket_lifecycle_and_configurations(self):
        name = bucket_name()
        self.s3.create_bucket(Bucket=name)
        self.assertIn(name, [b["Name"] for b in self.s3.list_buckets()["Buckets"]])
        self.assert_s3_error("BucketAlreadyOwnedByYou", self.s3.create_bucket, Bucket=name)
        self.assertEqual(self.s3.head_bucket(Bucket=name)["ResponseMetadata"]["HTTPStatusCode"], 200)
        self.assertIsNone(self.s3.get_bucket_location(Bucket=name)["LocationConstraint"])
        self.s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": [{"Key": "team", "Value": "a"}]})
        self.assertEqual(self.s3.get_bucket_tagging(Bucket=name)["TagSet"], [{"Key": "team", "Value": "a"}])
        self.s3.delete_bucket_tagging(Bucket=name)
        self.assert_s3_error("NoSuchTagSet", self.s3.get_bucket_tagging, Bucket=name)
        self.assert_s3_error("NoSuchBucketPolicy", self.s3.get_bucket_policy, Bucket=name)
        self.assert_s3_error("MalformedPolicy", self.s3.put_bucket_policy, Bucket=name, Policy="{")
        self.s3.put_bucket_cors(Bucket=name, CORSConfiguration={"CORSRules": [
            {"AllowedOrigins": ["*"], "AllowedMethods": ["GET"]}]})
        self.assertEqual(self.s3.get_bucket_cors(Bucket=name)["CORSRules"][0]["AllowedMethods"], ["GET"])
        self.s3.put_object(Bucket=name, Key="k", Body=b"x")
        self.assert_s3_error("BucketNotEmpty", self.s3.delete_bucket, Bucket=name)
        self.s3.delete_object(Bucket=name, Key="k")
        self.s3.delete_bucket(Bucket=name)
        self.assert_s3_error("404", self.s3.head_bucket, Bucket=name)
        self.assert_s3_error("NoSuchBucket", self.s3.list_objects_v2, Bucket=name)

    def test_list_buckets_by_prefix_and_pages(self):
        stem = bucket_name("lb")
        names = [f"{stem}-{i}" for i in range(5)]
        for name in names:
            self.s3.create_bucket(Bucket=name)
        mine = self.s3.list_buckets(Prefix=stem)
        self.assertEqual(([b["Name"] for b in mine["Buckets"]], mine["Prefix"]), (names, stem))
        first = self.s3.list_buckets(Prefix=stem, MaxBuckets=2)
        self.assertEqual([b["Name"] for b in first["Buckets"]], names[:2])
        rest = self.s3.list_buckets(Prefix=stem, MaxBuckets=10,
                                    ContinuationToken=first["ContinuationToken"])
        self.assertEqual([b["Name"] for b in rest["Buckets"]], names[2:])
        self.assertNotIn("ContinuationToken", rest)
        paged = [b["Name"] for page in self.s3.get_paginator("list_buckets").paginate(
            Prefix=stem, PaginationConfig={"PageSize": 2}) for b in page["Buckets"]]
        self.assertEqual(paged, names)
        self.assertEqual(self.s3.list_buckets(Prefix=stem, BucketRegion="eu-west-1")["Buckets"], [])
        status, _, body = signed("GET", f"{self.serval.endpoint}/?max-buckets=0")
        self.assertEqual(status, 400, body)
        self.assertIn(b"<Code>InvalidArgument</Code>", body)

    def test_settings_a_bucket_has_as_s3_makes_it(self):
        name = self.make_bucket()
        rule = self.s3.get_bucket_encryption(Bucket=name)["ServerSideEncryptionConfiguration"]["Rules"][0]
        self.assertEqual((rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"],
                          rule["BucketKeyEnabled"]), ("AES256", False))
        self.assertEqual(self.s3.get_bucket_ownership_controls(Bucket=name)["OwnershipControls"],
                         {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]})
        error = self.assert_s3_error("NoSuchPublicAccessBlockConfiguration",
                                     self.s3.get_public_access_block, Bucket=name)
        self.assertEqual(error["ResponseMetadata"]["HTTPStatusCode"], 404)
        self.assertNotIn("LoggingEnabled", self.s3.get_bucket_logging(Bucket=name))
        for call in (self.s3.get_bucket_encryption, self.s3.get_bucket_logging):
            self.assert_s3_error("NoSuchBucket", call, Bucket=name + "-gone")

    def test_object_versions_of_a_never_versioned_bucket(self):
        # Every object is its one version, "null": the idioms that empty a bucket by its
        # versions work (boto3's resource layer, the CLI).
        name = self.make_bucket()
        for key in ("a", "b/c", "b/d", "e"):
            self.s3.put_object(Bucket=name, Key=key, Body=key.encode())
        page = self.s3.list_object_versions(Bucket=name, MaxKeys=2)
        self.assertEqual([(v["Key"], v["VersionId"], v["IsLatest"]) for v in page["Versions"]],
                         [("a", "null", True), ("b/c", "null", True)])
        self.assertEqual((page["IsTruncated"], page["NextKeyMarker"], page["NextVersionIdMarker"]),
                         (True, "b/c", "null"))
        self.assertEqual(page["Versions"][0]["Size"], 1)
        rest = self.s3.list_object_versions(Bucket=name, KeyMarker="b/c", VersionIdMarker="null")
        self.assertEqual([v["Key"] for v in rest["Versions"]], ["b/d", "e"])
        self.assert_s3_error("InvalidArgument", self.s3.list_object_versions, Bucket=name,
                             VersionIdMarker="null")
        self.assert_s3_error("NoSuchBucket", self.s3.list_object_versions, Bucket=name + "-gone")
        folders = self.s3.list_object_versions(Bucket=name, Delimiter="/")
        self.assertEqual([p["Prefix"] for p in folders["CommonPrefixes"]], ["b/"])
        listed = subprocess.run(
            ["/usr/bin/aws", "--endpoint-url", self.serval.endpoint, "s3api", "list-object-versions",
             "--bucket", name, "--prefix", "b/"], capture_output=True, text=True,
            env=self.serval.cli_env(), check=True).stdout
        self.assertIn('"VersionId": "null"', listed)
        import boto3
        bucket = boto3.session.Session().resource(
            "s3", endpoint_url=self.serval.endpoint, region_name=REGION,
            aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY).Bucket(name)
        bucket.object_versions.all().delete()
        self.assertNotIn("Contents", self.s3.list_objects_v2(Bucket=name))
        bucket.delete()

    def test_public_read_policy_admits_anonymous_gets_only(self):
        bucket = self.make_bucket()
        self.s3.put_object(Bucket=bucket, Key="public/a.txt", Body=b"open")
        self.s3.put_object(Bucket=bucket, Key="private/b.txt", Body=b"closed")
        url = f"{self.serval.endpoint}/{bucket}/public/a.txt"
        status, _, body = http("GET", url)
        self.assertEqual(status, 403)
        self.assertIn(b"<Code>AccessDenied</Code>", body)
        self.s3.put_bucket_policy(Bucket=bucket, Policy='{"Version":"2012-10-17","Statement":[{'
                                  '"Effect":"Allow","Principal":"*","Action":"s3:GetObject",'
                                  f'"Resource":"arn:aws:s3:::{bucket}/public/*"}}]}}')
        status, _, body = http("GET", url)
        self.assertEqual((status, body), (200, b"open"))
        self.assertEqual(http("GET", f"{self.serval.endpoint}/{bucket}/private/b.txt")[0], 403)
        self.assertEqual(http("PUT", url, b"overwrite")[0], 403)
        self.assertEqual(self.s3.get_object(Bucket=bucket, Key="public/a.txt")["Body"].read(), b"open")

    def test_cors_rules_answer_browsers_on_every_request(self):
        bucket = self.make_bucket()
        self.s3.put_object(Bucket=bucket, Key="k", Body=b"x")
        origin = {"Origin": "http://app.test"}
        self.assertNotIn("access-control-allow-origin", signed("GET", f"{self.serval.endpoint}/{bucket}/k",
                                                             headers=origin)[1])
        self.s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [
            {"AllowedOrigins": ["http://app.test"], "AllowedMethods": ["GET", "PUT"],
             "ExposeHeaders": ["ETag"]}]})
        status, headers, _ = signed("GET", f"{self.serval.endpoint}/{bucket}/k", headers=origin)
        self.assertEqual(status, 200)
        self.assertEqual(headers["access-control-allow-origin"], "http://app.test")
        self.assertEqual(headers["access-control-expose-headers"], "ETag")
        status, headers, _ = signed("GET", f"{self.serval.endpoint}/{bucket}/k",
                                    headers={"Origin": "http://evil.test"})
        self.assertNotIn("access-control-allow-origin", headers)
        status, _, body = http("OPTIONS", f"{self.serval.endpoint}/{bucket}/k", headers={
            "Origin": "http://evil.test", "Access-Control-Request-Method": "PUT"})
        self.assertEqual(status, 403)
        self.assertIn(b"<Code>AccessForbidden</Code>", body)
        self.assertIn(b"<Method>PUT</Method><ResourceType>OBJECT</ResourceType>", body)
        # A preflight to a bucket that does not exist is refused the same way, not with a 404.
        status, _, body = http("OPTIONS", f"{self.serval.endpoint}/no-such-bucket-cors", headers={
            "Origin": "http://app.test", "Access-Control-Request-Method": "GET"})
        self.assertEqual(status, 403)
        self.assertIn(b"<Message>CORSResponse: Bucket not found</Message>", body)
        self.assertIn(b"<Method>GET</Method><ResourceType>BUCKET</ResourceType>", body)

    def test_virtual_host_addressing(self):
        bucket = self.make_bucket()
        port = self.serval.endpoint.rsplit(":", 1)[1]
        for host in (f"{bucket}.s3.localhost:{port}", f"{bucket}.localhost:{port}"):
            status, headers, _ = signed("PUT", f"{self.serval.endpoint}/dir/v%20h.txt", b"vh",
                                        host=host)
            self.assertEqual(status, 200, host)
            status, _, body = signed("GET", f"{self.serval.endpoint}/dir/v%20h.txt", host=host)
            self.assertEqual((status, body), (200, b"vh"))
        self.assertEqual(self.s3.get_object(Bucket=bucket, Key="dir/v h.txt")["Body"].read(), b"vh")


class IntegrityAndAttackTest(S3TestCase):
    def test_bad_input_gets_s3_xml_errors_and_changes_nothing(self):
        bucket = self.make_bucket()
        base = f"{self.serval.endpoint}/{bucket}"
        self.assert_s3_error("InvalidBucketName", self.s3.create_bucket, Bucket="Bad_Name")
        for name in ("ab", "a..b", "192.168.0.1", "-ab"):
            self.assert_refused(400, "InvalidBucketName", "PUT", f"{self.serval.endpoint}/{name}")
        response = self.assert_s3_error("NoSuchKey", self.s3.get_object, Bucket=bucket, Key="gone")
        self.assertEqual(response["Error"]["Key"], "gone")
        self.assertTrue(response["ResponseMetadata"]["RequestId"])
        self.assert_s3_error("NoSuchBucket", self.s3.put_object, Bucket="no-such-bucket-x", Key="k",
                             Body=b"x")
        self.assert_s3_error("KeyTooLongError", self.s3.put_object, Bucket=bucket, Key="k" * 1025,
                             Body=b"x")
        self.assert_s3_error("MetadataTooLarge", self.s3.put_object, Bucket=bucket, Key="m",
                             Body=b"x", Metadata={"big": "v" * 2100})
        empty_md5 = {"Content-MD5": "1B2M2Y8AsgTpgAmY7PhCfg=="}
        broken = b"<Delete><Object><Key>a"
        self.assert_refused(400, "MalformedXML", "POST", f"{base}?delete", broken,
                            {"Content-MD5": base64.b64encode(hashlib.md5(broken).digest()).decode()})
        self.assert_refused(400, "BadDigest", "PUT", f"{base}/md5", b"data", empty_md5)
        self.assert_refused(400, "InvalidDigest", "PUT", f"{base}/md5", b"data",
                            {"Content-MD5": "nope"})
        self.assert_refused(501, "NotImplemented", "GET", f"{base}?replication")
        self.assert_s3_error("404", self.s3.head_object, Bucket=bucket, Key="md5")
        # Tags: S3's alphabet, no aws: keys, a header that is a query string of distinct tags.
        for header in ("a=1,b=2", "a=1&a=2"):
            self.assert_refused(400, "InvalidArgument", "PUT", f"{base}/tagged", b"t",
                                {"x-amz-tagging": header})
        self.assert_refused(400, "InvalidTag", "PUT", f"{base}/tagged", b"t",
                            {"x-amz-tagging": "aws%3Aowner=me"})
        for key, value in (("aws:owner", "me"), ("a,b", "1"), ("ok", "x,y")):
            error = self.assert_s3_error("InvalidTag", self.s3.put_bucket_tagging, Bucket=bucket,
                                         Tagging={"TagSet": [{"Key": key, "Value": value}]})
            self.assertEqual(error["Error"]["TagKey"], key)
        self.assert_s3_error("404", self.s3.head_object, Bucket=bucket, Key="tagged")
        self.assert_s3_error("NoSuchTagSet", self.s3.get_bucket_tagging, Bucket=bucket)

    def test_signatures_are_checked_and_errors_are_s3_xml(self):
        bucket = self.make_bucket()
        bad = self.serval.client("s3")
        bad._request_signer._credentials = botocore.credentials.Credentials(ACCESS_KEY, "wrong")
        response = self.assert_s3_error("SignatureDoesNotMatch", bad.put_object, Bucket=bucket,
                                        Key="k", Body=b"x")
        self.assertIn("StringToSign", response["Error"])
        self.assertIn("CanonicalRequest", response["Error"])
        self.assert_s3_error("NoSuchKey", self.s3.get_object, Bucket=bucket, Key="k")
        # A body other than the one signed (x-amz-content-sha256) is refused, and not stored.
        request = botocore.awsrequest.AWSRequest(method="PUT", url=f"{self.serval.endpoint}/{bucket}/k",
                                                 data=b"signed body")
        botocore.auth.S3SigV4Auth(botocore.credentials.Credentials(ACCESS_KEY, SECRET_KEY), "s3",
                                  REGION).add_auth(request)
        status, _, body = http("PUT", f"{self.serval.endpoint}/{bucket}/k", b"other body",
                               dict(request.headers.items()))
        self.assertEqual(status, 400)
        self.assertIn(b"XAmzContentSHA256Mismatch", body)
        self.assert_s3_error("NoSuchKey", self.s3.get_object, Bucket=bucket, Key="k")
        # The same for a body of many pieces, hashed beside the write: only its last byte differs.
        signed = os.urandom(3 * 1024 * 1024)
        request = botocore.awsrequest.AWSRequest(method="PUT", url=f"{self.serval.endpoint}/{bucket}/k",
                                                 data=signed)
        botocore.auth.S3SigV4Auth(botocore.credentials.Credentials(ACCESS_KEY, SECRET_KEY), "s3",
                                  REGION).add_auth(request)
        status, _, body = http("PUT", f"{self.serval.endpoint}/{bucket}/k",
                               signed[:-1] + bytes([signed[-1] ^ 1]), dict(request.headers.items()))
        self.assertEqual(status, 400)
        self.assertIn(b"XAmzContentSHA256Mismatch", body)
        self.assert_s3_error("NoSuchKey", self.s3.get_object, Bucket=bucket, Key="k")
        status, _, _ = http("PUT", f"{self.serval.endpoint}/{bucket}/k", signed,
                            dict(request.headers.items()))
        self.assertEqual(status, 200)
        self.assertEqual(self.s3.get_object(Bucket=bucket, Key="k")["Body"].read(), signed)

    def test_checksums_are_verified_stored_and_returned(self):
        bucket = self.make_bucket()
        body = os.urandom(200 * 1024)
        for algorithm, digest in [("SHA256", hashlib.sha256(body).digest()),
                                  ("SHA1", hashlib.sha1(body).digest())]:
            put = self.s3.put_object(Bucket=bucket, Key=algorithm, Body=body,
                                     ChecksumAlgorithm=algorithm)
            expected = base64.b64encode(digest).decode()
            self.assertEqual(put[f"Checksum{algorithm}"], expected)
            head = self.s3.head_object(Bucket=bucket, Key=algorithm, ChecksumMode="ENABLED")
            self.assertEqual(head[f"Checksum{algorithm}"], expected)
            self.assertNotIn(f"Checksum{algorithm}", self.s3.head_object(Bucket=bucket, Key=algorithm))
        # A checksum that does not match the body: BadDigest, and nothing is stored.
        url = f"{self.serval.endpoint}/{bucket}/bad"
        self.assert_refused(400, "BadDigest", "PUT", url, b"payload",
                            {"x-amz-checksum-crc32": "AAAAAA=="})
        self.assert_refused(400, "InvalidRequest", "PUT", url, b"payload",
                            {"x-amz-checksum-crc32": "not base64!"})
        self.assert_s3_error("NoSuchKey", self.s3.get_object, Bucket=bucket, Key="bad")

    def test_oversized_put_is_refused_before_its_body(self):
        bucket = self.make_bucket()
        port = int(self.serval.endpoint.rsplit(":", 1)[1])
        request = botocore.awsrequest.AWSRequest(
            method="PUT", url=f"{self.serval.endpoint}/{bucket}/huge",
            headers={"x-amz-content-sha256": "UNSIGNED-PAYLOAD", "Content-Length": str(6 << 30),
                     "Expect": "100-continue"})
        botocore.auth.S3SigV4Auth(botocore.credentials.Credentials(ACCESS_KEY, SECRET_KEY), "s3",
                                  REGION).add_auth(request)
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            head = f"PUT /{bucket}/huge HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n" + "".join(
                f"{k}: {v}\r\n" for k, v in request.headers.items() if k.lower() != "host")
            sock.sendall((head + "\r\n").encode())
            answer = sock.recv(65536)
        self.assertTrue(answer.startswith(b"HTTP/1.1 400"), answer[:200])
        self.assertIn(b"<Code>EntityTooLarge</Code>", answer)
        self.assert_s3_error("NoSuchKey", self.s3.get_object, Bucket=bucket, Key="huge")

    def test_presigned_urls_v4_and_v2(self):
        bucket = self.make_bucket()
        self.s3.put_object(Bucket=bucket, Key="doc.pdf", Body=b"%PDF")
        for version in ("s3v4", "s3"):
            client = self._client_with(signature_version=version)
            url = client.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "doc.pdf"})
            self.assertEqual(http("GET", url)[2], b"%PDF", version)
            tampered = url.replace("doc.pdf", "doc.pdX")
            self.assertEqual(http("GET", tampered)[0], 403, version)
            put = client.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": f"up-{version}"})
            # SigV2 signs the Content-Type: the one the URL was made for (none).
            self.assertEqual(http("PUT", put, b"up", {"Content-Type": ""})[0], 200, version)
            expired = client.generate_presigned_url("get_object", ExpiresIn=-10,
                                                    Params={"Bucket": bucket, "Key": "doc.pdf"}) \
                if version == "s3" else None
            if expired:
                status, _, body = http("GET", expired)
                self.assertEqual(status, 403)
                self.assertIn(b"Request has expired", body)
            if version != "s3":
                continue
            # SigV2 URLs carry the x-amz-* headers they were signed with in the query (SigV4
            # ones from boto3 sign them as headers to send; the JS presigner's put them in the
            # query: js/s3.test.mjs); S3 reads them as headers.
            key = f"meta-{version}"
            put = client.generate_presigned_url("put_object", Params={
                "Bucket": bucket, "Key": key, "Metadata": {"owner": "ann lee"},
                "Tagging": "team=web&tier=1"})
            self.assertIn("x-amz-meta-owner=", put)
            self.assertEqual(http("PUT", put, b"m", {"Content-Type": ""})[0], 200, version)
            self.assertEqual(self.s3.head_object(Bucket=bucket, Key=key)["Metadata"],
                             {"owner": "ann lee"})
            self.assertEqual(self.s3.get_object_tagging(Bucket=bucket, Key=key)["TagSet"],
                             [{"Key": "team", "Value": "web"}, {"Key": "tier", "Value": "1"}])
            # ... and are signed: changed, the URL is refused.
            status, _, _ = http("PUT", put.replace("ann", "bob"), b"m", {"Content-Type": ""})
            self.assertEqual(status, 403, version)

    def test_presigned_v2_urls_for_virtual_host_buckets(self):
        # SigV2 signs "/bucket/key" when the bucket is in Host (botocore's auth_path).
        bucket, other = self.make_bucket(), self.make_bucket()
        self.s3.put_object(Bucket=bucket, Key="dir/a b.txt", Body=b"vh2")
        self.s3.put_object(Bucket=other, Key="dir/a b.txt", Body=b"other")
        port = self.serval.endpoint.rsplit(":", 1)[1]
        client = self._client_with(endpoint_url=f"http://s3.localhost:{port}", signature_version="s3",
                                   s3={"addressing_style": "virtual"})

        def send(method, url, body=None, host=None):
            parts = urllib.parse.urlsplit(url)
            self.assertEqual(parts.netloc, f"{bucket}.s3.localhost:{port}")
            return http(method, f"{self.serval.endpoint}{parts.path}?{parts.query}", body,
                        {"Host": host or parts.netloc, "Content-Type": ""})

        url = client.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "dir/a b.txt"})
        self.assertEqual(send("GET", url)[:3:2], (200, b"vh2"))
        # The same signature does not open another bucket named in Host.
        status, _, body = send("GET", url, host=f"{other}.s3.localhost:{port}")
        self.assertEqual(status, 403, body)
        self.assertIn(b"<Code>SignatureDoesNotMatch</Code>", body)
        put = client.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": "up-v2"})
        self.assertEqual(send("PUT", put, b"up")[0], 200)
        self.assertEqual(self.s3.get_object(Bucket=bucket, Key="up-v2")["Body"].read(), b"up")

    def test_sigv2_bucket_requests_as_botocore_signs_them(self):
        # botocore signs a path-style bucket request's resource as "/bucket/" while sending
        # "/bucket"; S3 accepts it, and so must Serval.
        bucket = self.make_bucket()
        self.s3.put_object(Bucket=bucket, Key="k", Body=b"v2")
        client = self._client_with(signature_version="s3")
        self.assertEqual([o["Key"] for o in client.list_objects_v2(Bucket=bucket)["Contents"]], ["k"])
        client.head_bucket(Bucket=bucket)
        url = client.generate_presigned_url("list_objects", Params={"Bucket": bucket})
        status, _, body = http("GET", url)
        self.assertEqual(status, 200, body)
        self.assertIn(b"<Key>k</Key>", body)
        # Still a signature over the request: another bucket's listing is refused.
        other = self.make_bucket()
        status, _, body = http("GET", url.replace(f"/{bucket}?", f"/{other}?"))
        self.assertEqual(status, 403, body)

    def test_a_client_set_to_another_region_is_redirected(self):
        # S3 names its region in the error (and in x-amz-bucket-region for HEAD); botocore signs
        # again for it, so a client configured for eu-west-1 still works.
        bucket = self.make_bucket()
        import boto3
        elsewhere = boto3.session.Session().client(
            "s3", endpoint_url=self.serval.endpoint, region_name="eu-west-1",
            aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY)
        elsewhere.put_object(Bucket=bucket, Key="from-eu", Body=b"x")
        self.assertEqual(elsewhere.get_object(Bucket=bucket, Key="from-eu")["Body"].read(), b"x")
        elsewhere.head_bucket(Bucket=bucket)

    def test_version_ids_never_reach_the_current_object(self):
        # Buckets are never versioned: a version id other than "null" is refused, and the object
        # is neither served nor deleted in its place.
        bucket = self.make_bucket()
        self.s3.put_object(Bucket=bucket, Key="k", Body=b"keep me")
        bogus = "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY"
        for call, extra in ((self.s3.delete_object, {}), (self.s3.get_object, {}),
                            (self.s3.head_object, {}), (self.s3.get_object_tagging, {})):
            error = self.assert_s3_error("InvalidArgument" if call != self.s3.head_object else "400",
                                         call, Bucket=bucket, Key="k", VersionId=bogus, **extra)
            self.assertEqual(error["ResponseMetadata"]["HTTPStatusCode"], 400)
        self.assert_s3_error("InvalidArgument", self.s3.copy_object, Bucket=bucket, Key="copy",
                             CopySource={"Bucket": bucket, "Key": "k", "VersionId": bogus})
        deleted = self.s3.delete_objects(Bucket=bucket, Delete={"Objects": [
            {"Key": "k", "VersionId": bogus}]})
        self.assertEqual(deleted["Errors"], [{"Key": "k", "VersionId": bogus, "Code": "NoSuchVersion",
                                              "Message": "The specified version does not exist."}])
        self.assertEqual(self.s3.get_object(Bucket=bucket, Key="k")["Body"].read(), b"keep me")
        # "null" is the object's one version.
        self.assertEqual(self.s3.get_object(Bucket=bucket, Key="k", VersionId="null")["Body"].read(),
                         b"keep me")
        deleted = self.s3.delete_objects(Bucket=bucket, Delete={"Objects": [
            {"Key": "k", "VersionId": "null"}]})
        self.assertEqual(deleted["Deleted"], [{"Key": "k", "VersionId": "null"}])
        self.assertNotIn("Contents", self.s3.list_objects_v2(Bucket=bucket))

    def test_whole_bodies_are_held_to_their_digests(self):
        bucket = self.make_bucket()
        self.s3.put_object(Bucket=bucket, Key="k", Body=b"kept")
        url = f"{self.serval.endpoint}/{bucket}?delete"
        body = b"<Delete><Object><Key>k</Key></Object></Delete>"
        # DeleteObjects must say what its body is (every SDK sends Content-MD5 or a checksum).
        self.assert_refused(400, "InvalidRequest", "POST", url, body)
        self.assert_refused(400, "BadDigest", "POST", url, body,
                            {"Content-MD5": base64.b64encode(hashlib.md5(b"other").digest()).decode()})
        self.assert_refused(400, "InvalidDigest", "POST", url, body, {"Content-MD5": "not-md5"})
        self.assert_refused(400, "BadDigest", "POST", url, body, {"x-amz-checksum-crc32": "AAAAAA=="})
        self.assertEqual(self.s3.get_object(Bucket=bucket, Key="k")["Body"].read(), b"kept")
        tagging = b"<Tagging><TagSet><Tag><Key>a</Key><Value>1</Value></Tag></TagSet></Tagging>"
        self.assert_refused(400, "BadDigest", "PUT", f"{self.serval.endpoint}/{bucket}?tagging",
                            tagging, {"x-amz-checksum-crc32": "AAAAAA=="})
        self.assert_s3_error("NoSuchTagSet", self.s3.get_bucket_tagging, Bucket=bucket)
        status, _, answer = signed("POST", url, body, {
            "x-amz-checksum-crc32": base64.b64encode(zlib.crc32(body).to_bytes(4, "big")).decode()})
        self.assertEqual(status, 200, answer)
        self.assert_s3_error("NoSuchKey", self.s3.get_object, Bucket=bucket, Key="k")

    def test_requests_without_credentials_get_s3_access_denied(self):
        bucket = self.make_bucket()
        self.s3.put_object(Bucket=bucket, Key="k", Body=b"private")
        base = f"{self.serval.endpoint}/{bucket}"
        for method, url, body in (("PUT", f"{base}/new", b"x"), ("DELETE", f"{base}/k", None),
                                  ("POST", f"{base}?delete", b"<Delete/>"), ("PUT", f"{base}/k?tagging", b""),
                                  ("GET", f"{base}/k?tagging", None), ("GET", f"{base}/k", None),
                                  ("GET", f"{base}/k?attributes", None), ("GET", f"{base}?versions", None),
                                  ("GET", f"{base}?encryption", None), ("GET", f"{base}?logging", None)):
            status, headers, answer = http(method, url, body)
            self.assertEqual(status, 403, (method, url, answer))
            self.assertIn(b"<Code>AccessDenied</Code>", answer)
            self.assertEqual(headers.get("content-type"), "application/xml")
        self.assertEqual(self.s3.get_object(Bucket=bucket, Key="k")["Body"].read(), b"private")
        self.assertNotIn("new", [o["Key"] for o in self.s3.list_objects_v2(Bucket=bucket)["Contents"]])

    def _client_with(self, endpoint_url=None, **config):
        import boto3
        return boto3.session.Session().client(
            "s3", endpoint_url=endpoint_url or self.serval.endpoint, region_name=REGION,
            aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
            config=Config(retries={"total_max_attempts": 1}, **config))


class EncryptionOwnerAndDateTest(S3TestCase):
    """What every object answer says about encryption at rest (SSE-S3 by default, KMS names kept),
    x-amz-expected-bucket-owner, and the Date header every response carries."""

    def test_objects_are_sse_s3_unless_kms_is_named(self):
        bucket = self.make_bucket()
        put = self.s3.put_object(Bucket=bucket, Key="plain", Body=b"x")
        self.assertEqual(put["ServerSideEncryption"], "AES256")
        self.assertEqual(self.s3.head_object(Bucket=bucket, Key="plain")["ServerSideEncryption"],
                         "AES256")
        self.assertEqual(self.s3.get_object(Bucket=bucket, Key="plain")["ServerSideEncryption"],
                         "AES256")
        kms = self.s3.put_object(Bucket=bucket, Key="kms", Body=b"x", ServerSideEncryption="aws:kms",
                                 SSEKMSKeyId="arn:aws:kms:us-east-1:000000000000:key/k1")
        self.assertEqual(kms["ServerSideEncryption"], "aws:kms")
        head = self.s3.head_object(Bucket=bucket, Key="kms")
        self.assertEqual((head["ServerSideEncryption"], head["SSEKMSKeyId"]),
                         ("aws:kms", "arn:aws:kms:us-east-1:000000000000:key/k1"))
        # A copy takes the encryption its request names, else the default; copying an object onto
        # itself to change only its encryption is allowed.
        copy = self.s3.copy_object(Bucket=bucket, Key="copy", CopySource=f"{bucket}/kms")
        self.assertEqual(copy["ServerSideEncryption"], "AES256")
        self.s3.copy_object(Bucket=bucket, Key="plain", CopySource=f"{bucket}/plain",
                            ServerSideEncryption="aws:kms")
        self.assertEqual(self.s3.head_object(Bucket=bucket, Key="plain")["ServerSideEncryption"],
                         "aws:kms")
        upload = self.s3.create_multipart_upload(Bucket=bucket, Key="multi")
        self.assertEqual(upload["ServerSideEncryption"], "AES256")
        part = self.s3.upload_part(Bucket=bucket, Key="multi", PartNumber=1, Body=b"m",
                                   UploadId=upload["UploadId"])
        done = self.s3.complete_multipart_upload(
            Bucket=bucket, Key="multi", UploadId=upload["UploadId"],
            MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})
        self.assertEqual(done["ServerSideEncryption"], "AES256")

    def test_unsupported_encryption_is_refused_and_nothing_stored(self):
        bucket = self.make_bucket()
        error = self.assert_s3_error("InvalidArgument", self.s3.put_object, Bucket=bucket,
                                     Key="k", Body=b"x", ServerSideEncryption="rot13")
        self.assertIn("encryption method", error["Error"]["Message"])
        self.assert_s3_error("InvalidArgument", self.s3.put_object, Bucket=bucket, Key="k",
                             Body=b"x", SSEKMSKeyId="some-key")
        url = f"{self.serval.endpoint}/{bucket}/k"
        self.assert_refused(400, "InvalidRequest", "PUT", url, b"x", {
            "x-amz-server-side-encryption-customer-algorithm": "AES256",
            "x-amz-server-side-encryption-customer-key": base64.b64encode(b"k" * 32).decode(),
            "x-amz-server-side-encryption-customer-key-MD5":
                base64.b64encode(hashlib.md5(b"k" * 32).digest()).decode()})
        self.assertEqual(self.s3.list_objects_v2(Bucket=bucket)["KeyCount"], 0)

    def test_expected_bucket_owner(self):
        bucket = self.make_bucket()
        account = self.serval.client("sts").get_caller_identity()["Account"]
        self.s3.put_object(Bucket=bucket, Key="k", Body=b"x", ExpectedBucketOwner=account)
        self.s3.head_bucket(Bucket=bucket, ExpectedBucketOwner=account)
        self.assert_s3_error("AccessDenied", self.s3.get_object, Bucket=bucket, Key="k",
                             ExpectedBucketOwner="111122223333")
        self.assert_s3_error("AccessDenied", self.s3.copy_object, Bucket=bucket, Key="c",
                             CopySource=f"{bucket}/k", ExpectedSourceBucketOwner="111122223333")
        self.assert_s3_error("InvalidBucketOwnerAWSAccountID", self.s3.list_objects_v2,
                             Bucket=bucket, ExpectedBucketOwner="not-an-account")
        self.assert_s3_error("404", self.s3.head_object, Bucket=bucket, Key="c")

    def test_every_response_carries_a_date(self):
        bucket = self.make_bucket()
        for method, url in [("GET", f"{self.serval.endpoint}/{bucket}"),
                            ("GET", f"{self.serval.endpoint}/{bucket}/missing"),
                            ("GET", f"{self.serval.endpoint}/_serval/health")]:
            _, headers, _ = signed(method, url)
            parsed = email.utils.parsedate_to_datetime(headers["date"])
            self.assertLess(abs(parsed.timestamp() - time.time()), 5, headers["date"])
        streamed = self.s3.put_object(Bucket=bucket, Key="big", Body=b"b" * (256 << 10))
        self.assertIn("date", streamed["ResponseMetadata"]["HTTPHeaders"])
        got = self.s3.get_object(Bucket=bucket, Key="big")
        self.assertIn("date", got["ResponseMetadata"]["HTTPHeaders"])


class CliTest(S3TestCase):
    def test_cli_high_level_commands(self):
        bucket = bucket_name()
        self.serval.cli("s3", "mb", f"s3://{bucket}")
        tree = os.path.join(self.serval.tmp_root, "tree")
        os.makedirs(os.path.join(tree, "sub"), exist_ok=True)
        for rel, data in [("a.txt", b"a"), ("sub/b.txt", b"b" * 1000)]:
            with open(os.path.join(tree, rel), "wb") as f:
                f.write(data)
        big = os.path.join(self.serval.tmp_root, "big.bin")
        with open(big, "wb") as f:
            f.write(os.urandom(100 * 1024 * 1024))
        self.serval.cli("s3", "cp", big, f"s3://{bucket}/big.bin")
        back = os.path.join(self.serval.tmp_root, "big.back")
        self.serval.cli("s3", "cp", f"s3://{bucket}/big.bin", back)
        with open(big, "rb") as a, open(back, "rb") as b:
            self.assertEqual(hashlib.md5(a.read()).digest(), hashlib.md5(b.read()).digest())
        self.serval.cli("s3", "sync", tree, f"s3://{bucket}/tree")
        listing = self.serval.cli("s3", "ls", "--recursive", f"s3://{bucket}").stdout
        for key in ("big.bin", "tree/a.txt", "tree/sub/b.txt"):
            self.assertIn(key, listing)
        self.assertIn("PRE tree/", self.serval.cli("s3", "ls", f"s3://{bucket}").stdout)
        url = self.serval.cli("s3", "presign", f"s3://{bucket}/tree/a.txt").stdout.strip()
        self.assertEqual(http("GET", url)[2], b"a")
        meta = self.serval.cli_json("s3api", "head-object", "--bucket", bucket, "--key", "tree/a.txt")
        self.assertEqual(meta["ContentLength"], 1)
        self.serval.cli("s3", "rm", "--recursive", f"s3://{bucket}")
        self.serval.cli("s3", "rb", f"s3://{bucket}")
        failed = self.serval.cli("s3api", "head-bucket", "--bucket", bucket, check=False)
        self.assertNotEqual(failed.returncode, 0)


class DebianBoto3Test(S3TestCase):
    """What a fresh Debian 12 runs: /usr/bin/python3 with python3-boto3 1.26."""

    def test_debian_boto3_round_trip(self):
        if not os.path.exists("/usr/bin/python3"):
            self.skipTest("no /usr/bin/python3")
        script = textwrap.dedent(f"""
            import boto3, botocore, os
            s3 = boto3.client("s3", endpoint_url="{self.serval.endpoint}", region_name="{REGION}",
                              aws_access_key_id="{ACCESS_KEY}", aws_secret_access_key="{SECRET_KEY}")
            s3.create_bucket(Bucket="debian-bucket")
            s3.put_object(Bucket="debian-bucket", Key="k", Body=b"v")
            assert s3.get_object(Bucket="debian-bucket", Key="k")["Body"].read() == b"v"
            data = os.urandom(9 * 1024 * 1024)
            open("/tmp/debian-up.bin", "wb").write(data)
            s3.upload_file("/tmp/debian-up.bin", "debian-bucket", "big")
            assert s3.get_object(Bucket="debian-bucket", Key="big")["Body"].read() == data
            print(botocore.__version__, [o["Key"] for o in s3.list_objects(Bucket="debian-bucket")["Contents"]])
        """)
        done = subprocess.run(["/usr/bin/python3", "-c", script], capture_output=True, text=True,
                              timeout=120, env=self.serval.cli_env())
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn("['big', 'k']", done.stdout)


class DurabilityTest(ServalTestCase):
    def test_kill_9_keeps_every_acknowledged_object_and_leaves_no_partial_one(self):
        s3 = self.serval.client("s3")
        s3.create_bucket(Bucket="durable")
        small = {f"s{i}": os.urandom(100 + i) for i in range(20)}
        for key, body in small.items():
            s3.put_object(Bucket="durable", Key=key, Body=body)
        large = os.urandom(6 * 1024 * 1024)
        s3.put_object(Bucket="durable", Key="large", Body=large)
        # A PUT cut off mid-body: its client dies with it.
        port = int(self.serval.endpoint.rsplit(":", 1)[1])
        sock = socket.create_connection(("127.0.0.1", port))
        request = botocore.awsrequest.AWSRequest(
            method="PUT", url=f"{self.serval.endpoint}/durable/partial",
            headers={"x-amz-content-sha256": "UNSIGNED-PAYLOAD", "Content-Length": str(50 << 20)})
        botocore.auth.S3SigV4Auth(botocore.credentials.Credentials(ACCESS_KEY, SECRET_KEY), "s3",
                                  REGION).add_auth(request)
        head = f"PUT /durable/partial HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n" + "".join(
            f"{k}: {v}\r\n" for k, v in request.headers.items() if k.lower() != "host") + "\r\n"
        sock.sendall(head.encode() + os.urandom(8 << 20))
        killed = self.serval
        data_dir = killed.data_dir
        killed.kill()  # SIGKILL
        sock.close()
        self.addCleanup(shutil.rmtree, killed.tmp_root, True)
        type(self).serval = ServalProcess(data_dir=data_dir)
        self.serval.start()
        s3 = self.serval.client("s3")
        for key, body in small.items():
            self.assertEqual(s3.get_object(Bucket="durable", Key=key)["Body"].read(), body)
        self.assertEqual(s3.get_object(Bucket="durable", Key="large")["Body"].read(), large)
        self.assertNotIn("partial", [o["Key"] for o in s3.list_objects_v2(Bucket="durable")["Contents"]])
        # Nothing of the cut-off PUT is left on disk: only the large object's blob remains.
        blobs = [f for _, _, files in os.walk(os.path.join(data_dir, "blobs")) for f in files]
        self.assertEqual(len(blobs), 1, blobs)


class FullDiskTest(ServalTestCase):
    """A data dir on a small tmpfs: a PUT that does not fit fails in S3's shape, changes nothing,
    and Serval goes on once there is room again."""

    @classmethod
    def setUpClass(cls):
        cls.mount = tempfile.mkdtemp(prefix="serval-full-")
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=48m", "tmpfs", cls.mount],
                              capture_output=True, text=True)
        if done.returncode != 0:
            raise unittest.SkipTest(f"cannot mount a tmpfs here: {done.stderr.strip()}")
        cls.addClassCleanup(subprocess.run, ["umount", "-l", cls.mount])
        # Not ServalTestCase.setUpClass: this Serval's data dir is the tmpfs.
        cls.serval = ServalProcess(data_dir=os.path.join(cls.mount, "data"))
        cls.addClassCleanup(cls._stop_serval)
        cls.serval.start()

    def test_put_into_a_full_disk(self):
        s3 = self.serval.client("s3")
        s3.create_bucket(Bucket="full")
        stored = []
        with self.assertRaises(ClientError) as caught:
            for i in range(100):
                s3.put_object(Bucket="full", Key=f"o{i}", Body=os.urandom(2 << 20))
                stored.append(f"o{i}")
        error = caught.exception.response
        self.assertEqual(error["ResponseMetadata"]["HTTPStatusCode"], 500)
        self.assertEqual(error["Error"]["Code"], "InternalError")
        self.assertNotIn("No space", error["Error"]["Message"])
        self.assertGreater(len(stored), 5)
        listed = [o["Key"] for o in s3.list_objects_v2(Bucket="full")["Contents"]]
        self.assertEqual(sorted(listed), sorted(stored))
        for key in stored[:3]:
            s3.delete_object(Bucket="full", Key=key)
        s3.put_object(Bucket="full", Key="after", Body=b"room again")
        self.assertEqual(s3.get_object(Bucket="full", Key="after")["Body"].read(), b"room again")
