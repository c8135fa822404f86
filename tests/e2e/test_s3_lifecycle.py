"""S3 lifecycle (issue 10 part 7) with boto3 and the AWS CLI, on the simulated clock
(--simulated-clock-start; time moves only when the test says so): configurations round-trip,
S3's errors for bad ones, x-amz-expiration on PUT/GET/HEAD/copy/complete, and the sweeper removing expired
objects (creation + Days rounded up to the next midnight UTC, or a Date) and aborting stale
multipart uploads - not a moment before."""

import calendar
import datetime
import json
import time
import unittest

from botocore.exceptions import ClientError

from serval_harness import ServalProcess, unique_name

# 2030-01-15 10:30:00 UTC: Days=3 expires on 2030-01-19 00:00 UTC (AWS's own example).
START = datetime.datetime(2030, 1, 15, 10, 30, tzinfo=datetime.timezone.utc)
DAY = 86400


def epoch(moment):
    return calendar.timegm(moment.utctimetuple())


def bucket_name(prefix="life"):
    return unique_name(prefix).lower().replace("_", "-")


class LifecycleTest(unittest.TestCase):
    def setUp(self):
        self.serval = ServalProcess(
            extra_args=["--simulated-clock-start", str(epoch(START) * 1000)])
        self.addCleanup(self.serval.cleanup)
        self.addCleanup(self.serval.kill)
        self.serval.start()
        self.s3 = self.serval.client("s3")
        self.bucket = bucket_name()
        self.s3.create_bucket(Bucket=self.bucket)

    def now(self):
        status, _, body = self.serval.raw("POST", "/_serval/clock/advance?seconds=0", sign=False)
        self.assertEqual(status, 200, body)
        return json.loads(body)["now"] / 1000

    def advance_to(self, moment):
        seconds = epoch(moment) - self.now()
        self.assertGreaterEqual(seconds, 0)
        status, _, body = self.serval.raw(
            "POST", f"/_serval/clock/advance?seconds={seconds}", sign=False)
        self.assertEqual(status, 200, body)

    def keys(self):
        return sorted(o["Key"] for o in
                      self.s3.list_objects_v2(Bucket=self.bucket).get("Contents", []))

    def wait_for_keys(self, expected, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.keys() == sorted(expected):
                return
            time.sleep(0.05)
        self.assertEqual(self.keys(), sorted(expected))

    def settle(self):
        """Gives a sweep that should not remove anything the time to do it wrongly."""
        time.sleep(0.5)

    def put_rules(self, *rules):
        self.s3.put_bucket_lifecycle_configuration(
            Bucket=self.bucket, LifecycleConfiguration={"Rules": list(rules)})

    def assert_error(self, code, call, *args, **kw):
        with self.assertRaises(ClientError) as caught:
            call(*args, **kw)
        self.assertEqual(caught.exception.response["Error"]["Code"], code,
                         caught.exception.response)
        return caught.exception.response["Error"]

    def test_configuration_round_trips(self):
        self.assert_error("NoSuchLifecycleConfiguration",
                          self.s3.get_bucket_lifecycle_configuration, Bucket=self.bucket)
        rules = [
            {"ID": "tmp", "Status": "Enabled", "Filter": {"Prefix": "tmp/"},
             "Expiration": {"Days": 3}},
            {"ID": "tagged", "Status": "Disabled",
             "Filter": {"And": {"Prefix": "logs/", "Tags": [{"Key": "k", "Value": "v"}],
                                "ObjectSizeGreaterThan": 10}},
             "Expiration": {"Date": datetime.datetime(2030, 2, 1, tzinfo=datetime.timezone.utc)}},
            {"ID": "uploads", "Status": "Enabled", "Filter": {"Prefix": ""},
             "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1}},
        ]
        self.put_rules(*rules)
        got = self.s3.get_bucket_lifecycle_configuration(Bucket=self.bucket)["Rules"]
        self.assertEqual(got, rules)
        self.s3.delete_bucket_lifecycle(Bucket=self.bucket)
        self.assert_error("NoSuchLifecycleConfiguration",
                          self.s3.get_bucket_lifecycle_configuration, Bucket=self.bucket)

    def test_legacy_put_bucket_lifecycle_and_generated_ids(self):
        self.s3.put_bucket_lifecycle(Bucket=self.bucket, LifecycleConfiguration={"Rules": [
            {"Prefix": "old/", "Status": "Enabled", "Expiration": {"Days": 1}}]})
        rules = self.s3.get_bucket_lifecycle(Bucket=self.bucket)["Rules"]
        self.assertEqual(len(rules), 1)
        self.assertEqual(rules[0]["Prefix"], "old/")
        self.assertTrue(rules[0]["ID"])

    def test_cli_put_and_get(self):
        configuration = {"Rules": [{"ID": "cli", "Status": "Enabled",
                                    "Filter": {"Prefix": "c/"}, "Expiration": {"Days": 2}}]}
        self.serval.cli("s3api", "put-bucket-lifecycle-configuration", "--bucket", self.bucket,
                        "--lifecycle-configuration", json.dumps(configuration))
        got = self.serval.cli_json("s3api", "get-bucket-lifecycle-configuration",
                                   "--bucket", self.bucket)
        self.assertEqual(got["Rules"], configuration["Rules"])

    def test_bad_configurations(self):
        self.put_rules({"ID": "keep", "Status": "Enabled", "Filter": {"Prefix": "k"},
                        "Expiration": {"Days": 1}})
        error = self.assert_error(
            "InvalidArgument", self.put_rules,
            {"ID": "r", "Status": "Enabled", "Filter": {},
             "Expiration": {"Date": datetime.datetime(2030, 2, 1, 12,
                                                      tzinfo=datetime.timezone.utc)}})
        self.assertEqual(error["Message"], "'Date' must be at midnight GMT")
        error = self.assert_error("InvalidArgument", self.put_rules,
                                  {"ID": "r", "Status": "Enabled", "Filter": {},
                                   "Expiration": {"Days": 0}})
        self.assertIn("'Days' for Expiration action must be a positive integer", error["Message"])
        self.assert_error("InvalidArgument", self.put_rules,
                          {"ID": "same", "Status": "Enabled", "Filter": {},
                           "Expiration": {"Days": 1}},
                          {"ID": "same", "Status": "Enabled", "Filter": {},
                           "Expiration": {"Days": 2}})
        self.assert_error("InvalidRequest", self.put_rules,
                          {"ID": "none", "Status": "Enabled", "Filter": {}})
        raw = self.serval.client("s3", validate=False)
        self.assert_error("MalformedXML", raw.put_bucket_lifecycle_configuration,
                          Bucket=self.bucket, LifecycleConfiguration={"Rules": [
                              {"ID": "r", "Status": "Maybe", "Filter": {},
                               "Expiration": {"Days": 1}}]})
        self.assert_error("MalformedXML", raw.put_bucket_lifecycle_configuration,
                          Bucket=self.bucket, LifecycleConfiguration={"Rules": [
                              {"ID": "r", "Status": "Enabled", "Expiration": {"Days": 1}}]})
        self.assert_error("MalformedXML", raw.put_bucket_lifecycle_configuration,
                          Bucket=self.bucket, LifecycleConfiguration={"Rules": [
                              {"ID": "r", "Status": "Enabled", "Filter": {"Prefix": "a", "Tag": {
                                  "Key": "k", "Value": "v"}}, "Expiration": {"Days": 1}}]})
        # Nothing changed.
        rules = self.s3.get_bucket_lifecycle_configuration(Bucket=self.bucket)["Rules"]
        self.assertEqual([r["ID"] for r in rules], ["keep"])

    def test_expiration_header(self):
        self.put_rules({"ID": "three", "Status": "Enabled", "Filter": {"Prefix": "tmp/"},
                        "Expiration": {"Days": 3}})
        put = self.s3.put_object(Bucket=self.bucket, Key="tmp/a", Body=b"a")
        expected = 'expiry-date="Sat, 19 Jan 2030 00:00:00 GMT", rule-id="three"'
        self.assertEqual(put["Expiration"], expected)
        self.assertEqual(self.s3.head_object(Bucket=self.bucket, Key="tmp/a")["Expiration"],
                         expected)
        self.assertEqual(self.s3.get_object(Bucket=self.bucket, Key="tmp/a")["Expiration"],
                         expected)
        self.s3.put_object(Bucket=self.bucket, Key="other", Body=b"b")
        self.assertNotIn("Expiration", self.s3.head_object(Bucket=self.bucket, Key="other"))
        # Copies and completed uploads are new objects under the same rules.
        copied = self.s3.copy_object(Bucket=self.bucket, Key="tmp/copy",
                                     CopySource=f"{self.bucket}/other")
        self.assertEqual(copied["Expiration"], expected)
        upload_id = self.s3.create_multipart_upload(Bucket=self.bucket, Key="tmp/mp")["UploadId"]
        etag = self.s3.upload_part(Bucket=self.bucket, Key="tmp/mp", UploadId=upload_id,
                                   PartNumber=1, Body=b"m")["ETag"]
        done = self.s3.complete_multipart_upload(
            Bucket=self.bucket, Key="tmp/mp", UploadId=upload_id,
            MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]})
        self.assertEqual(done["Expiration"], expected)

    def test_objects_expire_at_the_midnight_after_days(self):
        self.put_rules(
            {"ID": "tmp", "Status": "Enabled", "Filter": {"Prefix": "tmp/"},
             "Expiration": {"Days": 3}},
            {"ID": "off", "Status": "Disabled", "Filter": {"Prefix": "off/"},
             "Expiration": {"Days": 1}},
            {"ID": "tagged", "Status": "Enabled",
             "Filter": {"Tag": {"Key": "expire", "Value": "yes"}}, "Expiration": {"Days": 3}},
            {"ID": "big", "Status": "Enabled", "Filter": {"ObjectSizeGreaterThan": 100},
             "Expiration": {"Days": 3}},
            {"ID": "dated", "Status": "Enabled", "Filter": {"Prefix": "dated/"},
             "Expiration": {"Date": datetime.datetime(2030, 2, 1, tzinfo=datetime.timezone.utc)}})
        for key in ("tmp/a", "tmp/b", "off/c", "keep", "dated/d"):
            self.s3.put_object(Bucket=self.bucket, Key=key, Body=b"x")
        self.s3.put_object(Bucket=self.bucket, Key="t", Body=b"x", Tagging="expire=yes")
        self.s3.put_object(Bucket=self.bucket, Key="big", Body=b"x" * 200)
        everything = ["big", "dated/d", "keep", "off/c", "t", "tmp/a", "tmp/b"]
        # 2030-01-18 23:59: three days have passed, but not the midnight after them.
        self.advance_to(datetime.datetime(2030, 1, 18, 23, 59, tzinfo=datetime.timezone.utc))
        self.settle()
        self.assertEqual(self.keys(), everything)
        self.advance_to(datetime.datetime(2030, 1, 19, 0, 0, 1, tzinfo=datetime.timezone.utc))
        self.wait_for_keys(["dated/d", "keep", "off/c"])
        self.advance_to(datetime.datetime(2030, 1, 31, 23, tzinfo=datetime.timezone.utc))
        self.settle()
        self.assertEqual(self.keys(), ["dated/d", "keep", "off/c"])
        self.advance_to(datetime.datetime(2030, 2, 1, 0, 0, 1, tzinfo=datetime.timezone.utc))
        self.wait_for_keys(["keep", "off/c"])
        stats = json.loads(self.serval.raw("GET", "/_serval/stats", sign=False)[2])
        self.assertEqual(stats["s3_objects_expired"], 5)

    def test_stale_uploads_are_aborted(self):
        self.put_rules({"ID": "abort", "Status": "Enabled", "Filter": {"Prefix": "up/"},
                        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1}})
        stale = self.s3.create_multipart_upload(Bucket=self.bucket, Key="up/big")["UploadId"]
        self.s3.upload_part(Bucket=self.bucket, Key="up/big", UploadId=stale, PartNumber=1,
                            Body=b"p" * 1024)
        other = self.s3.create_multipart_upload(Bucket=self.bucket, Key="elsewhere")["UploadId"]

        def uploads():
            listed = self.s3.list_multipart_uploads(Bucket=self.bucket).get("Uploads", [])
            return sorted(u["UploadId"] for u in listed)

        self.advance_to(datetime.datetime(2030, 1, 16, 23, 59, tzinfo=datetime.timezone.utc))
        self.settle()
        self.assertEqual(uploads(), sorted([stale, other]))
        self.advance_to(datetime.datetime(2030, 1, 17, 0, 0, 1, tzinfo=datetime.timezone.utc))
        deadline = time.monotonic() + 10
        while uploads() != [other] and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertEqual(uploads(), [other])
        with self.assertRaises(ClientError) as caught:
            self.s3.list_parts(Bucket=self.bucket, Key="up/big", UploadId=stale)
        self.assertEqual(caught.exception.response["Error"]["Code"], "NoSuchUpload")


if __name__ == "__main__":
    unittest.main()
