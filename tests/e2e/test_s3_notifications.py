"""S3 event notifications to functions, and functions deployed from S3, with boto3 and the AWS CLI:
the notification configuration (botocore's legacy wire names, the deprecated
PutBucketNotification), destination validation as AWS answers it, the event records a function
receives (written back to S3 by the function itself through AWS_ENDPOINT_URL), key filters, and
that an event acknowledged by a PUT's 200 survives kill -9."""

import json
import os
import re
import shutil
import time


from serval_harness import (ACCOUNT, REGION, ROLE, ServalProcess, ServalTestCase, function_arn,
                            python_zip, unique_name)
from test_s3 import S3TestCase, bucket_name, signed

SEQUENCER_RE = re.compile(r"^[0-9A-F]+$")
EVENT_TIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


class NotificationCase(S3TestCase):
    def recorder(self, record_bucket, allow_bucket=None):
        """A function that writes each event it gets into `record_bucket`; S3 may invoke it for
        `allow_bucket` when given."""
        if not allow_bucket:
            return self.recorder_function(record_bucket)
        return self.recorder_function(record_bucket, Principal="s3.amazonaws.com",
                                      SourceAccount=ACCOUNT,
                                      SourceArn=f"arn:aws:s3:::{allow_bucket}")

    def recorded(self, record_bucket, count, timeout=60):
        """The S3 records the recorder wrote, once there are `count`."""
        return [record for event in self.recorded_events(self.s3, record_bucket, count, timeout)
                for record in event["Records"]]

    def lambda_config(self, function, events, rules=None, config_id="cfg"):
        config = {"Id": config_id, "LambdaFunctionArn": function_arn(function), "Events": events}
        if rules:
            config["Filter"] = {"Key": {"FilterRules": [{"Name": n, "Value": v} for n, v in rules]}}
        return config


class ConfigurationTest(NotificationCase):
    def test_round_trip_in_botocores_legacy_names_with_normalised_filter_rules(self):
        bucket = self.make_bucket()
        function = self.recorder(self.make_bucket(), allow_bucket=bucket)
        empty = self.s3.get_bucket_notification_configuration(Bucket=bucket)
        self.assertNotIn("LambdaFunctionConfigurations", empty)
        self.s3.put_bucket_notification_configuration(
            Bucket=bucket, NotificationConfiguration={"LambdaFunctionConfigurations": [
                self.lambda_config(function, ["s3:ObjectCreated:*", "s3:ObjectRemoved:Delete"],
                                   [("prefix", "in/"), ("SUFFIX", ".txt")])]})
        got = self.s3.get_bucket_notification_configuration(Bucket=bucket)
        self.assertEqual(got["LambdaFunctionConfigurations"], [{
            "Id": "cfg", "LambdaFunctionArn": function_arn(function),
            "Events": ["s3:ObjectCreated:*", "s3:ObjectRemoved:Delete"],
            "Filter": {"Key": {"FilterRules": [{"Name": "Prefix", "Value": "in/"},
                                               {"Name": "Suffix", "Value": ".txt"}]}}}])
        # On the wire: the names botocore reads.
        status, _, body = signed("GET", f"{self.serval.endpoint}/{bucket}?notification")
        self.assertEqual(status, 200)
        self.assertIn(b"<CloudFunctionConfiguration><Id>cfg</Id><CloudFunction>", body)
        # A configuration without an Id gets one.
        config = self.lambda_config(function, ["s3:ObjectCreated:Put"])
        del config["Id"]
        self.s3.put_bucket_notification_configuration(
            Bucket=bucket, NotificationConfiguration={"LambdaFunctionConfigurations": [config]})
        made = self.s3.get_bucket_notification_configuration(Bucket=bucket)
        self.assertTrue(made["LambdaFunctionConfigurations"][0]["Id"])
        # An empty configuration removes it.
        self.s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={})
        got = self.s3.get_bucket_notification_configuration(Bucket=bucket)
        self.assertNotIn("LambdaFunctionConfigurations", got)

    def test_the_api_element_names_are_accepted_too(self):
        bucket = self.make_bucket()
        function = self.recorder(self.make_bucket(), allow_bucket=bucket)
        body = (f'<NotificationConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
                f'<LambdaFunctionConfiguration><Id>api</Id><LambdaFunctionArn>'
                f'{function_arn(function)}</LambdaFunctionArn><Event>s3:ObjectCreated:Put</Event>'
                f'</LambdaFunctionConfiguration><EventBridgeConfiguration/>'
                f'</NotificationConfiguration>').encode()
        status, _, answer = signed("PUT", f"{self.serval.endpoint}/{bucket}?notification", body)
        self.assertEqual(status, 200, answer)
        got = self.s3.get_bucket_notification_configuration(Bucket=bucket)
        self.assertEqual(got["LambdaFunctionConfigurations"][0]["Id"], "api")
        self.assertIn("EventBridgeConfiguration", got)

    def test_destinations_are_validated_as_aws_does(self):
        bucket = self.make_bucket()
        put = self.s3.put_bucket_notification_configuration

        def put_lambda(arn, events=("s3:ObjectCreated:*",), rules=None):
            config = {"LambdaFunctionArn": arn, "Events": list(events)}
            if rules:
                config["Filter"] = {"Key": {"FilterRules": rules}}
            return self.error_of(put, Bucket=bucket, NotificationConfiguration={
                "LambdaFunctionConfigurations": [config]})

        unparsed = put_lambda("not-an-arn")
        self.assertEqual(unparsed["Error"]["Code"], "InvalidArgument")
        self.assertEqual(unparsed["Error"]["Message"], "The ARN could not be parsed")
        self.assertEqual(unparsed["Error"]["ArgumentName"], "CloudFunction")
        self.assertEqual(unparsed["ResponseMetadata"]["HTTPStatusCode"], 400)

        missing = function_arn(unique_name("missing"))
        refused = put_lambda(missing)
        self.assertEqual(refused["Error"]["Code"], "InvalidArgument")
        self.assertEqual(refused["Error"]["Message"],
                         "Unable to validate the following destination configurations")
        self.assertEqual(refused["Error"]["ArgumentName1"], f"{missing}, null")
        self.assertEqual(refused["Error"]["ArgumentValue1"],
                         f"Not authorized to invoke function [{missing}]")

        no_permission = self.recorder(self.make_bucket())
        refused = put_lambda(function_arn(no_permission))
        self.assertEqual(refused["Error"]["ArgumentValue1"],
                         f"Not authorized to invoke function [{function_arn(no_permission)}]")
        other_bucket = self.recorder(self.make_bucket(), allow_bucket="some-other-bucket")
        refused = put_lambda(function_arn(other_bucket))
        self.assertEqual(refused["Error"]["Message"],
                         "Unable to validate the following destination configurations")

        allowed = self.recorder(self.make_bucket(), allow_bucket=bucket)
        bad_event = put_lambda(function_arn(allowed), events=["s3:ObjectCreated:Nope"])
        self.assertEqual(bad_event["Error"]["Message"],
                         "The event is not supported for notifications")
        bad_rule = put_lambda(function_arn(allowed), rules=[{"Name": "middle", "Value": "x"}])
        self.assertEqual(bad_rule["Error"]["Code"], "InvalidArgument")
        self.assertIn("prefix or suffix", bad_rule["Error"]["Message"])

        topic = f"arn:aws:sns:{REGION}:{ACCOUNT}:t"
        refused = self.error_of(put, Bucket=bucket, NotificationConfiguration={
            "TopicConfigurations": [{"TopicArn": topic, "Events": ["s3:ObjectCreated:*"]}]})
        self.assertEqual(refused["Error"]["Message"],
                         "Unable to validate the following destination configurations")
        self.assertEqual(refused["Error"]["ArgumentName1"], topic)
        queue = f"arn:aws:sqs:{REGION}:{ACCOUNT}:q"
        refused = self.error_of(put, Bucket=bucket, NotificationConfiguration={
            "QueueConfigurations": [{"QueueArn": queue, "Events": ["s3:ObjectCreated:*"]}]})
        self.assertIn("SQS", refused["Error"]["ArgumentValue1"])
        unparsed = self.error_of(put, Bucket=bucket, NotificationConfiguration={
            "TopicConfigurations": [{"TopicArn": "arn:aws:lambda:x", "Events": ["s3:ObjectCreated:*"]}]})
        self.assertEqual(unparsed["Error"]["ArgumentName"], "Topic")
        # Nothing was stored by any of these.
        got = self.s3.get_bucket_notification_configuration(Bucket=bucket)
        self.assertNotIn("LambdaFunctionConfigurations", got)
        self.assertNotIn("TopicConfigurations", got)
        # A missing bucket is S3's NoSuchBucket.
        self.assertEqual(self.error_of(self.s3.get_bucket_notification_configuration,
                                       Bucket=bucket_name())["Error"]["Code"], "NoSuchBucket")


class DeliveryTest(NotificationCase):
    def test_object_events_reach_the_function_exactly_as_s3_sends_them(self):
        bucket = self.make_bucket()
        records = self.make_bucket()
        function = self.recorder(records, allow_bucket=bucket)
        self.s3.put_bucket_notification_configuration(
            Bucket=bucket, NotificationConfiguration={"LambdaFunctionConfigurations": [
                self.lambda_config(function, ["s3:ObjectCreated:*"],
                                   [("prefix", "in/"), ("suffix", ".txt")], "created"),
                self.lambda_config(function, ["s3:ObjectRemoved:*"], [("Prefix", "in/")],
                                   "removed")]})
        key = "in/a b+c@d.txt"
        put = self.s3.put_object(Bucket=bucket, Key=key, Body=b"hello")
        self.s3.put_object(Bucket=bucket, Key="out/skip.txt", Body=b"x")  # prefix differs
        self.s3.put_object(Bucket=bucket, Key="in/skip.jpg", Body=b"x")  # suffix differs
        self.s3.copy_object(Bucket=bucket, Key="in/copy.txt",
                            CopySource={"Bucket": bucket, "Key": key})
        upload = self.s3.create_multipart_upload(Bucket=bucket, Key="in/multi.txt")
        part = self.s3.upload_part(Bucket=bucket, Key="in/multi.txt", PartNumber=1,
                                   UploadId=upload["UploadId"], Body=b"m" * 1024)
        done = self.s3.complete_multipart_upload(
            Bucket=bucket, Key="in/multi.txt", UploadId=upload["UploadId"],
            MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})
        deleted = self.s3.delete_object(Bucket=bucket, Key=key)
        self.s3.delete_object(Bucket=bucket, Key="in/never-existed.txt")  # no event
        self.s3.delete_objects(Bucket=bucket, Delete={"Objects": [
            {"Key": "in/copy.txt"}, {"Key": "in/not-there.txt"}]})
        got = self.recorded(records, 5)
        by_name = {}
        for record in got:
            by_name.setdefault(record["eventName"], []).append(record)
        self.assertEqual(sorted(by_name), ["ObjectCreated:CompleteMultipartUpload",
                                           "ObjectCreated:Copy", "ObjectCreated:Put",
                                           "ObjectRemoved:Delete"], got)
        self.assertEqual(len(by_name["ObjectRemoved:Delete"]), 2)

        created = by_name["ObjectCreated:Put"][0]
        self.assertEqual(sorted(created), ["awsRegion", "eventName", "eventSource", "eventTime",
                                           "eventVersion", "requestParameters",
                                           "responseElements", "s3", "userIdentity"])
        self.assertEqual(created["eventVersion"], "2.1")
        self.assertEqual(created["eventSource"], "aws:s3")
        self.assertEqual(created["awsRegion"], REGION)
        self.assertRegex(created["eventTime"], EVENT_TIME_RE)
        self.assertTrue(created["userIdentity"]["principalId"].startswith("AWS:"))
        self.assertEqual(created["requestParameters"], {"sourceIPAddress": "127.0.0.1"})
        self.assertEqual(created["responseElements"]["x-amz-request-id"],
                         put["ResponseMetadata"]["RequestId"])
        self.assertIn("x-amz-id-2", created["responseElements"])
        s3 = created["s3"]
        self.assertEqual(s3["s3SchemaVersion"], "1.0")
        self.assertEqual(s3["configurationId"], "created")
        self.assertEqual(s3["bucket"]["name"], bucket)
        self.assertEqual(s3["bucket"]["arn"], f"arn:aws:s3:::{bucket}")
        self.assertTrue(s3["bucket"]["ownerIdentity"]["principalId"])
        self.assertEqual(s3["object"]["key"], "in/a+b%2Bc%40d.txt")
        self.assertEqual(s3["object"]["size"], 5)
        self.assertEqual(s3["object"]["eTag"], put["ETag"].strip('"'))
        self.assertRegex(s3["object"]["sequencer"], SEQUENCER_RE)

        multipart = by_name["ObjectCreated:CompleteMultipartUpload"][0]["s3"]["object"]
        self.assertEqual(multipart["eTag"], done["ETag"].strip('"'))
        self.assertEqual(multipart["size"], 1024)
        self.assertEqual(by_name["ObjectCreated:Copy"][0]["s3"]["object"]["key"], "in/copy.txt")

        removed = [r for r in by_name["ObjectRemoved:Delete"]
                   if r["s3"]["object"]["key"] == "in/a+b%2Bc%40d.txt"]
        self.assertEqual(len(removed), 1, by_name["ObjectRemoved:Delete"])
        removed = removed[0]
        self.assertEqual(removed["s3"]["configurationId"], "removed")
        self.assertEqual(sorted(removed["s3"]["object"]), ["key", "sequencer"])
        self.assertEqual(removed["responseElements"]["x-amz-request-id"],
                         deleted["ResponseMetadata"]["RequestId"])
        # The key's sequencer grows with each change (compared left-padded, as S3 says).
        width = max(len(created["s3"]["object"]["sequencer"]),
                    len(removed["s3"]["object"]["sequencer"]))
        self.assertGreater(removed["s3"]["object"]["sequencer"].rjust(width, "0"),
                           created["s3"]["object"]["sequencer"].rjust(width, "0"))

    def test_the_deprecated_put_bucket_notification_call_works(self):
        bucket = self.make_bucket()
        records = self.make_bucket()
        function = self.recorder(records, allow_bucket=bucket)
        self.s3.put_bucket_notification(Bucket=bucket, NotificationConfiguration={
            "CloudFunctionConfiguration": {"Id": "old", "Event": "s3:ObjectCreated:*",
                                           "CloudFunction": function_arn(function),
                                           "InvocationRole": ROLE}})
        legacy = self.s3.get_bucket_notification(Bucket=bucket)
        self.assertEqual(legacy["CloudFunctionConfiguration"]["CloudFunction"],
                         function_arn(function))
        self.s3.put_object(Bucket=bucket, Key="video.mp4", Body=b"v")
        got = self.recorded(records, 1)
        self.assertEqual(len(got), 1)
        self.assertEqual(got[0]["s3"]["configurationId"], "old")
        self.assertEqual(got[0]["s3"]["object"]["key"], "video.mp4")


class CodeFromS3Test(NotificationCase):
    def test_create_and_update_function_code_from_an_s3_object(self):
        bucket = self.make_bucket()
        self.s3.put_object(Bucket=bucket, Key="code/echo.zip", Body=python_zip("echo"))
        name = unique_name("s3code")
        created = self.lam.create_function(
            FunctionName=name, Runtime="python3.12", Role=ROLE, Handler="echo.lambda_handler",
            Code={"S3Bucket": bucket, "S3Key": "code/echo.zip"})
        self.addCleanup(self._delete_quietly, name)
        self.assertEqual(created["ResponseMetadata"]["HTTPStatusCode"], 201)
        self.wait_active(name)
        _, body = self.invoke(name, {"from": "s3"})
        self.assertEqual(json.loads(body), {"from": "s3"})
        # UpdateFunctionCode from another object.
        self.s3.put_object(Bucket=bucket, Key="code/v2.zip", Body=python_zip("echo_v2"))
        updated = self.lam.update_function_code(FunctionName=name, S3Bucket=bucket,
                                                S3Key="code/v2.zip")
        self.assertNotEqual(updated["CodeSha256"], created["CodeSha256"])
        # The AWS CLI, as the seed's posts deploy.
        cli_name = unique_name("s3cli")
        out = self.serval.cli_json("lambda", "create-function", "--function-name", cli_name,
                                   "--runtime", "python3.12", "--role", ROLE, "--handler",
                                   "echo.lambda_handler", "--code",
                                   f"S3Bucket={bucket},S3Key=code/echo.zip")
        self.addCleanup(self._delete_quietly, cli_name)
        self.assertEqual(out["CodeSha256"], created["CodeSha256"])

    def test_a_package_from_s3_may_be_larger_than_a_zip_sent_in_the_request(self):
        # 55 MB of incompressible bytes: over the 50 MB a ZipFile may have, under 250 MB unzipped.
        bucket = self.make_bucket()
        package = python_zip("echo", {"blob.bin": os.urandom(55 * 1024 * 1024)})
        self.assertGreater(len(package), 52428800)
        self.s3.put_object(Bucket=bucket, Key="big.zip", Body=package)
        name = unique_name("s3big")
        created = self.lam.create_function(
            FunctionName=name, Runtime="python3.12", Role=ROLE, Handler="echo.lambda_handler",
            Code={"S3Bucket": bucket, "S3Key": "big.zip"})
        self.addCleanup(self._delete_quietly, name)
        self.assertEqual(created["CodeSize"], len(package))
        self.wait_active(name)
        self.assertEqual(json.loads(self.invoke(name, {"big": True})[1]), {"big": True})

    def test_a_missing_object_or_bucket_is_lambdas_getobject_error(self):
        bucket = self.make_bucket()
        error = self.error_of(self.lam.create_function, FunctionName=unique_name("s3code"),
                              Runtime="python3.12", Role=ROLE, Handler="echo.lambda_handler",
                              Code={"S3Bucket": bucket, "S3Key": "nope.zip"})
        self.assertEqual(error["Error"]["Code"], "InvalidParameterValueException")
        self.assertEqual(error["Error"]["Message"],
                         "Error occurred while GetObject. S3 Error Code: NoSuchKey. S3 Error "
                         "Message: The specified key does not exist.")
        error = self.error_of(self.lam.create_function, FunctionName=unique_name("s3code"),
                              Runtime="python3.12", Role=ROLE, Handler="echo.lambda_handler",
                              Code={"S3Bucket": bucket_name(), "S3Key": "nope.zip"})
        self.assertEqual(error["Error"]["Code"], "InvalidParameterValueException")
        self.assertIn("S3 Error Code: NoSuchBucket", error["Error"]["Message"])
        self.s3.put_object(Bucket=bucket, Key="bad.zip", Body=b"not a zip")
        error = self.error_of(self.lam.create_function, FunctionName=unique_name("s3code"),
                              Runtime="python3.12", Role=ROLE, Handler="echo.lambda_handler",
                              Code={"S3Bucket": bucket, "S3Key": "bad.zip"})
        self.assertEqual(error["Error"]["Code"], "InvalidParameterValueException")


class KillNineTest(NotificationCase):
    def test_an_event_acknowledged_by_a_200_is_delivered_after_kill_9(self):
        bucket = self.make_bucket()
        records = self.make_bucket()
        function = self.recorder(records, allow_bucket=bucket)
        self.s3.put_bucket_notification_configuration(
            Bucket=bucket, NotificationConfiguration={"LambdaFunctionConfigurations": [
                self.lambda_config(function, ["s3:ObjectCreated:*"])]})
        # The function may not run (reserved concurrency 0), so the events can only wait in the
        # queue; serval dies right after the last 200.
        self.lam.put_function_concurrency(FunctionName=function, ReservedConcurrentExecutions=0)
        keys = [f"k{i}" for i in range(5)]
        for key in keys:
            self.s3.put_object(Bucket=bucket, Key=key, Body=key.encode())
        killed = self.serval
        killed.kill()  # SIGKILL
        self.addCleanup(shutil.rmtree, killed.tmp_root, True)
        type(self).serval = ServalProcess(data_dir=killed.data_dir)
        self.serval.start()
        type(self).s3 = self.serval.client("s3")
        type(self).lam = self.serval.client()
        self.assertEqual(self.s3.list_objects_v2(Bucket=records).get("KeyCount"), 0)
        self.lam.delete_function_concurrency(FunctionName=function)
        deadline = time.monotonic() + 60
        while True:
            got = self.recorded(records, 1)
            seen = {r["s3"]["object"]["key"] for r in got}
            if seen >= set(keys) or time.monotonic() > deadline:
                break
        self.assertEqual(seen, set(keys))
