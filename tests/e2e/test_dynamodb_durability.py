"""DynamoDB durability (issue 13 part 6): a 200 means the write is on disk. Writers run
concurrently (their fsyncs are shared by group commit) while serval is killed with SIGKILL;
after a restart on the same data dir every acknowledged write is there, the tables keep their
indexes, stream and TTL settings and tags, and conditional writes stay atomic."""

import threading
import time

from botocore.exceptions import ClientError, ConnectionClosedError, EndpointConnectionError

from dynamodb_case import DynamoCase, key_schema


class DurabilityTest(DynamoCase):

    def restart_after_kill(self):
        self.serval.kill()
        self.serval.start()
        type(self).ddb = self.serval.client("dynamodb")

    def test_acknowledged_writes_survive_kill_9(self):
        name = self.create_table(("pk", "S"), cleanup=False)
        counter_key = {"pk": {"S": "counter"}}
        acked_puts, acked_adds = [], []
        lock = threading.Lock()
        stop = threading.Event()

        def writer(worker):
            client = self.serval.client("dynamodb")
            i = 0
            while not stop.is_set():
                key = f"w{worker}-{i}"
                try:
                    client.put_item(TableName=name,
                                    Item={"pk": {"S": key}, "payload": {"S": "x" * 200}})
                    with lock:
                        acked_puts.append(key)
                    client.update_item(TableName=name, Key=counter_key,
                                       UpdateExpression="ADD n :one",
                                       ExpressionAttributeValues={":one": {"N": "1"}})
                    with lock:
                        acked_adds.append(key)
                except (ClientError, ConnectionClosedError, EndpointConnectionError, OSError):
                    return  # serval is gone: this write was never acknowledged
                except Exception:  # noqa: BLE001 - any transport failure after the kill
                    return
                i += 1

        threads = [threading.Thread(target=writer, args=(w,)) for w in range(8)]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 30
        while len(acked_puts) < 400 and time.monotonic() < deadline:
            time.sleep(0.05)
        self.serval.proc.kill()  # SIGKILL in mid-flight, writes still arriving
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        self.assertGreaterEqual(len(acked_puts), 400)
        self.restart_after_kill()

        stored = {item["pk"]["S"] for item in self.scan_all(name)}
        missing = [key for key in acked_puts if key not in stored]
        self.assertEqual(missing, [], f"{len(missing)} acknowledged puts lost")
        counter = int(self.get(name, counter_key)["n"]["N"])
        # Every acknowledged ADD is counted; an unacknowledged one may or may not be.
        self.assertGreaterEqual(counter, len(acked_adds))
        self.assertLessEqual(counter, len(acked_puts))
        self.ddb.delete_table(TableName=name)

    def test_restart_keeps_tables_indexes_streams_ttl_and_tags(self):
        name = f"durable-{int(time.time() * 1000)}"
        self.ddb.create_table(
            TableName=name, BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                  {"AttributeName": "sk", "AttributeType": "N"},
                                  {"AttributeName": "g", "AttributeType": "S"}],
            KeySchema=key_schema("pk", "sk"),
            GlobalSecondaryIndexes=[{"IndexName": "by-g", "KeySchema": key_schema("g"),
                                     "Projection": {"ProjectionType": "KEYS_ONLY"}}],
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
            Tags=[{"Key": "team", "Value": "video"}])
        self.ddb.update_time_to_live(TableName=name, TimeToLiveSpecification={
            "Enabled": True, "AttributeName": "expires"})
        for i in range(5):
            self.ddb.put_item(TableName=name, Item={"pk": {"S": "p"}, "sk": {"N": str(i)},
                                                    "g": {"S": "green" if i % 2 else "blue"}})
        before = self.ddb.describe_table(TableName=name)["Table"]
        self.restart_after_kill()

        after = self.ddb.describe_table(TableName=name)["Table"]
        for field in ("TableArn", "TableId", "KeySchema", "AttributeDefinitions",
                      "LatestStreamArn", "StreamSpecification", "CreationDateTime"):
            self.assertEqual(after[field], before[field], field)
        self.assertEqual(after["ItemCount"], 5)
        self.assertEqual(after["GlobalSecondaryIndexes"][0]["IndexName"], "by-g")
        self.assertEqual(self.ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"],
                         {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires"})
        self.assertEqual(self.ddb.list_tags_of_resource(ResourceArn=after["TableArn"])["Tags"],
                         [{"Key": "team", "Value": "video"}])
        green = self.ddb.query(TableName=name, IndexName="by-g",
                               KeyConditionExpression="g = :g",
                               ExpressionAttributeValues={":g": {"S": "green"}})
        self.assertEqual(sorted(int(i["sk"]["N"]) for i in green["Items"]), [1, 3])
        streams = self.serval.client("dynamodbstreams")
        arn = after["LatestStreamArn"]
        shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
        iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard,
                                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        records = streams.get_records(ShardIterator=iterator)["Records"]
        self.assertEqual([r["dynamodb"]["Keys"]["sk"]["N"] for r in records],
                         ["0", "1", "2", "3", "4"])
        self.ddb.delete_table(TableName=name)

    def test_conditional_put_has_one_winner_under_concurrency(self):
        name = self.create_table(("pk", "S"))
        winners = []
        lock = threading.Lock()

        def contender(worker):
            client = self.serval.client("dynamodb")
            try:
                client.put_item(TableName=name, Item={"pk": {"S": "only"}, "w": {"N": str(worker)}},
                                ConditionExpression="attribute_not_exists(pk)")
                with lock:
                    winners.append(worker)
            except ClientError as error:
                self.assertEqual(error.response["Error"]["Code"],
                                 "ConditionalCheckFailedException")

        threads = [threading.Thread(target=contender, args=(w,)) for w in range(16)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertEqual(len(winners), 1)
        self.assertEqual(self.get(name, {"pk": {"S": "only"}})["w"], {"N": str(winners[0])})
