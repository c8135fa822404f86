"""Issue 13, part 7: the seed's video metadata blueprint (S3 upload -> the LambdaMediaInfo function
-> MediaInfo over a presigned URL -> PutItem into TechnicalMetadata), deployed with
`serval deploy blueprints/video-metadata` as a user would.

What must hold: deploy creates the bucket, the table, the function and the notification, and a
second deploy changes nothing; every uploaded video gets an item keyed by its (decoded) key whose
technicalMetadata is MediaInfo's XML, a String, agreeing field by field with `mediainfo
--Output=JSON` of the same file run here; and MediaInfo reads only what it needs: for an object
of more than 100 MB Serval hands out a small fraction of its bytes (`s3_object_bytes_served` in
/_serval/stats), through Range requests (`s3_ranged_gets`).

Needs Debian's mediainfo on this machine (scripts/setup.sh installs it): the function runs it from
the /usr its sandbox sees, and the test compares with it. The fixtures are checked in
(blueprints/video-metadata/make_fixtures.sh made them with ffmpeg)."""

import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request
import xml.etree.ElementTree as ET

from serval_harness import FIXTURES_DIR, REGION, REPO_ROOT, SERVAL_BIN, ServalTestCase

BLUEPRINT = os.path.join(REPO_ROOT, "blueprints", "video-metadata")
VIDEOS = os.path.join(FIXTURES_DIR, "video")
BUCKET = "video-metadata"        # the manifest's defaults: deployed as a user would
TABLE = "TechnicalMetadata"
FUNCTION = "LambdaMediaInfo"
# Fixture file -> the key it is uploaded as (one with a space: S3 URL-encodes it in the event).
UPLOADS = {"testsrc-h264-aac.mp4": "testsrc-h264-aac.mp4",
           "testsrc-vp9-opus.mkv": "clips/test pattern.mkv"}
# The large object of the ranged-read proof: the MP4 fixture followed by a top-level ISO BMFF
# `free` box of this many bytes (valid MP4: parsers skip it; its moov is still at the front).
PADDING = 256 << 20
MEDIAINFO_NS = "{https://mediaarea.net/mediainfo}"
# Fields that name the file rather than describe it: a path here, the presigned URL there.
NAME_FIELDS = {"CompleteName", "FolderName", "FileName", "FileExtension", "FileNameExtension",
               "File_Created_Date", "File_Created_Date_Local", "File_Modified_Date",
               "File_Modified_Date_Local"}
ITEM_TIMEOUT = 90


def local_mediainfo(path):
    """`mediainfo --Output=JSON PATH` run here: its tracks, each {field: text} (nested objects
    such as `extra` and the name fields left out)."""
    out = subprocess.run(["mediainfo", "--Output=JSON", path], capture_output=True, check=True,
                         timeout=60).stdout
    return [{k: v for k, v in track.items() if isinstance(v, str) and k not in NAME_FIELDS}
            for track in json.loads(out)["media"]["track"]]


def stored_tracks(xml_text):
    """The tracks of MediaInfo's XML (the 2.0 schema `--output=XML` writes), each {field: text};
    `@type` is the track's type attribute, as in the JSON output."""
    root = ET.fromstring(xml_text)
    assert root.tag == MEDIAINFO_NS + "MediaInfo" and root.get("version") == "2.0", root.tag
    tracks = []
    for track in root.find(MEDIAINFO_NS + "media").findall(MEDIAINFO_NS + "track"):
        fields = {"@type": track.get("type")}
        for child in track:
            fields.setdefault(child.tag[len(MEDIAINFO_NS):], child.text)
        tracks.append(fields)
    return tracks


def padded_copy(source, directory):
    """A copy of the MP4 `source` with a PADDING-byte `free` box appended; its path."""
    path = os.path.join(directory, "padded.mp4")
    with open(source, "rb") as f, open(path, "wb") as out:
        out.write(f.read())
        out.write(struct.pack(">I4s", PADDING, b"free"))
        out.truncate(out.tell() + PADDING - 8)  # zeros, sparse on disk
    return path


class VideoMetadataBlueprintTest(ServalTestCase):
    # Functions run on the tests' interpreter (boto3 with DynamoDB's resource layer).
    SERVAL_ARGS = ("--python", sys.executable)

    @classmethod
    def setUpClass(cls):
        if shutil.which("mediainfo") is None:
            raise AssertionError("mediainfo is not installed (scripts/setup.sh installs it)")
        super().setUpClass()
        cls.first_deploy = cls.deploy()
        assert cls.first_deploy.returncode == 0, cls.first_deploy.stderr
        cls.s3 = cls.serval.client("s3")
        cls.ddb = cls.serval.client("dynamodb")
        cls.work = tempfile.mkdtemp(prefix="video-metadata-")
        cls.addClassCleanup(shutil.rmtree, cls.work, True)

    @classmethod
    def deploy(cls, blueprint=BLUEPRINT, *args):
        return subprocess.run([SERVAL_BIN, "deploy", blueprint, "--endpoint-url",
                               cls.serval.endpoint, *args],
                              capture_output=True, text=True, timeout=180,
                              env=cls.serval.cli_env())

    def stats(self):
        with urllib.request.urlopen(self.serval.endpoint + "/_serval/stats", timeout=10) as r:
            return json.loads(r.read())

    def wait_item(self, key):
        """The table's item for `key` (low-level form, consistent read) once the function has
        put it."""
        deadline = time.monotonic() + ITEM_TIMEOUT
        while True:
            item = self.ddb.get_item(TableName=TABLE, Key={"keyName": {"S": key}},
                                     ConsistentRead=True).get("Item")
            if item is not None:
                return item
            if time.monotonic() > deadline:
                self.fail(f"no item for {key!r} after {ITEM_TIMEOUT}s; function log:\n"
                          + self.function_log()[-3000:])
            time.sleep(0.3)

    def function_log(self):
        return subprocess.run([SERVAL_BIN, "logs", FUNCTION, "--data-dir", self.serval.data_dir],
                              capture_output=True, text=True, timeout=30).stdout

    def assert_same_metadata(self, item, path):
        """The item's technicalMetadata is a String of MediaInfo's XML whose every field that
        `mediainfo --Output=JSON PATH` reports here has the same value."""
        self.assertEqual(set(item), {"keyName", "technicalMetadata"})
        self.assertIn("S", item["technicalMetadata"])  # not B: the output is decoded
        stored = stored_tracks(item["technicalMetadata"]["S"])
        expected = local_mediainfo(path)
        self.assertEqual([t["@type"] for t in stored], [t["@type"] for t in expected])
        for have, want in zip(stored, expected):
            self.assertEqual({k: have.get(k) for k in want}, want, want["@type"])
        return stored

    # -- the deployment ------------------------------------------------------------------------

    def test_deploy_creates_bucket_table_function_and_notification(self):
        out = self.first_deploy.stdout
        self.assertIn(f"Bucket {BUCKET}: created", out)
        self.assertIn(f"Table {TABLE}: created (arn:aws:dynamodb:{REGION}:", out)
        self.assertIn(f"Function {FUNCTION}: created", out)
        self.assertIn(f"Permission {FUNCTION} Id-1: created", out)
        self.assertIn(f"BucketNotification {BUCKET}: created", out)
        table = self.ddb.describe_table(TableName=TABLE)["Table"]
        self.assertEqual(table["TableStatus"], "ACTIVE")
        self.assertEqual(table["KeySchema"], [{"AttributeName": "keyName", "KeyType": "HASH"}])
        self.assertEqual(table["AttributeDefinitions"],
                         [{"AttributeName": "keyName", "AttributeType": "S"}])
        self.assertEqual(table["ProvisionedThroughput"]["ReadCapacityUnits"], 1)
        config = self.lam.get_function_configuration(FunctionName=FUNCTION)
        self.assertEqual((config["Handler"], config["Timeout"], config["MemorySize"]),
                         ("lambda_function.lambda_handler", 60, 128))
        self.assertEqual(config["Environment"]["Variables"], {"DYNAMODB_TABLE_NAME": TABLE})
        notification = self.s3.get_bucket_notification_configuration(Bucket=BUCKET)
        [target] = notification["LambdaFunctionConfigurations"]
        self.assertEqual(target["LambdaFunctionArn"], config["FunctionArn"])
        self.assertEqual(target["Events"], ["s3:ObjectCreated:*"])

    def test_redeploy_changes_nothing(self):
        again = self.deploy()
        self.assertEqual(again.returncode, 0, again.stderr)
        self.assertIn("0 created, 0 updated, 7 unchanged", again.stdout)

    def table_only_blueprint(self, billing):
        """A copy of the blueprint whose manifest keeps only its Table, with Properties changed
        by `billing`; its directory. (Deploying the whole blueprint with another TableName would
        point the function at that table.)"""
        copy = tempfile.mkdtemp(dir=self.work)
        shutil.copy(os.path.join(BLUEPRINT, "serval-blueprint.json"), copy)
        manifest_path = os.path.join(copy, "serval-blueprint.json")
        with open(manifest_path) as f:
            manifest = json.load(f)
        manifest["Resources"] = [r for r in manifest["Resources"] if r["Type"] == "Table"]
        billing(manifest["Resources"][0]["Properties"])
        with open(manifest_path, "w") as f:
            json.dump(manifest, f)
        return copy

    def test_a_table_changes_billing_in_place_and_never_its_key(self):
        def on_demand(properties):
            del properties["ProvisionedThroughput"]
            properties["BillingMode"] = "PAY_PER_REQUEST"
        as_posted = self.table_only_blueprint(lambda properties: None)
        changed = self.table_only_blueprint(on_demand)
        name = ("--parameter", "TableName=BillingChanges")
        first = self.deploy(as_posted, *name)
        self.assertIn("Table BillingChanges: created", first.stdout, first.stderr)
        # On-demand billing: UpdateTable, not a new table; then nothing more to do.
        update = self.deploy(changed, *name)
        self.assertEqual(update.returncode, 0, update.stderr)
        self.assertIn("Table BillingChanges: updated", update.stdout)
        described = self.ddb.describe_table(TableName="BillingChanges")["Table"]
        self.assertEqual(described["BillingModeSummary"]["BillingMode"], "PAY_PER_REQUEST")
        self.assertIn("Table BillingChanges: unchanged", self.deploy(changed, *name).stdout)
        # And back to the post's 1/1 provisioned capacity.
        self.assertIn("Table BillingChanges: updated", self.deploy(as_posted, *name).stdout)
        described = self.ddb.describe_table(TableName="BillingChanges")["Table"]
        self.assertEqual(described["ProvisionedThroughput"]["WriteCapacityUnits"], 1)
        # A table of that name with another key: deploy stops and says why; the table stays.
        self.ddb.create_table(TableName="OtherKey", BillingMode="PAY_PER_REQUEST",
                              AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "N"}],
                              KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}])
        refused = self.deploy(as_posted, "--parameter", "TableName=OtherKey")
        self.assertEqual(refused.returncode, 1)
        self.assertIn("exists with the key (id N HASH), not (keyName S HASH)", refused.stderr)
        self.assertEqual(self.ddb.describe_table(TableName="OtherKey")["Table"]["KeySchema"],
                         [{"AttributeName": "id", "KeyType": "HASH"}])

    # -- the function --------------------------------------------------------------------------

    def test_every_upload_gets_its_technical_metadata(self):
        for fixture, key in UPLOADS.items():
            self.s3.upload_file(os.path.join(VIDEOS, fixture), BUCKET, key)
        items = {key: self.wait_item(key) for key in UPLOADS.values()}
        mp4 = self.assert_same_metadata(items["testsrc-h264-aac.mp4"],
                                        os.path.join(VIDEOS, "testsrc-h264-aac.mp4"))
        mkv = self.assert_same_metadata(items["clips/test pattern.mkv"],
                                        os.path.join(VIDEOS, "testsrc-vp9-opus.mkv"))
        # What the fixtures are (make_fixtures.sh), so that agreeing with a broken mediainfo
        # here cannot pass.
        general, video, audio = mp4
        self.assertEqual((general["Format"], general["Duration"], general["FileSize"]),
                         ("MPEG-4", "10.000", str(os.path.getsize(
                             os.path.join(VIDEOS, "testsrc-h264-aac.mp4")))))
        self.assertEqual((video["Format"], video["Width"], video["Height"], video["FrameRate"]),
                         ("AVC", "640", "360", "25.000"))
        self.assertEqual((audio["Format"], audio["Channels"], audio["SamplingRate"]),
                         ("AAC", "2", "48000"))
        general, video, audio = mkv
        self.assertEqual(general["Format"], "Matroska")
        self.assertEqual((video["Format"], video["Width"], video["Height"]), ("VP9", "320", "240"))
        self.assertEqual(audio["Format"], "Opus")
        # MediaInfo read the object through the presigned URL the function made.
        xml_text = items["clips/test pattern.mkv"]["technicalMetadata"]["S"]
        ref = ET.fromstring(xml_text).find(MEDIAINFO_NS + "media").get("ref")
        url = f"{self.serval.endpoint}/{BUCKET}/clips/test%20pattern.mkv?"
        self.assertTrue(ref.startswith(url), ref)
        self.assertIn("Signature=", ref)
        # The post's log lines (its CloudWatch excerpt), for each record.
        log = self.function_log()
        self.assertIn("Working on new s3_record...", log)
        self.assertIn(f"Bucket: {BUCKET} \t Key: clips/test pattern.mkv", log)
        self.assertIn(f"Signed URL: {url}", log)
        self.assertIn('Output: <?xml version="1.0" encoding="UTF-8"?>', log)
        self.assertEqual(log.count("Saved record to DynamoDB"),
                         log.count("Working on new s3_record"))

    def test_mediainfo_reads_only_the_ranges_it_needs(self):
        source = os.path.join(VIDEOS, "testsrc-h264-aac.mp4")
        # The counter counts: a whole GET adds exactly the object's size (in a bucket of its
        # own, which notifies no function that could read meanwhile).
        self.s3.create_bucket(Bucket="calibration")
        self.s3.upload_file(source, "calibration", "whole.mp4")
        before = self.stats()["s3_object_bytes_served"]
        body = self.s3.get_object(Bucket="calibration", Key="whole.mp4")["Body"].read()
        self.assertEqual(self.stats()["s3_object_bytes_served"] - before, len(body))
        # A 256 MB MP4 whose moov is at the front: MediaInfo fetches a small part of it.
        path = padded_copy(source, self.work)
        size = os.path.getsize(path)
        before = self.stats()
        self.s3.upload_file(path, BUCKET, "long/padded.mp4")
        item = self.wait_item("long/padded.mp4")
        after = self.stats()
        fetched = after["s3_object_bytes_served"] - before["s3_object_bytes_served"]
        ranged = after["s3_ranged_gets"] - before["s3_ranged_gets"]
        sys.stderr.write(f"\nMediaInfo fetched {fetched} bytes of a {size}-byte object "
                         f"({ranged} ranged GETs)\n")
        self.assertGreater(fetched, 0)
        self.assertLess(fetched, size // 8)
        self.assertGreaterEqual(ranged, 1)
        general = self.assert_same_metadata(item, path)[0]
        self.assertEqual((general["FileSize"], general["Duration"]), (str(size), "10.000"))

if __name__ == "__main__":
    unittest.main()
