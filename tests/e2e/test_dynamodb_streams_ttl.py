"""DynamoDB Streams API (issue 13 part 5, for clients that read streams themselves) and TTL
(part 4) on the simulated clock: records in commit order with the images the view type asks
for, iterators of every type, no record for a write that changes nothing; expired items removed
in the background as a REMOVE by the service, unexpired ones kept."""

import time

from dynamodb_case import DynamoCase, key_schema

START_SECONDS = 1_900_000_000  # the simulated clock's start (2030-03-17)


class StreamsAndTtlTest(DynamoCase):
    SERVAL_ARGS = ["--simulated-clock-start", str(START_SECONDS * 1000)]

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.streams = cls.serval.client("dynamodbstreams")

    def stream_table(self, view):
        name = self.create_table(("pk", "S"), StreamSpecification={
            "StreamEnabled": True, "StreamViewType": view})
        arn = self.ddb.describe_table(TableName=name)["Table"]["LatestStreamArn"]
        return name, arn

    def records(self, arn, iterator_type="TRIM_HORIZON", **kw):
        shard = self.streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]
        iterator = self.streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType=iterator_type,
            **kw)["ShardIterator"]
        return self.streams.get_records(ShardIterator=iterator)

    def test_records_follow_changes_with_images(self):
        name, arn = self.stream_table("NEW_AND_OLD_IMAGES")
        key = {"pk": {"S": "a"}}
        self.ddb.put_item(TableName=name, Item={**key, "v": {"N": "1"}})
        self.ddb.put_item(TableName=name, Item={**key, "v": {"N": "1"}})  # no change: no record
        self.ddb.update_item(TableName=name, Key=key, UpdateExpression="SET v = :two",
                             ExpressionAttributeValues={":two": {"N": "2"}})
        self.ddb.delete_item(TableName=name, Key=key)
        self.ddb.delete_item(TableName=name, Key=key)  # nothing to delete: no record
        records = self.records(arn)["Records"]
        self.assertEqual([r["eventName"] for r in records], ["INSERT", "MODIFY", "REMOVE"])
        insert, modify, remove = records
        self.assertEqual(insert["eventSource"], "aws:dynamodb")
        self.assertEqual(insert["eventVersion"], "1.1")
        self.assertEqual(insert["awsRegion"], "us-east-1")
        self.assertEqual(insert["dynamodb"]["Keys"], key)
        self.assertEqual(insert["dynamodb"]["NewImage"], {**key, "v": {"N": "1"}})
        self.assertNotIn("OldImage", insert["dynamodb"])
        self.assertEqual(modify["dynamodb"]["OldImage"]["v"], {"N": "1"})
        self.assertEqual(modify["dynamodb"]["NewImage"]["v"], {"N": "2"})
        self.assertEqual(remove["dynamodb"]["OldImage"]["v"], {"N": "2"})
        self.assertNotIn("NewImage", remove["dynamodb"])
        self.assertEqual(remove["dynamodb"]["StreamViewType"], "NEW_AND_OLD_IMAGES")
        sequence = [int(r["dynamodb"]["SequenceNumber"]) for r in records]
        self.assertEqual(sequence, sorted(sequence))
        self.assertTrue(all(r["dynamodb"]["SizeBytes"] > 0 for r in records))
        # AFTER/AT_SEQUENCE_NUMBER and LATEST iterators.
        after = self.records(arn, "AFTER_SEQUENCE_NUMBER",
                             SequenceNumber=insert["dynamodb"]["SequenceNumber"])["Records"]
        self.assertEqual([r["eventName"] for r in after], ["MODIFY", "REMOVE"])
        at = self.records(arn, "AT_SEQUENCE_NUMBER",
                          SequenceNumber=modify["dynamodb"]["SequenceNumber"])["Records"]
        self.assertEqual([r["eventName"] for r in at], ["MODIFY", "REMOVE"])
        latest = self.records(arn, "LATEST")
        self.assertEqual(latest["Records"], [])
        self.ddb.put_item(TableName=name, Item={"pk": {"S": "b"}})
        following = self.streams.get_records(ShardIterator=latest["NextShardIterator"])["Records"]
        self.assertEqual([r["dynamodb"]["Keys"]["pk"]["S"] for r in following], ["b"])

    def test_view_types_and_listing(self):
        name, arn = self.stream_table("KEYS_ONLY")
        self.ddb.put_item(TableName=name, Item={"pk": {"S": "k"}, "secret": {"S": "s"}})
        record = self.records(arn)["Records"][0]
        self.assertEqual(record["dynamodb"]["Keys"], {"pk": {"S": "k"}})
        self.assertNotIn("NewImage", record["dynamodb"])
        listed = self.streams.list_streams(TableName=name)["Streams"]
        self.assertEqual([s["StreamArn"] for s in listed], [arn])
        description = self.streams.describe_stream(StreamArn=arn)["StreamDescription"]
        self.assertEqual(description["StreamStatus"], "ENABLED")
        self.assertEqual(description["KeySchema"], key_schema("pk"))
        self.ddb.update_table(TableName=name, StreamSpecification={"StreamEnabled": False})
        description = self.streams.describe_stream(StreamArn=arn)["StreamDescription"]
        self.assertEqual(description["StreamStatus"], "DISABLED")
        self.ddb.put_item(TableName=name, Item={"pk": {"S": "after-disable"}})
        # The shard is closed: read to its end, there is no next iterator (a consumer's
        # `while iterator:` ends).
        closed = self.records(arn)
        self.assertEqual(len(closed["Records"]), 1)
        self.assertNotIn("NextShardIterator", closed)
        shard = self.streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]
        self.assertIn("EndingSequenceNumber", shard["SequenceNumberRange"])
        error = self.error_of(self.streams.describe_stream, StreamArn=arn + "x")
        self.assertEqual(error["Error"]["Code"], "ResourceNotFoundException")

    def test_ttl_removes_expired_items_on_the_simulated_clock(self):
        name, arn = self.stream_table("OLD_IMAGE")
        self.ddb.update_time_to_live(TableName=name, TimeToLiveSpecification={
            "Enabled": True, "AttributeName": "expires"})
        now = START_SECONDS
        items = {"past": now - 10, "soon": now + 60, "later": now + 3600}
        for key, expires in items.items():
            self.ddb.put_item(TableName=name, Item={"pk": {"S": key},
                                                    "expires": {"N": str(expires)}})
        self.ddb.put_item(TableName=name, Item={"pk": {"S": "no-ttl"}})
        self.ddb.put_item(TableName=name, Item={"pk": {"S": "text-ttl"},
                                                "expires": {"S": str(now - 10)}})

        def keys_left():
            return sorted(i["pk"]["S"] for i in self.scan_all(name))

        def advance(seconds):
            status, _, _ = self.serval.raw(
                "POST", f"/_serval/clock/advance?seconds={seconds}", sign=False)
            self.assertEqual(status, 200)

        def wait_for(expected):
            deadline = time.monotonic() + 20
            while keys_left() != expected and time.monotonic() < deadline:
                time.sleep(0.1)
            self.assertEqual(keys_left(), expected)

        advance(0)
        wait_for(["later", "no-ttl", "soon", "text-ttl"])
        advance(120)
        wait_for(["later", "no-ttl", "text-ttl"])
        removes = [r for r in self.records(arn)["Records"] if r["eventName"] == "REMOVE"]
        self.assertEqual([r["dynamodb"]["Keys"]["pk"]["S"] for r in removes], ["past", "soon"])
        # GetRecords names the members as its model does (Lambda's events: type, principalId).
        self.assertEqual(removes[0]["userIdentity"],
                         {"Type": "Service", "PrincipalId": "dynamodb.amazonaws.com"})
        # An item whose expiry is pushed into the future before the sweep stays.
        self.ddb.update_item(TableName=name, Key={"pk": {"S": "later"}},
                             UpdateExpression="SET expires = :far",
                             ExpressionAttributeValues={":far": {"N": str(now + 10 ** 6)}})
        advance(7200)
        time.sleep(1)
        self.assertEqual(keys_left(), ["later", "no-ttl", "text-ttl"])
