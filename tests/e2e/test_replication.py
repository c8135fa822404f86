"""Issue 11, part 4: the seed's content replication blueprint (S3 -> SNS -> one function per
destination bucket -> CopyObject), deployed with `serval deploy blueprints/replication` as a user
would, then 1,000 uploads to the source that must arrive in every destination identical (bytes,
Content-Type, user metadata), also across a kill -9 of Serval in the middle of the uploads;
redeploying is idempotent and bad parameters or manifests fail clearly.

The functions run under the interpreter running these tests (`--python`), so under Debian's
/usr/bin/python3 they use Debian's boto3 1.26 too, which reaches Serval only through the
runtime's endpoint shim."""

import concurrent.futures
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.request

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from serval_harness import (ACCESS_KEY, REGION, REPO_ROOT, SECRET_KEY, SERVAL_BIN,
                            ServalTestCase, unique_name)

BLUEPRINT = os.path.join(REPO_ROOT, "blueprints", "replication")
UPLOADS = 1000
UPLOAD_THREADS = 8
CONTENT_TYPES = ["text/plain", "image/jpeg", "application/json", "application/octet-stream",
                 "text/csv; charset=utf-8"]
# Keys S3 URL-encodes in the event (space as '+', '+' as %2B, UTF-8 bytes), which the function
# must decode exactly as the post does (unquote_plus).
ODD_KEYS = ["with space/and+plus.txt", "unicode/caf\u00e9 \u65e5\u672c.txt",
            "percent%20not-escaped", "a=b&c=d?.txt", "deep/ly/nested/pre/fix/object",
            "~tilde's (1).bin"]


def object_spec(i):
    """Key, body, content type and metadata of upload i (deterministic, varied)."""
    key = ODD_KEYS[i] if i < len(ODD_KEYS) else f"uploads/{i // 100:02d}/object-{i:04d}.dat"
    size = 70_000 + i if i % 97 == 0 else 1 + (i * 37) % 3000
    body = hashlib.sha256(str(i).encode()).digest() * (size // 32 + 1)
    return key, body[:size], CONTENT_TYPES[i % len(CONTENT_TYPES)], {
        "index": str(i), "origin": "replication-test", "note": f"object {i} of {UPLOADS}"}


def client(endpoint, service="s3"):
    return boto3.session.Session().client(
        service, endpoint_url=endpoint, region_name=REGION, aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        config=Config(retries={"total_max_attempts": 1}, connect_timeout=5, read_timeout=60,
                      max_pool_connections=UPLOAD_THREADS * 2))


class ReplicationCase(ServalTestCase):
    # Functions run on the tests' interpreter. Each destination's function is held to
    # CONCURRENCY environments (reserved concurrency, set after the deploy as an operator would;
    # the blueprint itself reserves nothing, like the post): a burst of 1,000 events otherwise
    # makes Serval start a score of Python environments per function, each cold start costing
    # ~0.3 s of CPU, which on a 2-core machine takes longer than the copies themselves. The
    # account limit leaves AWS's minimum of 100 unreserved.
    SERVAL_ARGS = ("--python", sys.executable, "--concurrency-limit", "140")
    DESTINATIONS = 3
    CONCURRENCY = 3

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.source = unique_name("src").lower()
        cls.destinations = [unique_name(f"dst{n}").lower() for n in range(cls.DESTINATIONS)]
        cls.first_deploy = cls.deploy_blueprint(cls.source, cls.destinations)
        assert cls.first_deploy.returncode == 0, cls.first_deploy.stderr
        for bucket in cls.destinations:
            cls.lam.put_function_concurrency(FunctionName=bucket,
                                             ReservedConcurrentExecutions=cls.CONCURRENCY)
        cls.s3 = cls.serval.client("s3")
        cls.sns = cls.serval.client("sns")

    @classmethod
    def deploy_blueprint(cls, source, destinations, blueprint=BLUEPRINT, extra=()):
        args = [SERVAL_BIN, "deploy", blueprint, "--endpoint-url", cls.serval.endpoint]
        if source:
            args += ["--parameter", f"SourceBucket={source}"]
        if destinations:
            args += ["--parameter", "DestinationBuckets=" + ",".join(destinations)]
        return subprocess.run(args + list(extra), capture_output=True, text=True, timeout=120,
                              env=cls.serval.cli_env())

    # -- uploads and checks ------------------------------------------------------------------

    def upload(self, indices, endpoint=None, stop=None):
        """PutObject of every upload in `indices` from a pool of threads, one boto3 client each.
        Returns (acknowledged indices, failed indices); stops early once `stop` is set."""
        local = threading.local()
        endpoint = endpoint or self.serval.endpoint

        def put(i):
            if stop is not None and stop.is_set():
                return i, False
            if not hasattr(local, "s3"):
                local.s3 = client(endpoint)
            key, body, content_type, metadata = object_spec(i)
            try:
                local.s3.put_object(Bucket=self.source, Key=key, Body=body,
                                    ContentType=content_type, Metadata=metadata)
                return i, True
            except (ClientError, BotoCoreError):
                return i, False

        acked, failed = [], []
        with concurrent.futures.ThreadPoolExecutor(UPLOAD_THREADS) as pool:
            for i, ok in pool.map(put, indices):
                (acked if ok else failed).append(i)
        return acked, failed

    def listing(self, bucket):
        """{key: ETag} of every object in `bucket`."""
        out = {}
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            out.update({item["Key"]: item["ETag"] for item in page.get("Contents", [])})
        return out

    def wait_replicated(self, indices, timeout=150):
        """Waits until every upload in `indices` is in every destination; returns the listings."""
        wanted = {object_spec(i)[0] for i in indices}
        deadline = time.monotonic() + timeout
        while True:
            listings = {bucket: self.listing(bucket) for bucket in self.destinations}
            missing = {bucket: len(wanted - set(listing)) for bucket, listing in listings.items()}
            if not any(missing.values()):
                return listings
            if time.monotonic() > deadline:
                self.fail(f"copies missing after {timeout}s: {missing}; stats: {self.stats()}\n"
                          + self.serval.log_tail(3000))
            time.sleep(0.5)

    def stats(self):
        url = self.serval.endpoint + "/_serval/stats"
        with urllib.request.urlopen(url, timeout=10) as response:
            return json.loads(response.read())

    def assert_identical(self, indices, listings, full_heads=True):
        """Every copy has the source's ETag; HeadObject agrees on length, type and metadata (for
        every copy, or for a sample when not full_heads); a sample's bytes are equal."""
        source = self.listing(self.source)
        for bucket, listing in listings.items():
            for i in indices:
                key = object_spec(i)[0]
                self.assertEqual(listing[key], source[key], f"{bucket}/{key}")
        heads = [(b, i) for b in self.destinations
                 for i in (indices if full_heads else indices[:: max(1, len(indices) // 60)])]
        local = threading.local()

        def head(item):
            bucket, i = item
            if not hasattr(local, "s3"):
                local.s3 = client(self.serval.endpoint)
            key, body, content_type, metadata = object_spec(i)
            got = local.s3.head_object(Bucket=bucket, Key=key)
            return (bucket, key, got["ContentLength"], got["ContentType"], got["Metadata"],
                    got["ETag"]), (bucket, key, len(body), content_type, metadata, source[key])

        with concurrent.futures.ThreadPoolExecutor(UPLOAD_THREADS) as pool:
            for got, expected in pool.map(head, heads):
                self.assertEqual(got, expected)
        for i in sorted(set(range(len(ODD_KEYS))) | {0, 97, 194, 500}):
            if i not in indices:
                continue
            key, body, _, _ = object_spec(i)
            for bucket in self.destinations:
                copy = self.s3.get_object(Bucket=bucket, Key=key)
                self.assertEqual(copy["Body"].read(), body, f"{bucket}/{key}")

    def blueprint_copy(self):
        """A copy of the blueprint to edit: (its directory, write(manifest object or text), the
        manifest as an object)."""
        work = tempfile.mkdtemp(prefix="blueprint-")
        self.addCleanup(shutil.rmtree, work, True)
        blueprint = os.path.join(work, "replication")
        shutil.copytree(BLUEPRINT, blueprint)
        manifest_path = os.path.join(blueprint, "serval-blueprint.json")
        with open(manifest_path) as f:
            manifest = json.load(f)

        def write(document):
            with open(manifest_path, "w") as f:
                f.write(document if isinstance(document, str) else json.dumps(document))
        return blueprint, write, manifest

    def assert_delivered_everything(self):
        stats = self.stats()
        self.assertEqual(stats.get("events_undeliverable", 0), 0, stats)


class ReplicationToThreeBucketsTest(ReplicationCase):
    DESTINATIONS = 3

    def test_deploy_output_names_every_resource(self):
        out = self.first_deploy.stdout
        self.assertIn(f"Bucket {self.source}: created", out)
        self.assertIn(f"Topic {self.source}-fanout: created (arn:aws:sns:{REGION}:", out)
        for bucket in self.destinations:
            self.assertIn(f"Bucket {bucket}: created", out)
            self.assertIn(f"Function {bucket}: created (arn:aws:lambda:{REGION}:", out)
            self.assertIn(f"Permission {bucket} sns-{self.source}-fanout: created", out)
        self.assertIn(f"BucketNotification {self.source}: created", out)
        self.assertIn("Deployed 18 resources", out)
        for bucket in self.destinations:
            config = self.lam.get_function_configuration(FunctionName=bucket)
            self.assertEqual((config["Runtime"], config["Handler"], config["Timeout"]),
                             ("python3.12", "lambda_function.lambda_handler", 300))
            self.assertIn(self.source, config["Description"])

    def test_a_thousand_uploads_are_replicated_identically(self):
        acked, failed = self.upload(range(UPLOADS))
        self.assertEqual(failed, [])
        listings = self.wait_replicated(acked)
        self.assert_identical(acked, listings, full_heads=True)
        for listing in listings.values():
            self.assertEqual(len(listing), UPLOADS)  # nothing else, no test-event object
        self.assert_delivered_everything()
        # The functions' roles (the post's policy) allowed every call they made: in the default
        # --iam warn mode nothing was let through that enforce would refuse.
        self.assertEqual(self.stats()["iam"], {"mode": "warn", "denied": [],
                                               "unlisted_denials": 0})
        # The s3:TestEvent S3 published when the notification was configured reached every
        # function, which ignored it (the post's code would have raised KeyError).
        for bucket in self.destinations:
            logs = subprocess.run([SERVAL_BIN, "logs", bucket, "--data-dir",
                                   self.serval.data_dir], capture_output=True, text=True,
                                  timeout=60).stdout
            self.assertIn(f"Ignoring s3:TestEvent for bucket {self.source}", logs)
            self.assertIn(f"Copying {ODD_KEYS[0]} from bucket {self.source} to bucket {bucket}",
                          logs)
            self.assertNotIn("Traceback", logs)

    def test_redeploy_is_idempotent(self):
        topic = f"arn:aws:sns:{REGION}:000000000000:{self.source}-fanout"
        before = {b: self.lam.get_function(FunctionName=b)["Configuration"]
                  for b in self.destinations}
        again = self.deploy_blueprint(self.source, self.destinations)
        self.assertEqual(again.returncode, 0, again.stderr)
        self.assertIn("0 created, 0 updated, 18 unchanged", again.stdout)
        subscriptions = self.sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
        self.assertEqual(sorted(s["Endpoint"].rsplit(":", 1)[1] for s in subscriptions),
                         sorted(self.destinations))
        for bucket in self.destinations:
            after = self.lam.get_function(FunctionName=bucket)["Configuration"]
            self.assertEqual(after["CodeSha256"], before[bucket]["CodeSha256"])
            self.assertEqual(after["RevisionId"], before[bucket]["RevisionId"])
            self.assertEqual(self.lam.get_function_concurrency(FunctionName=bucket).get(
                "ReservedConcurrentExecutions"), self.CONCURRENCY)  # not deploy's business
            policy = json.loads(self.lam.get_policy(FunctionName=bucket)["Policy"])
            self.assertEqual(len(policy["Statement"]), 1, policy)
        notification = self.s3.get_bucket_notification_configuration(Bucket=self.source)
        self.assertEqual(len(notification["TopicConfigurations"]), 1)
        # Fewer destinations: what the manifest still names is unchanged, the rest is left alone
        # (deploy never deletes).
        fewer = self.deploy_blueprint(self.source, self.destinations[:1])
        self.assertEqual(fewer.returncode, 0, fewer.stderr)
        self.assertIn("Deployed 8 resources", fewer.stdout)
        self.assertIn("0 created, 0 updated, 8 unchanged", fewer.stdout)
        self.assertEqual(len(self.sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]),
                         len(self.destinations))
        # A changed manifest is applied in place: a new timeout updates each function's
        # configuration and nothing else.
        changed_blueprint, write, manifest = self.blueprint_copy()
        manifest["Resources"][2]["Resources"][2]["Properties"]["Timeout"] = 120
        write(manifest)
        changed = self.deploy_blueprint(self.source, self.destinations, blueprint=changed_blueprint)
        self.assertEqual(changed.returncode, 0, changed.stderr)
        self.assertIn(f"0 created, {len(self.destinations)} updated", changed.stdout)
        for bucket in self.destinations:
            self.assertIn(f"Function {bucket}: updated", changed.stdout)
            after = self.lam.get_function_configuration(FunctionName=bucket)
            self.assertEqual(after["Timeout"], 120)
            self.assertEqual(after["CodeSha256"], before[bucket]["CodeSha256"])
        restored = self.deploy_blueprint(self.source, self.destinations)
        self.assertEqual(restored.returncode, 0, restored.stderr)
        self.assertEqual(self.lam.get_function_configuration(
            FunctionName=self.destinations[0])["Timeout"], 300)

    def test_bad_parameters_fail_before_anything_is_created(self):
        cases = [
            (["--parameter", "Nope=1"], "unknown parameter Nope (this blueprint has: "
                                        "SourceBucket, DestinationBuckets)"),
            (["--parameter", "DestinationBuckets=ok-bucket,Not_A_Bucket"],
             'parameter DestinationBuckets: "Not_A_Bucket" must be bucket names'),
            (["--parameter", "DestinationBuckets=a-b,,c-d"], "has an empty item"),
            (["--parameter", "SourceBucket"], "is not NAME=VALUE"),
        ]
        buckets_before = self.s3.list_buckets()["Buckets"]
        for extra, message in cases:
            with self.subTest(extra=extra):
                result = self.deploy_blueprint(None, None, extra=extra)
                self.assertEqual(result.returncode, 1, result.stdout)
                self.assertIn(message, result.stderr)
                self.assertTrue(result.stderr.startswith("serval deploy: "), result.stderr)
                self.assertEqual(result.stdout, "")
        self.assertEqual(self.s3.list_buckets()["Buckets"], buckets_before)

    def test_bad_manifests_and_refused_calls_fail_clearly(self):
        blueprint, write, manifest = self.blueprint_copy()

        def deploy_fails(message):
            result = self.deploy_blueprint(unique_name("s").lower(), ["bad-dst-x"],
                                           blueprint=blueprint)
            self.assertEqual(result.returncode, 1, result.stdout)
            self.assertIn(message, result.stderr)
            return result

        write("{not json")
        deploy_fails("serval-blueprint.json: not JSON")
        broken = json.loads(json.dumps(manifest))
        broken["Resources"][2]["Resources"][4]["Properties"]["Endpoint"] = "${Nobody.Arn}"
        write(broken)
        deploy_fails("Resources[2].Resources[4] (Destination=bad-dst-x): '${Nobody.Arn}' names no "
                     "resource before it (Ids: Fanout, Replicator, ReplicatorRole)")
        broken = json.loads(json.dumps(manifest))
        broken["Resources"][2]["Resources"][2]["Properties"]["Code"]["Files"] = ["missing.py"]
        write(broken)
        deploy_fails("Code: cannot read")
        # A call Serval refuses: the post's own runtime, Python 2.7, which Lambda no longer takes.
        broken = json.loads(json.dumps(manifest))
        broken["Resources"][2]["Resources"][2]["Properties"]["Runtime"] = "python2.7"
        write(broken)
        result = deploy_fails("(Function): CreateFunction bad-dst-x: "
                              "InvalidParameterValueException: ")
        self.assertIn("(HTTP 400)", result.stderr)
        self.assertIn("Bucket bad-dst-x: created", result.stdout)  # what came before it stays


class ReplicationToTenBucketsTest(ReplicationCase):
    DESTINATIONS = 10

    def test_a_thousand_uploads_reach_ten_buckets(self):
        self.assertIn("Deployed 53 resources", self.first_deploy.stdout)
        acked, failed = self.upload(range(UPLOADS))
        self.assertEqual(failed, [])
        listings = self.wait_replicated(acked, timeout=170)
        self.assert_identical(acked, listings, full_heads=False)
        self.assert_delivered_everything()


class ReplicationAcrossKillTest(ReplicationCase):
    DESTINATIONS = 3

    def test_acknowledged_uploads_are_replicated_after_kill_9(self):
        stop = threading.Event()
        result = {}

        def uploads():
            result["acked"], result["failed"] = self.upload(range(UPLOADS), stop=stop)

        uploader = threading.Thread(target=uploads)
        uploader.start()
        # Kill Serval once a good part of the uploads went through.
        deadline = time.monotonic() + 60
        while len(self.listing(self.source)) < UPLOADS // 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        self.serval.proc.kill()  # SIGKILL, in the middle of uploads and copies
        self.serval.proc.wait()
        stop.set()
        uploader.join()
        self.serval.kill()  # environments the dead Serval left behind
        acked, failed = result["acked"], result["failed"]
        self.assertGreater(len(acked), UPLOADS // 4)
        self.assertLess(len(acked), UPLOADS)  # the kill came in the middle of the uploads
        self.serval.start()
        type(self).s3 = self.serval.client("s3")
        # Uploads that got no answer are retried, as a client would.
        retried, still_failed = self.upload(sorted(failed))
        self.assertEqual(still_failed, [])
        everything = sorted(acked + retried)
        self.assertEqual(len(everything), UPLOADS)
        listings = self.wait_replicated(everything)
        self.assert_identical(everything, listings, full_heads=False)


if __name__ == "__main__":
    unittest.main()
