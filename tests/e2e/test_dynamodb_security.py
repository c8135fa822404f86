"""DynamoDB under attack (issue 13; the security property every service carries): requests
without a valid signature change nothing, hostile JSON and expressions get DynamoDB's errors
without harming the server (deep nesting, huge exponents, runaway parentheses, oversized
expressions, junk bodies), and nothing outside DynamoDB's rules is stored."""

import json
import os

from dynamodb_case import DynamoCase


class DynamoDbAttackTest(DynamoCase):

    def assert_alive_and_unchanged(self, name, expected_count):
        self.assertEqual(len(self.scan_all(name)), expected_count)

    def test_unsigned_and_badly_signed_requests_change_nothing(self):
        name = self.create_table(("pk", "S"))
        item = {"TableName": name, "Item": {"pk": {"S": "x"}}}
        status, headers, body = self.raw_ddb("PutItem", item, sign=False)
        self.assertIn(status, (400, 403))
        self.assertIn("__type", json.loads(body))
        # Signed with the wrong secret.
        bad = self.serval.client("dynamodb")
        bad._request_signer._credentials.secret_key = "not-the-secret"  # noqa: SLF001
        error = self.error_of(bad.put_item, **item)
        self.assertIn(error["Error"]["Code"],
                      ("InvalidSignatureException", "UnrecognizedClientException"))
        create = self.error_of(bad.create_table, TableName="stolen", BillingMode="PAY_PER_REQUEST",
                               AttributeDefinitions=[{"AttributeName": "pk",
                                                      "AttributeType": "S"}],
                               KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
        self.assertIn(create["ResponseMetadata"]["HTTPStatusCode"], (400, 403))
        self.assert_alive_and_unchanged(name, 0)
        self.assertNotIn("stolen", self.ddb.list_tables()["TableNames"])

    def test_nesting_is_allowed_to_32_levels_and_refused_beyond(self):
        name = self.create_table(("pk", "S"))

        def nested(depth):
            value = {"S": "leaf"}
            for _ in range(depth):
                value = {"M": {"x": value}}
            return value

        self.ddb.put_item(TableName=name, Item={"pk": {"S": "deep"}, "v": nested(32)})
        got = self.get(name, {"pk": {"S": "deep"}})
        self.assertEqual(got["v"], nested(32))
        error = self.ddb_error("put_item", "ValidationException",
                               TableName=name, Item={"pk": {"S": "deeper"}, "v": nested(33)})
        self.assertIn("Nesting Levels have exceeded supported limits",
                      error["Error"]["Message"])
        # JSON nested far beyond any item: refused as unreadable, the server keeps serving.
        hostile = '{"TableName": "%s", "Item": %s}' % (name, "[" * 100000 + "]" * 100000)
        status, _, body = self.raw_ddb("PutItem", hostile)
        self.assertEqual(status, 400)
        self.assertTrue(json.loads(body)["__type"].endswith("SerializationException"))
        self.assert_alive_and_unchanged(name, 1)

    def test_hostile_numbers_and_expressions(self):
        name = self.create_table(("pk", "S"))
        for number in ("1e9999999999", "9" * 100000, "-" + "0" * 50000 + "1e-999999"):
            self.ddb_error("put_item", "ValidationException",
                           TableName=name, Item={"pk": {"S": "n"}, "v": {"N": number}})
        runaway = "(" * 5000 + "a = :v" + ")" * 5000
        for expression in (runaway, "a = :v AND " * 400 + "a = :v", "NOT " * 2000 + "a = :v"):
            self.ddb_error("put_item", "ValidationException",
                           TableName=name, Item={"pk": {"S": "e"}},
                           ConditionExpression=expression,
                           ExpressionAttributeValues={":v": {"S": "x"}})
        self.ddb_error("update_item", "ValidationException",
                       TableName=name, Key={"pk": {"S": "e"}},
                       UpdateExpression="SET " + ", ".join(f"a{i} = :v" for i in range(1000)),
                       ExpressionAttributeValues={":v": {"S": "x"}})
        self.assert_alive_and_unchanged(name, 0)

    def test_junk_bodies_and_names(self):
        name = self.create_table(("pk", "S"))
        for body in (os.urandom(4096), b"\xff\xfe{}", b"[]", b'"string"', b"{" * 10):
            status, headers, answer = self.raw_ddb("PutItem", body)
            self.assertEqual(status, 400)
            self.assertTrue(json.loads(answer)["__type"].endswith("SerializationException"))
            self.assertIn("x-amz-crc32", headers)
        for bad_name in ("../../etc/passwd", "a/b", "x", "t" * 256, "name with spaces"):
            error = self.ddb_error("create_table", "ValidationException", client=self.ddb_novalidate,
                                   TableName=bad_name, BillingMode="PAY_PER_REQUEST",
                                   AttributeDefinitions=[{"AttributeName": "pk",
                                                          "AttributeType": "S"}],
                                   KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
            self.assertIn("tableName", error["Error"]["Message"])
        # An unknown operation and a target of another service's family.
        status, _, answer = self.raw_ddb("DropEverything", {"TableName": name})
        self.assertEqual(status, 400)
        self.assertTrue(json.loads(answer)["__type"].endswith("UnknownOperationException"))
        self.assert_alive_and_unchanged(name, 0)
