"""Lambda event source mappings for DynamoDB streams, with boto3: the control plane
(Create/Get/List/Update/DeleteEventSourceMapping with Lambda's validation and error shapes), and
stream records delivered to a function that writes each event it gets into S3
(fixtures/python/stream_recorder.py): in order, with AWS's record shape, from TRIM_HORIZON or
LATEST, retried and then sent to an SNS on-failure destination, stopped when disabled or deleted.
The delivery tests need the DynamoDB front end and skip without it."""

import json
import time
import unittest

from botocore.exceptions import ClientError

from serval_harness import (ACCOUNT, REGION, ServalTestCase, function_arn, python_zip,
                            unique_name)

MISSING_STREAM = (f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/no-such-table/stream/"
                  "2024-01-01T00:00:00.000")


class MappingCase(ServalTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.s3 = cls.serval.client("s3")
        cls.sns = cls.serval.client("sns")
        cls.ddb = cls.serval.client("dynamodb")

    def recorder(self, allow_topic=None):
        """A stream_recorder function writing into a fresh bucket: (function name, bucket)."""
        bucket = unique_name("rec").lower()
        self.s3.create_bucket(Bucket=bucket)
        name = unique_name("ddbrec")
        self.create_function(name=name, zip_bytes=python_zip("stream_recorder"),
                             handler="stream_recorder.lambda_handler", Timeout=30,
                             Environment={"Variables": {"RECORD_BUCKET": bucket}})
        if allow_topic:
            self.lam.add_permission(FunctionName=name, StatementId="sns", Principal="sns.amazonaws.com",
                                    Action="lambda:InvokeFunction", SourceArn=allow_topic)
        return name, bucket

    def assert_error(self, response, code, status, message=None):
        self.assertEqual(response["Error"]["Code"], code, response)
        self.assertEqual(response["ResponseMetadata"]["HTTPStatusCode"], status, response)
        if message is not None:
            self.assertEqual(response["Error"]["Message"], message)


class ControlPlaneTest(MappingCase):
    """What holds with or without DynamoDB: refusals, and unknown mappings."""

    def create_error(self, **params):
        request = dict(FunctionName=self.function, EventSourceArn=MISSING_STREAM,
                       StartingPosition="TRIM_HORIZON")
        request.update(params)
        request = {key: value for key, value in request.items() if value is not None}
        return self.error_of(self.lam_novalidate.create_event_source_mapping, **request)

    def setUp(self):
        self.function = self.create_function()["FunctionName"]

    def test_a_stream_that_does_not_exist_is_refused_as_aws_words_it(self):
        self.assert_error(self.create_error(), "InvalidParameterValueException", 400,
                          f"Stream not found: {MISSING_STREAM}")

    def test_parameters_are_validated_with_lambdas_codes_and_messages(self):
        self.assert_error(self.create_error(BatchSize=10001), "ValidationException", 400,
                          "1 validation error detected: Value '10001' at 'batchSize' failed to "
                          "satisfy constraint: Member must have value less than or equal to 10000")
        self.assert_error(self.create_error(MaximumBatchingWindowInSeconds=301),
                          "ValidationException", 400)
        self.assert_error(self.create_error(MaximumRetryAttempts=-2), "ValidationException", 400)
        self.assert_error(self.create_error(MaximumRecordAgeInSeconds=59),
                          "InvalidParameterValueException", 400)
        self.assert_error(self.create_error(StartingPosition=None),
                          "InvalidParameterValueException", 400,
                          "1 validation error detected: Value null at 'startingPosition' failed to "
                          "satisfy constraint: Member must not be null.")
        self.assert_error(self.create_error(StartingPosition="AT_TIMESTAMP"),
                          "InvalidParameterValueException", 400,
                          f"Unsupported starting position for arn type: {MISSING_STREAM}")
        self.assert_error(self.create_error(StartingPosition="SOMEWHERE"), "ValidationException",
                          400)
        self.assert_error(self.create_error(ParallelizationFactor=2),
                          "InvalidParameterValueException", 400)
        self.assert_error(self.create_error(FilterCriteria={"Filters": [{"Pattern": "{oops"}]}),
                          "InvalidParameterValueException", 400,
                          "Invalid filter pattern definition.")
        self.assert_error(self.create_error(FunctionName=unique_name("absent")),
                          "InvalidParameterValueException", 400, "Function does not exist")
        self.assert_error(self.create_error(FunctionName=f"{self.function}:nope"),
                          "ResourceNotFoundException", 404)
        kinesis = self.create_error(
            EventSourceArn=f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/s")
        self.assert_error(kinesis, "InvalidParameterValueException", 400)
        self.assertIn("DynamoDB stream", kinesis["Error"]["Message"])

    def test_destinations_other_than_sns_topics_are_refused(self):
        sqs = self.create_error(DestinationConfig={
            "OnFailure": {"Destination": f"arn:aws:sqs:{REGION}:{ACCOUNT}:dlq"}})
        self.assert_error(sqs, "InvalidParameterValueException", 400)
        self.assertIn("SQS", sqs["Error"]["Message"])
        self.assert_error(self.create_error(DestinationConfig={
            "OnSuccess": {"Destination": f"arn:aws:sns:{REGION}:{ACCOUNT}:t"}}),
            "InvalidParameterValueException", 400,
            "Unsupported DestinationConfig parameter for given event source mapping type.")

    def test_unknown_mappings_are_not_found(self):
        uuid = "0b6e1f0c-3b1a-4b8e-9d61-0a5a4e1b2c3d"
        for call, params in ((self.lam.get_event_source_mapping, {}),
                             (self.lam.update_event_source_mapping, {"Enabled": False}),
                             (self.lam.delete_event_source_mapping, {})):
            self.assert_error(self.error_of(call, UUID=uuid, **params),
                              "ResourceNotFoundException", 404,
                              "The resource you requested does not exist.")
        listed = self.lam.list_event_source_mappings(FunctionName=self.function)
        self.assertEqual(listed["EventSourceMappings"], [])
        self.assertNotIn("NextMarker", listed)


class StreamCase(MappingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        try:
            cls.ddb.list_tables()
        except ClientError as error:
            raise unittest.SkipTest(f"no DynamoDB in this Serval: {error}")

    def make_table(self, view="NEW_AND_OLD_IMAGES"):
        """A table keyed by pk (S) with a stream; its stream ARN."""
        name = unique_name("tbl")
        created = self.ddb.create_table(
            TableName=name, BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            StreamSpecification={"StreamEnabled": True, "StreamViewType": view})
        self.ddb.get_waiter("table_exists").wait(TableName=name)
        self.addCleanup(lambda: self.ddb.delete_table(TableName=name))
        return name, created["TableDescription"]["LatestStreamArn"]

    def map(self, function, stream, **params):
        params.setdefault("StartingPosition", "TRIM_HORIZON")
        created = self.lam.create_event_source_mapping(FunctionName=function,
                                                       EventSourceArn=stream, **params)
        self.addCleanup(self.delete_quietly, created["UUID"])
        self.wait_state(created["UUID"], "Enabled" if params.get("Enabled", True) else "Disabled")
        return created

    def delete_quietly(self, uuid):
        try:
            self.lam.delete_event_source_mapping(UUID=uuid)
        except ClientError:
            pass

    def wait_state(self, uuid, state, timeout=30):
        deadline = time.monotonic() + timeout
        while True:
            got = self.lam.get_event_source_mapping(UUID=uuid)
            if got["State"] == state:
                return got
            self.assertLess(time.monotonic(), deadline, got)
            time.sleep(0.2)

    def records(self, bucket, count, timeout=60):
        """The stream records the recorder received, once there are `count`, each event's records
        in the order delivered, events ordered by their first sequence number."""
        deadline = time.monotonic() + timeout
        while True:
            events = self.recorded_events(self.s3, bucket, 0, settle=0)
            got = [record for event in events for record in event["Records"]]
            if len(got) >= count:
                break
            if time.monotonic() > deadline:
                self.fail(f"{len(got)} of {count} records after {timeout}s\n"
                          + self.serval.log_tail(3000))
            time.sleep(0.2)
        time.sleep(1)  # extra deliveries would show
        events = self.recorded_events(self.s3, bucket, 0, settle=0)
        for event in events:
            sequence = [int(r["dynamodb"]["SequenceNumber"]) for r in event["Records"]]
            self.assertEqual(sequence, sorted(sequence), "a batch out of order")
        events.sort(key=lambda e: int(e["Records"][0]["dynamodb"]["SequenceNumber"]))
        return [record for event in events for record in event["Records"]]


class StreamDeliveryTest(StreamCase):
    def test_changes_arrive_in_order_with_awss_record_shape(self):
        table, stream = self.make_table()
        function, bucket = self.recorder()
        created = self.map(function, stream, BatchSize=10)
        self.assertEqual(created["State"], "Creating")
        self.assertEqual(created["StateTransitionReason"], "User action")
        self.assertEqual(created["LastProcessingResult"], "No records processed")
        self.assertEqual(created["FunctionArn"], function_arn(function))
        self.assertEqual(created["EventSourceArn"], stream)
        self.assertEqual(created["BatchSize"], 10)
        self.assertEqual(created["StartingPosition"], "TRIM_HORIZON")
        self.assertEqual(created["MaximumRetryAttempts"], -1)
        self.assertEqual(created["ResponseMetadata"]["HTTPStatusCode"], 202)

        self.ddb.put_item(TableName=table, Item={"pk": {"S": "k1"}, "v": {"N": "1"}})
        self.ddb.update_item(TableName=table, Key={"pk": {"S": "k1"}},
                             UpdateExpression="SET v = :v", ExpressionAttributeValues={":v": {"N": "2"}})
        self.ddb.delete_item(TableName=table, Key={"pk": {"S": "k1"}})
        self.ddb.put_item(TableName=table, Item={"pk": {"S": "k2"}, "s": {"S": "two"}})
        records = self.records(bucket, 4)
        self.assertEqual([r["eventName"] for r in records], ["INSERT", "MODIFY", "REMOVE", "INSERT"])
        self.assertEqual([r["dynamodb"]["Keys"] for r in records],
                         [{"pk": {"S": "k1"}}] * 3 + [{"pk": {"S": "k2"}}])
        insert, modify, remove, second = records
        self.assertEqual(insert["dynamodb"]["NewImage"], {"pk": {"S": "k1"}, "v": {"N": "1"}})
        self.assertNotIn("OldImage", insert["dynamodb"])
        self.assertEqual(modify["dynamodb"]["OldImage"], {"pk": {"S": "k1"}, "v": {"N": "1"}})
        self.assertEqual(modify["dynamodb"]["NewImage"], {"pk": {"S": "k1"}, "v": {"N": "2"}})
        self.assertEqual(remove["dynamodb"]["OldImage"], {"pk": {"S": "k1"}, "v": {"N": "2"}})
        self.assertNotIn("NewImage", remove["dynamodb"])
        self.assertEqual(second["dynamodb"]["NewImage"], {"pk": {"S": "k2"}, "s": {"S": "two"}})
        for record in records:
            self.assertEqual(record["eventSource"], "aws:dynamodb")
            self.assertEqual(record["eventSourceARN"], stream)
            self.assertEqual(record["awsRegion"], REGION)
            self.assertEqual(record["dynamodb"]["StreamViewType"], "NEW_AND_OLD_IMAGES")
            self.assertIn("eventID", record)
        got = self.lam.get_event_source_mapping(UUID=created["UUID"])
        self.assertEqual(got["LastProcessingResult"], "OK")

    def test_latest_starts_after_what_the_stream_holds_at_creation(self):
        table, stream = self.make_table()
        function, bucket = self.recorder()
        self.ddb.put_item(TableName=table, Item={"pk": {"S": "before"}})
        self.map(function, stream, StartingPosition="LATEST")
        self.ddb.put_item(TableName=table, Item={"pk": {"S": "after"}})
        records = self.records(bucket, 1)
        self.assertEqual([r["dynamodb"]["Keys"]["pk"]["S"] for r in records], ["after"])

    def test_filter_criteria_pass_only_matching_records(self):
        table, stream = self.make_table()
        function, bucket = self.recorder()
        self.map(function, stream, FilterCriteria={
            "Filters": [{"Pattern": json.dumps({"eventName": ["REMOVE"]})}]})
        self.ddb.put_item(TableName=table, Item={"pk": {"S": "k"}})
        self.ddb.delete_item(TableName=table, Key={"pk": {"S": "k"}})
        records = self.records(bucket, 1)
        self.assertEqual([r["eventName"] for r in records], ["REMOVE"])

    def test_a_failing_batch_is_retried_then_sent_to_the_sns_destination(self):
        table, stream = self.make_table()
        topic = self.sns.create_topic(Name=unique_name("dlq"))["TopicArn"]
        dlq_function, dlq_bucket = self.recorder(allow_topic=topic)
        self.sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=function_arn(dlq_function))
        function, bucket = self.recorder()
        # One record a batch: the good record is not in the failing batch.
        created = self.map(function, stream, BatchSize=1, MaximumRetryAttempts=1,
                           DestinationConfig={"OnFailure": {"Destination": topic}})
        self.assertEqual(created["DestinationConfig"], {"OnFailure": {"Destination": topic}})
        self.ddb.put_item(TableName=table, Item={"pk": {"S": "bad"}, "fail": {"BOOL": True}})
        self.ddb.put_item(TableName=table, Item={"pk": {"S": "good"}})
        records = self.records(bucket, 3)
        keys = [r["dynamodb"]["Keys"]["pk"]["S"] for r in records]
        self.assertEqual(keys[:2], ["bad", "bad"])  # the first try and one retry
        self.assertEqual(keys[-1], "good")  # then the stream moves on
        notifications = self.recorded_events(self.s3, dlq_bucket, 1)
        failure = json.loads(notifications[0]["Records"][0]["Sns"]["Message"])
        self.assertEqual(failure["requestContext"]["condition"], "RetryAttemptsExhausted")
        self.assertEqual(failure["requestContext"]["approximateInvokeCount"], 2)
        self.assertEqual(failure["requestContext"]["functionArn"], function_arn(function))
        self.assertEqual(failure["responseContext"]["functionError"], "Unhandled")
        self.assertEqual(failure["version"], "1.0")
        info = failure["DDBStreamBatchInfo"]
        self.assertEqual(info["streamArn"], stream)
        self.assertEqual(info["batchSize"], 1)
        self.assertEqual(info["startSequenceNumber"], records[0]["dynamodb"]["SequenceNumber"])
        self.assertEqual(info["endSequenceNumber"], info["startSequenceNumber"])
        got = self.lam.get_event_source_mapping(UUID=created["UUID"])
        self.assertEqual(got["LastProcessingResult"], "OK")

    def test_disable_pauses_and_delete_forgets(self):
        table, stream = self.make_table()
        function, bucket = self.recorder()
        uuid = self.map(function, stream)["UUID"]
        disabled = self.lam.update_event_source_mapping(UUID=uuid, Enabled=False)
        self.assertEqual(disabled["State"], "Disabling")
        self.wait_state(uuid, "Disabled")
        self.ddb.put_item(TableName=table, Item={"pk": {"S": "while-disabled"}})
        time.sleep(2)
        self.assertEqual(self.s3.list_objects_v2(Bucket=bucket).get("KeyCount"), 0)
        enabled = self.lam.update_event_source_mapping(UUID=uuid, Enabled=True, BatchSize=5)
        self.assertEqual(enabled["State"], "Enabling")
        self.assertEqual(enabled["BatchSize"], 5)
        records = self.records(bucket, 1)
        self.assertEqual(records[0]["dynamodb"]["Keys"]["pk"]["S"], "while-disabled")
        deleted = self.lam.delete_event_source_mapping(UUID=uuid)
        self.assertEqual(deleted["State"], "Deleting")
        self.assert_error(self.error_of(self.lam.get_event_source_mapping, UUID=uuid),
                          "ResourceNotFoundException", 404)

    def test_duplicates_conflict_and_lists_filter_and_page(self):
        _, stream = self.make_table()
        _, other_stream = self.make_table()
        function, _ = self.recorder()
        first = self.map(function, stream)["UUID"]
        conflict = self.error_of(self.lam.create_event_source_mapping, FunctionName=function,
                                 EventSourceArn=stream, StartingPosition="LATEST")
        self.assert_error(conflict, "ResourceConflictException", 409,
                          f'The event source arn (" {stream} ") and function (" {function} ") '
                          f"provided mapping already exists. Please update or delete the existing "
                          f"mapping with UUID {first}")
        second = self.map(function_arn(function), other_stream)["UUID"]
        by_stream = self.lam.list_event_source_mappings(EventSourceArn=stream)
        self.assertEqual([m["UUID"] for m in by_stream["EventSourceMappings"]], [first])
        by_function = self.lam.list_event_source_mappings(FunctionName=function)
        self.assertEqual(sorted(m["UUID"] for m in by_function["EventSourceMappings"]),
                         sorted([first, second]))
        page = self.lam.list_event_source_mappings(FunctionName=function, MaxItems=1)
        self.assertEqual(len(page["EventSourceMappings"]), 1)
        rest = self.lam.list_event_source_mappings(FunctionName=function, MaxItems=1,
                                                   Marker=page["NextMarker"])
        self.assertEqual(len(rest["EventSourceMappings"]), 1)
        self.assertNotIn("NextMarker", rest)
        self.assertNotEqual(page["EventSourceMappings"][0]["UUID"],
                            rest["EventSourceMappings"][0]["UUID"])


if __name__ == "__main__":
    unittest.main()


class CliTest(StreamCase):
    """The AWS CLI manages a mapping end to end (its own parameter names and output)."""

    def test_cli_creates_lists_updates_and_deletes_a_delivering_mapping(self):
        table, stream = self.make_table()
        function, bucket = self.recorder()
        created = self.serval.cli_json(
            "lambda", "create-event-source-mapping", "--function-name", function,
            "--event-source-arn", stream, "--starting-position", "TRIM_HORIZON",
            "--batch-size", "5", "--maximum-retry-attempts", "2")
        uuid = created["UUID"]
        self.addCleanup(self.delete_quietly, uuid)
        self.assertEqual(created["BatchSize"], 5)
        self.assertEqual(created["MaximumRetryAttempts"], 2)
        self.wait_state(uuid, "Enabled")
        listed = self.serval.cli_json("lambda", "list-event-source-mappings",
                                      "--function-name", function)
        self.assertEqual([m["UUID"] for m in listed["EventSourceMappings"]], [uuid])
        self.ddb.put_item(TableName=table, Item={"pk": {"S": "from-cli"}})
        records = self.records(bucket, 1)
        self.assertEqual(records[0]["dynamodb"]["Keys"], {"pk": {"S": "from-cli"}})
        updated = self.serval.cli_json("lambda", "update-event-source-mapping", "--uuid", uuid,
                                       "--batch-size", "7")
        self.assertEqual(updated["BatchSize"], 7)
        got = self.serval.cli_json("lambda", "get-event-source-mapping", "--uuid", uuid)
        self.assertEqual((got["BatchSize"], got["MaximumRetryAttempts"]), (7, 2))
        self.serval.cli("lambda", "delete-event-source-mapping", "--uuid", uuid)
        deadline = time.monotonic() + 30
        while True:
            gone = self.serval.cli("lambda", "get-event-source-mapping", "--uuid", uuid,
                                   check=False)
            if gone.returncode != 0:
                break
            self.assertLess(time.monotonic(), deadline, gone.stdout)
            time.sleep(0.2)
        self.assertIn("ResourceNotFoundException", gone.stderr)
