"""DynamoDB on the wire (ref 1.1, 1.2): every response, success and error, carries
`x-amz-crc32` = CRC-32 of the exact body bytes as an unsigned decimal (boto3 checks it and, in
its default legacy retry mode, retries a mismatch 10 times and then fails), the JSON 1.0 content
type, and a request id. Checked through botocore's after-call hook on real client calls and with
raw signed requests; then a client with boto3's default retry settings must see no retries."""

import zlib

import boto3
import botocore.exceptions
from botocore.config import Config

from dynamodb_case import DynamoCase
from serval_harness import ACCESS_KEY, REGION, SECRET_KEY, unique_name


def S(v): return {"S": v}


class Crc32Test(DynamoCase):
    def recording_client(self, config=None):
        client = boto3.session.Session().client(
            "dynamodb", endpoint_url=self.serval.endpoint, region_name=REGION,
            aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
            config=config or Config(retries={"total_max_attempts": 1, "mode": "standard"}))
        seen = []

        def record(http_response, model, **_):
            seen.append((model.name, http_response.status_code,
                         {k.lower(): v for k, v in http_response.headers.items()},
                         http_response.content))
        client.meta.events.register("after-call.dynamodb", record)
        return client, seen

    def exercise(self, client):
        """A run of successful and failing calls of many kinds."""
        name = unique_name("crc")
        client.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
        self.addCleanup(self.delete_table_quietly, name)
        client.describe_table(TableName=name)
        client.list_tables(Limit=5)
        client.put_item(TableName=name, Item={"pk": S("a"), "u": S("\u00e9\u2603\U0001F600"),
                                              "b": {"B": b"\x00\xff"}})
        client.get_item(TableName=name, Key={"pk": S("a")})
        client.get_item(TableName=name, Key={"pk": S("missing")})
        client.query(TableName=name, KeyConditionExpression="pk = :p",
                     ExpressionAttributeValues={":p": S("a")})
        client.scan(TableName=name)
        client.update_item(TableName=name, Key={"pk": S("a")}, UpdateExpression="SET n = :n",
                           ExpressionAttributeValues={":n": {"N": "1"}}, ReturnValues="ALL_NEW")
        client.batch_write_item(RequestItems={name: [{"PutRequest": {"Item": {"pk": S("b")}}}]})
        client.describe_time_to_live(TableName=name)
        errors = 0
        for call, kw in (
                (client.get_item, dict(TableName=unique_name("nope"), Key={"pk": S("a")})),
                (client.put_item, dict(TableName=name, Item={"pk": S("a")},
                                       ConditionExpression="attribute_not_exists(pk)")),
                (client.put_item, dict(TableName=name, Item={"x": S("no key")})),
                (client.create_table, dict(
                    TableName=name, BillingMode="PAY_PER_REQUEST",
                    AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                    KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])),
        ):
            try:
                call(**kw)
            except botocore.exceptions.ClientError:
                errors += 1
        self.assertEqual(errors, 4)
        client.delete_table(TableName=name)

    def test_every_response_has_a_matching_crc32(self):
        client, seen = self.recording_client()
        self.exercise(client)
        self.assertGreaterEqual(len(seen), 16)
        statuses = {status for _, status, _, _ in seen}
        self.assertEqual(statuses, {200, 400})
        for op, status, headers, body in seen:
            with self.subTest(op=op, status=status):
                self.assertIn("x-amz-crc32", headers)
                self.assertRegex(headers["x-amz-crc32"], r"^\d+$")  # unsigned decimal
                self.assertEqual(int(headers["x-amz-crc32"]), zlib.crc32(body) & 0xFFFFFFFF)
                self.assertTrue(headers.get("x-amzn-requestid"), headers)
                with self.deviates("moto: Content-Type application/json on errors"):
                    self.assertTrue(headers.get("content-type", "").startswith(
                        "application/x-amz-json-1.0"), headers)
                self.assertNotEqual(headers.get("content-encoding"), "gzip")

    def test_raw_responses_carry_the_crc32(self):
        for op, body in (("ListTables", {}), ("DescribeTable", {"TableName": unique_name("nope")}),
                         ("DescribeEndpoints", {})):
            with self.subTest(op=op):
                status, headers, raw = self.raw_ddb(op, body)
                self.assertIn(status, (200, 400))
                self.assertEqual(int(headers["x-amz-crc32"]), zlib.crc32(raw) & 0xFFFFFFFF)

    def test_default_legacy_retries_never_fire(self):
        # boto3's defaults (legacy mode, 10 attempts): a CRC mismatch would show as retries.
        client, seen = self.recording_client(config=Config(retries={"mode": "legacy"}))
        self.exercise(client)
        self.assertGreaterEqual(len(seen), 16)
        ops = [op for op, _, _, _ in seen]
        self.assertEqual(len(ops), 16, ops)  # one HTTP exchange per call
